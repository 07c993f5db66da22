/** Where progress goes: stderr, redrawn in place when it is a terminal. */
export interface ProgressOutput {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

const BAR_WIDTH = 24;
/** Least time between two redraws of the bar. */
const REDRAW_MS = 250;

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const whole = Math.round(seconds);
  const minutes = Math.floor(whole / 60);
  return minutes === 0 ? `${whole}s` : `${minutes}m${String(whole % 60).padStart(2, '0')}s`;
}

/**
 * Reports the grid's progress: on a terminal, one bar redrawn in place (cells done/total, ETA, the
 * cells running and their round); otherwise one plain line per cell started and finished.
 */
export class Progress {
  private done = 0;
  private readonly running = new Map<string, number>();
  private readonly started = performance.now();
  private lastDraw = 0;
  private readonly secondsPerCell: number[] = [];

  constructor(
    private readonly output: ProgressOutput,
    private readonly total: number,
    private readonly parallel: number,
    private readonly rounds: number,
  ) {}

  cellStarted(name: string): void {
    this.running.set(name, 0);
    if (this.output.isTTY === true) this.draw(true);
    else this.output.write(`started  ${name}\n`);
  }

  cellRound(name: string, roundsDone: number): void {
    this.running.set(name, roundsDone);
    if (this.output.isTTY === true) this.draw(false);
  }

  /** `summary` is the cell's figure, e.g. "accuracy 71.4% in 62 s". */
  cellFinished(name: string, summary: string, seconds: number): void {
    this.running.delete(name);
    this.done += 1;
    this.secondsPerCell.push(seconds);
    this.line(`[${this.done}/${this.total}] ${name}: ${summary}`);
  }

  /** A cell another run on the same folder finished while this one waited to start it. */
  cellSkipped(name: string): void {
    this.done += 1;
    this.line(`[${this.done}/${this.total}] ${name}: finished meanwhile by another run; skipped`);
  }

  cellFailed(name: string, reason: string): void {
    this.running.delete(name);
    this.done += 1;
    this.line(`[${this.done}/${this.total}] ${name} FAILED: ${reason}`);
  }

  /** Clears the bar so the lines after it start on a clean row. */
  finish(): void {
    if (this.output.isTTY === true) this.output.write('\r\x1b[K');
  }

  private line(text: string): void {
    if (this.output.isTTY === true) {
      this.output.write(`\r\x1b[K${text}\n`);
      this.draw(true);
    } else {
      this.output.write(`${text}\n`);
    }
  }

  private etaSeconds(): number {
    if (this.secondsPerCell.length === 0) return NaN;
    const mean = this.secondsPerCell.reduce((sum, seconds) => sum + seconds, 0) / this.secondsPerCell.length;
    const inFlight = [...this.running.values()].reduce((sum, roundsDone) => sum + (1 - roundsDone / this.rounds), 0);
    const waiting = this.total - this.done - this.running.size;
    return ((waiting + inFlight) * mean) / Math.max(1, Math.min(this.parallel, this.total - this.done));
  }

  private draw(force: boolean): void {
    const now = performance.now();
    if (!force && now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    const filled = this.total === 0 ? BAR_WIDTH : Math.round((this.done / this.total) * BAR_WIDTH);
    const cells = [...this.running].map(([name, roundsDone]) => `${name} r${roundsDone}/${this.rounds}`).join(', ');
    const elapsed = duration((now - this.started) / 1000);
    const text = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${this.done}/${this.total} cells · ${elapsed} · ETA ${duration(this.etaSeconds())} · ${cells}`;
    const width = this.output.columns ?? 120;
    this.output.write(`\r\x1b[K${text.length > width - 1 ? `${text.slice(0, width - 2)}…` : text}`);
  }
}
