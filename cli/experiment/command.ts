import { resolve } from 'node:path';
import { atLeast, parseInteger, parseNumber, type Setting, SettingsSchema, settingsOf, text } from '../../runtime/settings.js';
import { parseSpecs, type Spec } from '../../runtime/spec.js';
import { runWithSettings, type Command } from '../command.js';
import { exitCodes } from '../failure.js';
import { writeStdout } from '../output.js';
import { cellKey, cellName, type CellResult, type CellSettings } from './cell.js';
import { runCellProcess } from './cell-runner.js';
import { checkGrid, expandGrid, parseChoices, parseIntegers, type Choice, type GridSpec } from './grid.js';
import { summaryTable, writeOutputs } from './outputs.js';
import { Progress } from './progress.js';
import { ResultsStore } from './store.js';

const TASKS = ['fashion-mnist', 'synthetic'];

/** What `byzps experiment` runs: the grid's axes, what every cell shares, and how the grid runs. */
interface ExperimentSettings {
  readonly task: string;
  readonly rules: readonly Choice[];
  readonly attacks: readonly Choice[];
  readonly pre: readonly Spec[];
  readonly f: readonly number[];
  readonly seeds: readonly number[];
  readonly n: number;
  readonly rounds: number;
  readonly evalEveryRounds: number;
  readonly learningRate: number;
  readonly momentum: number;
  readonly batchSize: number;
  readonly hidden: number;
  readonly dimension: number;
  readonly parallel: number;
  readonly out: string;
}

const DEFAULT_RULES = 'mean,median,trimmed-mean,krum,bulyan,flag';
const DEFAULT_ATTACKS = 'none,sign-flip:k=10,uniform,alie,ipm';

const setting = settingsOf<ExperimentSettings>();
const positive = (value: number) => (value > 0 ? undefined : `must be > 0, got ${value}`);

const schema = new SettingsSchema<ExperimentSettings>(
  [
    setting({ key: 'task', description: `what the workers train: ${TASKS.join(' or ')}`, default: 'fashion-mnist', parse: text, check: (value) => (TASKS.includes(value) ? undefined : `must be ${TASKS.join(' or ')}, got ${JSON.stringify(value)}`) }),
    setting({ key: 'rules', description: 'rules, each NAME or NAME:KEY=VALUE,KEY=VALUE, separated by commas', default: parseChoices(DEFAULT_RULES), shownDefault: DEFAULT_RULES, parse: parseChoices }),
    setting({ key: 'attacks', description: 'attacks of the f Byzantine workers, same form; none for all honest', default: parseChoices(DEFAULT_ATTACKS), shownDefault: DEFAULT_ATTACKS, parse: parseChoices }),
    setting({ key: 'pre', description: 'pre-aggregators before every rule, in order (nnm, bucketing:s=2, clip:tau=1, …)', default: [], shownDefault: 'none', parse: (value) => parseSpecs(value, 'the list'), joinRepeatsWith: ',' }),
    setting({ key: 'f', description: 'Byzantine counts, comma-separated; the rules are told the same f', default: [3], shownDefault: '3', parse: (value) => parseIntegers(value, 0) }),
    setting({ key: 'seeds', description: 'seeds (θ₀, data split, batches), comma-separated', default: [1], shownDefault: '1', parse: (value) => parseIntegers(value, 0) }),
    setting({ key: 'n', description: 'workers per cell, honest and Byzantine', default: 15, parse: parseInteger, check: atLeast(1) }),
    setting({ key: 'rounds', description: 'training rounds per cell', default: 100, parse: parseInteger, check: atLeast(1) }),
    setting({ key: 'evalEveryRounds', description: 'evaluate θ on the held-out data every this many rounds', default: 10, parse: parseInteger, check: atLeast(1) }),
    setting({ key: 'learningRate', description: 'SGD learning rate', default: 0.2, parse: parseNumber, check: positive }),
    setting({ key: 'momentum', description: 'SGD momentum in [0, 1)', default: 0.5, parse: parseNumber, check: (value) => (value >= 0 && value < 1 ? undefined : `must be in [0, 1), got ${value}`) }),
    setting({ key: 'batchSize', description: 'mini-batch size of each worker', default: 32, parse: parseInteger, check: atLeast(1) }),
    setting({ key: 'hidden', description: 'fashion-mnist: hidden units of the MLP', default: 16, parse: parseInteger, check: atLeast(1) }),
    setting({ key: 'dimension', description: 'synthetic: number of parameters d', default: 1000, parse: parseInteger, check: atLeast(1) }),
    setting({ key: 'parallel', description: 'cells run at once, each in its own process', default: 2, parse: parseInteger, check: atLeast(1) }),
    setting({ key: 'out', description: 'where results, plots and finished cells go', default: './byzps-experiment', parse: text }),
  ] as readonly Setting<ExperimentSettings, keyof ExperimentSettings>[],
  'experiment',
);

function help(): string {
  return `Usage: byzps experiment [settings]

Trains every cell of the grid rules × attacks × f × seeds for real: a parameter server and n
workers talking gRPC over loopback, the last f of them Byzantine, one process per cell. Each cell
is saved as it finishes; running the same command again skips finished cells, and changing any
setting makes new cells. Writes results.csv, results.json and, per f, accuracy-vs-round plots
(one per attack) and a rules × attacks heatmap as SVG and PNG into --out.

Every setting is a flag and an environment variable (flags win):
${schema.help()}
`;
}

/** The grid the settings describe. */
export function gridOf(settings: ExperimentSettings): GridSpec {
  const { task, rules, attacks, pre, n, rounds, evalEveryRounds, learningRate, momentum, batchSize } = settings;
  return { task, rules, attacks, pre, fs: settings.f, seeds: settings.seeds, n, rounds, evalEveryRounds, learningRate, momentum, batchSize, width: task === 'fashion-mnist' ? settings.hidden : settings.dimension };
}

function figure(result: CellResult): string {
  const measure = result.finalAccuracy === undefined ? `loss ${result.finalLoss.toPrecision(3)}` : `accuracy ${(result.finalAccuracy * 100).toFixed(1)}%`;
  const stalled = result.stalled === undefined ? '' : `, stalled after round ${result.stalled.afterRound} (${stallReason(result.stalled.refused)})`;
  return `${measure} in ${Math.round(result.wallSeconds)} s (${result.roundsPerSecond.toFixed(1)} rounds/s)${stalled}`;
}

function stallReason(refused: Readonly<Record<string, number>>): string {
  const counts = Object.entries(refused).filter(([, count]) => count > 0);
  return counts.length === 0 ? 'no push refused' : `refused: ${counts.map(([reason, count]) => `${reason} ${count}`).join(', ')}`;
}

/** Runs `cells` at most `parallel` at a time, saving each result as it arrives; resolves with the reasons of the cells that failed. */
async function runCells(cells: readonly CellSettings[], parallel: number, store: ResultsStore, progress: Progress): Promise<string[]> {
  const failures: string[] = [];
  let next = 0;
  const lane = async () => {
    while (next < cells.length) {
      const settings = cells[next++]!;
      const name = cellName(settings);
      if (await store.has(cellKey(settings))) {
        progress.cellSkipped(name);
        continue;
      }
      progress.cellStarted(name);
      const started = performance.now();
      try {
        const result = await runCellProcess(settings, (roundsDone) => {
          progress.cellRound(name, roundsDone);
        });
        await store.save(result);
        progress.cellFinished(name, figure(result), (performance.now() - started) / 1000);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        failures.push(`${name}: ${reason}`);
        progress.cellFailed(name, reason);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, cells.length) }, lane));
  return failures;
}

async function execute(settings: ExperimentSettings): Promise<number> {
  const spec = gridOf(settings);
  const { parallel } = settings;
  const out = resolve(settings.out);
  checkGrid(spec);
  const cells = expandGrid(spec);
  const store = new ResultsStore(out);
  const finished = await store.load();
  const todo = cells.filter((cell) => !finished.has(cellKey(cell)));
  const skipped = cells.length - todo.length;
  process.stderr.write(
    todo.length === 0
      ? `all ${cells.length} cells already finished in ${out}; nothing to run\n`
      : `${cells.length} cells, ${skipped} already finished (skipped), ${todo.length} to run, ${Math.min(parallel, todo.length)} at a time\n`,
  );
  const progress = new Progress(process.stderr, todo.length, parallel, spec.rounds);
  const failures = await runCells(todo, parallel, store, progress);
  progress.finish();
  const available = await store.load();
  const results = cells.flatMap((cell) => available.get(cellKey(cell)) ?? []);
  const written = await writeOutputs(out, results);
  await writeStdout(`${summaryTable(results)}\nwrote ${written.length} files to ${out}: ${written.join(', ')}\n`);
  if (failures.length === 0) return exitCodes.ok;
  process.stderr.write(`byzps experiment: ${failures.length} of ${todo.length} cells failed; run the command again to retry them. First: ${failures[0]!}\n`);
  return exitCodes.domain;
}

/** `byzps experiment`: the robustness comparison grid, resumable, with CSV/JSON results and plots. */
export const experimentCommand: Command = {
  run: (argv) => runWithSettings(schema, argv, help, execute),
};
