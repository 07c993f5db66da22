import { table } from '../status.js';
import { formatNumber, markByzantine, rejectedText, type RunShape } from './display.js';
import type { InfluenceHistory, Progress } from './progress.js';

/** What the run did, gathered while it ran and once its processes have stopped. */
export interface RunRecord {
  readonly startRound: number;
  readonly wallSeconds: number;
  /** The first evaluation seen, to show the loss before and after. */
  readonly firstEvaluation: Progress['evaluation'];
  /** The last metrics of the server before it stopped. */
  readonly last: Progress;
  readonly influence: InfluenceHistory;
  /** The checkpoint the server wrote last, if it wrote one. */
  readonly checkpoint: string | undefined;
  readonly logDir: string;
}

function evaluationText(evaluation: NonNullable<Progress['evaluation']>): string {
  const accuracy = evaluation.accuracy === undefined ? '' : `, accuracy ${evaluation.accuracy.toFixed(3)}`;
  return `loss ${formatNumber(evaluation.loss)}${accuracy} (round ${evaluation.round})`;
}

/** The end-of-run report: totals, evaluation before and after, and each worker's mean influence. */
export function formatSummary(record: RunRecord, shape: RunShape): string {
  const rounds = record.last.round - record.startRound;
  const first = record.firstEvaluation;
  const last = record.last.evaluation;
  const evaluation = first === undefined || last === undefined ? 'none yet' : first.round === last.round ? evaluationText(last) : `${evaluationText(first)} → ${evaluationText(last)}`;
  const header = table([
    ['rounds', `${rounds} (round ${record.startRound} → ${record.last.round})`],
    ['wall time', `${record.wallSeconds.toFixed(1)} s`],
    ['rounds/s', record.wallSeconds > 0 ? (rounds / record.wallSeconds).toFixed(1) : '—'],
    ['evaluation', evaluation],
    ['rejected', rejectedText(record.last)],
    ['checkpoint', record.checkpoint ?? 'none written'],
    ['logs', record.logDir],
  ]);
  const influence = record.influence.summary();
  if (influence === undefined) return `\nsummary\n${indent(header)}\n`;
  const rows = [...influence.workers]
    .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
    .map(([worker, { mean, downWeightedShare }]) => [markByzantine(worker, shape), formatNumber(mean), `${Math.round(downWeightedShare * 100)}% of samples`]);
  const workers = table([['WORKER', `MEAN ${influence.quantity.toUpperCase()}`, 'DOWN-WEIGHTED'], ...rows]);
  const legend = shape.byzantine.size > 0 ? '\n  * Byzantine' : '';
  return `\nsummary\n${indent(header)}\n\n${indent(workers)}${legend}\n`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
