import { downWeighted, type Progress } from './progress.js';

/** What the display knows about the run besides the metrics. */
export interface RunShape {
  /** Rounds to train before stopping; 0 runs until stopped. */
  readonly targetRound: number;
  readonly byzantine: ReadonlySet<string>;
}

/** Live progress, redrawn in place on a terminal or printed as plain lines elsewhere. */
export interface ProgressDisplay {
  update(progress: Progress, roundsPerSecond: number): void;
  /** A message between progress updates (a child that died); it stays in the output. */
  note(line: string): void;
}

const BAR_WIDTH = 24;

/** `round 120/300  41.2 rounds/s  eval loss 0.0123 (round 120)  accuracy 0.812  10 workers`. */
export function headline(progress: Progress, roundsPerSecond: number, shape: RunShape): string {
  const target = shape.targetRound > 0 ? `/${shape.targetRound}` : '';
  const evaluation = progress.evaluation;
  const loss = evaluation === undefined ? 'eval loss —' : `eval loss ${formatNumber(evaluation.loss)} (round ${evaluation.round})`;
  const accuracy = evaluation?.accuracy === undefined ? '' : `  accuracy ${evaluation.accuracy.toFixed(3)}`;
  return `round ${progress.round}${target}  ${roundsPerSecond.toFixed(1)} rounds/s  ${loss}${accuracy}  ${progress.workersJoined} workers`;
}

/** `3 (stale 2, invalid-argument 1)`, or `none`. */
export function rejectedText(progress: Progress): string {
  const total = [...progress.rejected.values()].reduce((sum, count) => sum + count, 0);
  if (total === 0) return 'none';
  return `${total} (${[...progress.rejected].map(([reason, count]) => `${reason} ${count}`).join(', ')})`;
}

function rejectedLine(progress: Progress): string {
  return `rejected pushes: ${rejectedText(progress)}`;
}

/** The workers the rule discounts in its last round, Byzantine ones marked with `*`. */
export function downWeightedLine(progress: Progress, shape: RunShape): string {
  const influence = progress.influence;
  if (influence === undefined) return 'down-weighted: — (no round closed yet)';
  const names = downWeighted(influence).sort().map((name) => markByzantine(name, shape));
  return `down-weighted by ${influence.quantity}: ${names.length === 0 ? 'none' : names.join(', ')}${shape.byzantine.size > 0 ? '  (* Byzantine)' : ''}`;
}

/** `byzantine-1*`: the mark the display and the summary put on a Byzantine worker's name. */
export function markByzantine(name: string, shape: RunShape): string {
  return shape.byzantine.has(name) ? `${name}*` : name;
}

/** Numbers of very different sizes (losses from 10³ down to 10⁻⁴) in a few characters. */
export function formatNumber(value: number): string {
  if (value === 0 || !Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 1e4 || Math.abs(value) < 1e-3 ? value.toExponential(3) : value.toPrecision(4);
}

/** One bar per worker, scaled to the largest influence, so the discounted workers stand out. */
function influenceBars(progress: Progress, shape: RunShape): string[] {
  const influence = progress.influence;
  if (influence === undefined) return [];
  const entries = [...influence.byWorker].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }));
  const largest = Math.max(...entries.map(([, value]) => value));
  const width = Math.max(...entries.map(([name]) => name.length)) + 1;
  return entries.map(([name, value]) => {
    const length = largest > 0 ? Math.max(0, Math.round((value / largest) * BAR_WIDTH)) : 0;
    return `  ${markByzantine(name, shape).padEnd(width)} ${formatNumber(value).padStart(10)} ${'█'.repeat(length)}`;
  });
}

/** A block of lines redrawn in place with ANSI cursor movement. */
export class TerminalDisplay implements ProgressDisplay {
  private drawn = 0;
  private last: string[] = [];

  constructor(
    private readonly shape: RunShape,
    private readonly out: NodeJS.WritableStream,
  ) {}

  update(progress: Progress, roundsPerSecond: number): void {
    this.last = [headline(progress, roundsPerSecond, this.shape), rejectedLine(progress), downWeightedLine(progress, this.shape), ...influenceBars(progress, this.shape)];
    this.redraw('');
  }

  note(line: string): void {
    this.redraw(`${line}\n`);
  }

  private redraw(before: string): void {
    // Back to the first line of the previous block (CSI n F), then erase to the end of the screen (CSI J).
    const back = this.drawn > 0 ? `\x1b[${this.drawn}F\x1b[J` : '';
    this.out.write(`${back}${before}${this.last.map((line) => `${line}\n`).join('')}`);
    this.drawn = this.last.length;
  }
}

/** One line of progress every `everyMs`, for logs and pipes. */
export class PlainDisplay implements ProgressDisplay {
  private lastPrintMs = -Infinity;

  constructor(
    private readonly shape: RunShape,
    private readonly out: NodeJS.WritableStream,
    private readonly everyMs: number,
  ) {}

  update(progress: Progress, roundsPerSecond: number): void {
    const now = Date.now();
    if (now - this.lastPrintMs < this.everyMs) return;
    this.lastPrintMs = now;
    this.out.write(`${headline(progress, roundsPerSecond, this.shape)}  ${rejectedLine(progress)}  ${downWeightedLine(progress, this.shape)}\n`);
  }

  note(line: string): void {
    this.out.write(`${line}\n`);
  }
}
