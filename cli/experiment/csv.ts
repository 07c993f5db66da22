import { attackLabel, ruleLabel, type CellResult } from './cell.js';

/** The columns of results.csv, one row per cell; curves are in results.json. */
const COLUMNS: readonly { readonly name: string; readonly value: (result: CellResult) => string | number | undefined }[] = [
  { name: 'task', value: (r) => r.settings.task },
  { name: 'rule', value: (r) => ruleLabel(r.settings) },
  { name: 'attack', value: (r) => attackLabel(r.settings) },
  { name: 'f', value: (r) => r.settings.f },
  { name: 'seed', value: (r) => r.settings.seed },
  { name: 'n', value: (r) => r.settings.n },
  { name: 'rounds', value: (r) => r.settings.rounds },
  { name: 'eval_every_rounds', value: (r) => r.settings.evalEveryRounds },
  { name: 'learning_rate', value: (r) => r.settings.learningRate },
  { name: 'momentum', value: (r) => r.settings.momentum },
  { name: 'batch_size', value: (r) => r.settings.batchSize },
  { name: 'width', value: (r) => r.settings.width },
  { name: 'final_accuracy', value: (r) => r.finalAccuracy },
  { name: 'final_loss', value: (r) => r.finalLoss },
  { name: 'wall_seconds', value: (r) => round(r.wallSeconds, 2) },
  { name: 'rounds_per_second', value: (r) => round(r.roundsPerSecond, 2) },
  { name: 'rejected_pushes', value: (r) => r.rejectedPushes },
  { name: 'stalled_after_round', value: (r) => r.stalled?.afterRound },
  { name: 'influence_quantity', value: (r) => r.influence?.quantity },
  { name: 'byzantine_influence', value: (r) => r.influence?.byzantine },
  { name: 'honest_influence', value: (r) => r.influence?.honest },
  { name: 'cell', value: (r) => r.key },
];

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}

/** RFC 4180 quoting: a field with a comma, quote or line break is quoted, its quotes doubled. */
function field(value: string | number | undefined): string {
  const text = value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** results.csv: a header and one row per cell, empty fields where a cell has no such figure (accuracy on synthetic). */
export function resultsCsv(results: readonly CellResult[]): string {
  const lines = [COLUMNS.map((column) => column.name), ...results.map((result) => COLUMNS.map((column) => field(column.value(result))))];
  return lines.map((cells) => `${cells.join(',')}\r\n`).join('');
}
