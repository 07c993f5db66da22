import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { runWithFlags } from '../command.js';
import { exitCodes, UsageError } from '../failure.js';
import { formatFlagHelp, type FlagValues } from '../flags.js';
import { writeStdout } from '../output.js';
import { cellKey, cellName, type CellResult, type CellSettings } from './cell.js';
import { runCellProcess } from './cell-runner.js';
import { checkGrid, expandGrid, parseChoices, parseIntegers, type GridSpec } from './grid.js';
import { summaryTable, writeOutputs } from './outputs.js';
import { Progress } from './progress.js';
import { ResultsStore } from './store.js';

const TASKS = ['fashion-mnist', 'synthetic'] as const;

const DEFAULTS = {
  task: 'fashion-mnist',
  rules: 'mean,median,trimmed-mean,krum,bulyan,flag',
  attacks: 'none,sign-flip:k=10,uniform,alie,ipm',
  f: '3',
  seeds: '1',
  n: '15',
  rounds: '100',
  'eval-every-rounds': '10',
  'learning-rate': '0.2',
  momentum: '0.5',
  'batch-size': '32',
  hidden: '16',
  dimension: '1000',
  parallel: '2',
  out: './byzps-experiment',
} as const;

const flags = {
  task: { kind: 'string', valueName: 'TASK', description: `what the workers train: ${TASKS.join(' or ')} (default ${DEFAULTS.task})` },
  rules: { kind: 'string', valueName: 'LIST', description: `rules, comma-separated, each NAME or NAME:KEY=VALUE,KEY=VALUE (default ${DEFAULTS.rules})` },
  attacks: { kind: 'string', valueName: 'LIST', description: `attacks of the f Byzantine workers, same form, none for all honest (default ${DEFAULTS.attacks})` },
  f: { kind: 'string', valueName: 'LIST', description: `Byzantine counts, comma-separated; the rules are told the same f (default ${DEFAULTS.f})` },
  seeds: { kind: 'string', valueName: 'LIST', description: `seeds (θ₀, data split, batches), comma-separated (default ${DEFAULTS.seeds})` },
  n: { kind: 'string', valueName: 'N', description: `workers per cell, honest and Byzantine (default ${DEFAULTS.n})` },
  rounds: { kind: 'string', valueName: 'R', description: `training rounds per cell (default ${DEFAULTS.rounds})` },
  'eval-every-rounds': { kind: 'string', valueName: 'K', description: `evaluate θ on the held-out data every K rounds (default ${DEFAULTS['eval-every-rounds']})` },
  'learning-rate': { kind: 'string', valueName: 'LR', description: `SGD learning rate (default ${DEFAULTS['learning-rate']})` },
  momentum: { kind: 'string', valueName: 'MU', description: `SGD momentum in [0, 1) (default ${DEFAULTS.momentum})` },
  'batch-size': { kind: 'string', valueName: 'B', description: `mini-batch size of each worker (default ${DEFAULTS['batch-size']})` },
  hidden: { kind: 'string', valueName: 'H', description: `fashion-mnist: hidden units of the MLP (default ${DEFAULTS.hidden})` },
  dimension: { kind: 'string', valueName: 'D', description: `synthetic: number of parameters d (default ${DEFAULTS.dimension})` },
  parallel: { kind: 'string', valueName: 'P', description: `cells run at once, each in its own process (default ${DEFAULTS.parallel})` },
  out: { kind: 'string', valueName: 'DIR', description: `where results, plots and finished cells go (default ${DEFAULTS.out})` },
} as const;

type Values = FlagValues<typeof flags>;

function help(): string {
  return `Usage: byzps experiment [flags]

Trains every cell of the grid rules × attacks × f × seeds for real: a parameter server and n
workers talking gRPC over loopback, the last f of them Byzantine, one process per cell. Each cell
is saved as it finishes; running the same command again skips finished cells, and changing any
setting makes new cells. Writes results.csv, results.json and, per f, accuracy-vs-round plots
(one per attack) and a rules × attacks heatmap as SVG and PNG into --out.

Flags:
${formatFlagHelp(flags)}
`;
}

function number(name: keyof typeof flags, text: string, check: (value: number) => boolean, expected: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || !check(value)) throw new UsageError(`--${name}: expected ${expected}, got ${JSON.stringify(text)}`);
  return value;
}

const integerAtLeast = (min: number) => (value: number) => Number.isInteger(value) && value >= min;

/** The grid the flags describe, with every default filled in. */
export function gridFromFlags(values: Values): { spec: GridSpec; parallel: number; out: string } {
  const given = (name: keyof typeof DEFAULTS): string => values[name] ?? DEFAULTS[name];
  const task = given('task');
  if (!(TASKS as readonly string[]).includes(task)) throw new UsageError(`--task: expected ${TASKS.join(' or ')}, got ${JSON.stringify(task)}`);
  const widthFlag = task === 'fashion-mnist' ? 'hidden' : 'dimension';
  const spec: GridSpec = {
    task,
    rules: parseChoices('rules', given('rules')),
    attacks: parseChoices('attacks', given('attacks')),
    fs: parseIntegers('f', given('f'), 0),
    seeds: parseIntegers('seeds', given('seeds'), 0),
    n: number('n', given('n'), integerAtLeast(1), 'an integer ≥ 1'),
    rounds: number('rounds', given('rounds'), integerAtLeast(1), 'an integer ≥ 1'),
    evalEveryRounds: number('eval-every-rounds', given('eval-every-rounds'), integerAtLeast(1), 'an integer ≥ 1'),
    learningRate: number('learning-rate', given('learning-rate'), (value) => value > 0, 'a number > 0'),
    momentum: number('momentum', given('momentum'), (value) => value >= 0 && value < 1, 'a number in [0, 1)'),
    batchSize: number('batch-size', given('batch-size'), integerAtLeast(1), 'an integer ≥ 1'),
    width: number(widthFlag, given(widthFlag), integerAtLeast(1), 'an integer ≥ 1'),
  };
  const parallel = number('parallel', given('parallel'), integerAtLeast(1), 'an integer ≥ 1');
  return { spec, parallel, out: resolve(given('out')) };
}

function figure(result: CellResult): string {
  const measure = result.finalAccuracy === undefined ? `loss ${result.finalLoss.toPrecision(3)}` : `accuracy ${(result.finalAccuracy * 100).toFixed(1)}%`;
  return `${measure} in ${Math.round(result.wallSeconds)} s (${result.roundsPerSecond.toFixed(1)} rounds/s)`;
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

async function execute(values: Values): Promise<number> {
  const { spec, parallel, out } = gridFromFlags(values);
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
  name: 'experiment',
  summary: 'train the grid rules × attacks × f × seeds for real and write results.csv, results.json and plots',
  run: (argv) => runWithFlags(flags, argv, help, execute),
};
