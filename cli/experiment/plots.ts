import { Resvg } from '@resvg/resvg-js';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { attackLabel, ruleLabel, type CellResult } from './cell.js';

/** One rendered figure: its file stem and the SVG and PNG bytes. */
export interface Figure {
  readonly name: string;
  readonly svg: string;
  readonly png: Uint8Array;
}

/** What the figures plot: test accuracy in % on classification tasks, else the held-out loss. */
interface Measure {
  readonly field: string;
  readonly title: string;
  readonly format: string;
}

const ACCURACY: Measure = { field: 'accuracy', title: 'test accuracy (%)', format: '.1f' };
const LOSS: Measure = { field: 'loss', title: 'held-out loss', format: '.3g' };

const TASK_TITLES: Readonly<Record<string, string>> = { 'fashion-mnist': 'Fashion-MNIST', synthetic: 'Synthetic least squares' };

/** PNGs at twice the SVG's size, so text stays sharp. */
const PNG_ZOOM = 2;

function measureOf(results: readonly CellResult[]): Measure {
  return results.every((result) => result.finalAccuracy !== undefined) ? ACCURACY : LOSS;
}

/** A file-name-safe form of a label (`sign-flip:k=10` → `sign-flip_k_10`). */
function fileSafe(label: string): string {
  return label.replace(/[^A-Za-z0-9.-]+/g, '_');
}

function taskTitle(task: string): string {
  return TASK_TITLES[task] ?? task;
}

function attackPhrase(attack: string): string {
  return attack === 'none' ? 'no attack (all honest)' : `the ${attack} attack`;
}

function distinct<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

const CONFIG = {
  font: 'DejaVu Sans',
  background: 'white',
  padding: 12,
  title: { fontSize: 15, anchor: 'start', offset: 10 },
  axis: { labelFontSize: 12, titleFontSize: 13, gridColor: '#e6e6e6' },
  legend: { labelFontSize: 12, titleFontSize: 13 },
  view: { stroke: '#cccccc' },
} as const;

/** Accuracy (or loss) against rounds under one attack, one line per rule, each the mean over seeds. */
function curveSpec(results: readonly CellResult[], attack: string, f: number, measure: Measure, rules: readonly string[]): TopLevelSpec {
  const first = results[0]!.settings;
  const values = results.flatMap((result) =>
    result.curve.map((point) => ({
      rule: ruleLabel(result.settings),
      round: point.round,
      value: measure === ACCURACY ? (point.accuracy ?? 0) * 100 : point.loss,
    })),
  );
  const seeds = distinct(results.map((result) => result.settings.seed)).length;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `${taskTitle(first.task)}: ${measure === ACCURACY ? 'test accuracy' : 'held-out loss'} under ${attackPhrase(attack)}`,
      subtitle: `n = ${first.n} workers, f = ${f} Byzantine${seeds > 1 ? `, mean of ${seeds} seeds` : ''}`,
    },
    width: 560,
    height: 340,
    data: { values },
    mark: { type: 'line', point: { size: 18 }, strokeWidth: 2 },
    encoding: {
      x: { field: 'round', type: 'quantitative', title: 'round' },
      y: { aggregate: 'mean', field: 'value', type: 'quantitative', title: measure.title, ...(measure === ACCURACY ? { scale: { domain: [0, 100] } } : { scale: { type: 'log' } }) },
      color: { field: 'rule', type: 'nominal', title: 'rule', sort: [...rules], scale: { scheme: 'tableau10' } },
    },
    config: CONFIG,
  };
}

/** The mean of each group's values, keyed by `key`. */
function meansBy<T>(items: readonly T[], key: (item: T) => string, value: (item: T) => number): Map<string, number> {
  const groups = new Map<string, number[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), value(item)]);
  return new Map([...groups].map(([name, values]) => [name, values.reduce((sum, v) => sum + v, 0) / values.length]));
}

/** Final accuracy (or loss), mean over seeds, for every rule × attack, each cell labelled with its figure. */
function heatmapSpec(results: readonly CellResult[], f: number, measure: Measure, rules: readonly string[], attacks: readonly string[]): TopLevelSpec {
  const first = results[0]!.settings;
  const means = meansBy(
    results,
    (result) => JSON.stringify([ruleLabel(result.settings), attackLabel(result.settings)]),
    (result) => (measure === ACCURACY ? (result.finalAccuracy ?? 0) * 100 : result.finalLoss),
  );
  // Viridis is light at its top end (high accuracy, low loss): dark text there, white text elsewhere.
  const logs = [...means.values()].map((value) => Math.log(value));
  const [lowLog, highLog] = [Math.min(...logs), Math.max(...logs)];
  const isLight = (value: number) => (measure === ACCURACY ? value > 55 : highLog === lowLog || (Math.log(value) - lowLog) / (highLog - lowLog) < 0.45);
  const values = [...means].map(([pair, value]) => {
    const [rule, attack] = JSON.parse(pair) as [string, string];
    return { rule, attack, value, light: isLight(value) };
  });
  const seeds = distinct(results.map((result) => result.settings.seed)).length;
  const colour = measure === ACCURACY ? { scheme: 'viridis', domain: [0, 100] } : { scheme: 'viridis', reverse: true, type: 'log' };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `${taskTitle(first.task)}: final ${measure === ACCURACY ? 'test accuracy (%)' : 'held-out loss'} by rule and attack`,
      subtitle: `n = ${first.n} workers, f = ${f} Byzantine, ${first.rounds} rounds${seeds > 1 ? `, mean of ${seeds} seeds` : ''}`,
    },
    data: { values },
    encoding: {
      x: { field: 'attack', type: 'nominal', title: 'attack', sort: [...attacks], axis: { labelAngle: 0 } },
      y: { field: 'rule', type: 'nominal', title: 'rule', sort: [...rules] },
    },
    width: { step: 110 },
    height: { step: 34 },
    layer: [
      { mark: 'rect', encoding: { color: { field: 'value', type: 'quantitative', title: measure.title, scale: colour } } },
      {
        mark: { type: 'text', fontSize: 13, fontWeight: 'bold' },
        encoding: {
          text: { field: 'value', type: 'quantitative', format: measure.format },
          color: { condition: { test: 'datum.light', value: '#222222' }, value: 'white' },
        },
      },
    ],
    config: CONFIG,
  } as TopLevelSpec;
}

/** Renders a Vega-Lite spec to SVG in Node (no browser, no canvas) and that SVG to PNG. */
async function render(name: string, spec: TopLevelSpec): Promise<Figure> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    const png = new Resvg(svg, { fitTo: { mode: 'zoom', value: PNG_ZOOM }, font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
    return { name, svg, png };
  } finally {
    view.finalize();
  }
}

/**
 * The grid's figures: for each f, one curve plot per attack (one line per rule) and one heatmap of
 * rules × attacks. Rules and attacks keep the order the grid gave them.
 */
export async function renderFigures(results: readonly CellResult[]): Promise<Figure[]> {
  if (results.length === 0) return [];
  const measure = measureOf(results);
  const rules = distinct(results.map((result) => ruleLabel(result.settings)));
  const attacks = distinct(results.map((result) => attackLabel(result.settings)));
  const figures: Figure[] = [];
  for (const f of distinct(results.map((result) => result.settings.f))) {
    const withF = results.filter((result) => result.settings.f === f);
    for (const attack of attacks) {
      const underAttack = withF.filter((result) => attackLabel(result.settings) === attack);
      if (underAttack.length > 0) figures.push(await render(`${measure.field}-${fileSafe(attack)}-f${f}`, curveSpec(underAttack, attack, f, measure, rules)));
    }
    figures.push(await render(`heatmap-f${f}`, heatmapSpec(withF, f, measure, rules, attacks)));
  }
  return figures;
}
