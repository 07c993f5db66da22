import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from '../../aggregators/bench/measure.js';
import { numpyAvailable, numpyReferenceScript, pythonEnvironment, writeNpy } from '../../aggregators/bench/numpy-reference.js';
import { formatTable } from '../../aggregators/bench/table.js';
import { SeededRandom } from '../../aggregators/index.js';
import { decodeNpy } from '../../runtime/npy.js';

const usage = `usage: npm run bench:cli -- [--n 15] [--d 1000000] [--runs 7]

Times \`byzps aggregate --rule median\` and \`--rule flag\` as whole processes (node start, module
loading, reading an n × d float32 .npy, the rule, writing the result as .npy) next to python doing
the same with numpy (start, import, np.load, np.median or the Flag Aggregator's SVD formulation,
np.save), the runs of all processes interleaved; prints medians and ratios.`;

const mainScript = fileURLToPath(new URL('../main.js', import.meta.url));
const commandModule = new URL('./command.js', import.meta.url).href;

/** One way of running a rule on the input file, writing its result to the output file. */
interface Contender {
  readonly name: string;
  readonly command: string;
  args(input: string, output: string): string[];
  readonly env?: NodeJS.ProcessEnv;
}

function byzps(rule: readonly string[]): Contender[] {
  return [
    { name: 'byzps aggregate', command: process.execPath, args: (input, output) => [mainScript, 'aggregate', ...rule, '--input', input, '--output', output] },
    {
      // What the process costs once the entry point loads only the command it runs.
      name: 'the aggregate command alone',
      command: process.execPath,
      args: (input, output) => [
        '--input-type=module',
        '-e',
        `const { aggregateCommand } = await import(${JSON.stringify(commandModule)}); process.exitCode = await aggregateCommand.run(process.argv.slice(1));`,
        '--',
        ...rule,
        '--input',
        input,
        '--output',
        output,
      ],
    },
  ];
}

function numpy(name: string, compute: string): Contender {
  const script = `import sys; sys.path.insert(0, ${JSON.stringify(join(numpyReferenceScript, '..'))})
import numpy as np
from numpy_reference import flag_svd
rows = np.load(sys.argv[1])
np.save(sys.argv[2], ${compute})`;
  return { name, command: 'python3', args: (input, output) => ['-c', script, input, output], env: pythonEnvironment() };
}

interface Comparison {
  readonly rule: string;
  readonly contenders: readonly Contender[];
  /** The target, as a bound on byzps's time over numpy's. */
  readonly target: { readonly text: string; readonly maxRatio: number };
}

function comparisons(n: number): Comparison[] {
  return [
    {
      rule: 'median',
      contenders: [...byzps(['--rule', 'median']), numpy('numpy np.median(axis=0)', 'np.median(rows, axis=0)')],
      target: { text: '≤ 0.5 × numpy', maxRatio: 0.5 },
    },
    {
      rule: 'flag',
      contenders: [...byzps(['--rule', 'flag', '--f', String(Math.floor((n - 1) / 4))]), numpy('numpy SVD formulation', `flag_svd(rows, ${Math.ceil(n / 2)})`)],
      target: { text: '≥ 3 × faster than numpy', maxRatio: 1 / 3 },
    },
  ];
}

/** Wall-clock seconds of one run, or an error naming the command. */
function timeRun(contender: Contender, input: string, output: string): number {
  const start = performance.now();
  const result = spawnSync(contender.command, contender.args(input, output), { env: contender.env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const seconds = (performance.now() - start) / 1000;
  if (result.status !== 0) throw new Error(`${contender.name} failed: ${result.stderr.trim().split('\n').pop() ?? `exit ${result.status}`}`);
  return seconds;
}

/** Largest |a − b| over largest |b| of two .npy files' values. */
function relativeDifference(a: string, b: string): number {
  const [x, y] = [a, b].map((path) => decodeNpy(readFileSync(path)).data);
  let difference = 0;
  let scale = 0;
  y!.forEach((value, j) => {
    difference = Math.max(difference, Math.abs(x![j]! - value));
    scale = Math.max(scale, Math.abs(value));
  });
  return difference / scale;
}

/** n rows around a shared center, as workers' gradients would be. */
function inputRows(n: number, d: number): Float32Array[] {
  const random = SeededRandom.fromSeed(n + d);
  const center = Float32Array.from({ length: d }, () => random.next() - 0.5);
  return Array.from({ length: n }, () => Float32Array.from(center, (value) => value + 0.1 * (random.next() - 0.5)));
}

const formatLoad = (): string => loadavg().map((value) => value.toFixed(2)).join(' ');

export function main(argv: string[]): number {
  const { values } = parseArgs({ args: argv, options: { n: { type: 'string' }, d: { type: 'string' }, runs: { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help === true) {
    console.log(usage);
    return 0;
  }
  const [n, d, runs] = [values.n ?? '15', values.d ?? '1000000', values.runs ?? '7'].map(Number) as [number, number, number];
  if (![n, d, runs].every((value) => Number.isInteger(value) && value > 0)) {
    console.error(`byzps bench:cli: --n, --d and --runs take positive integers\n\n${usage}`);
    return 2;
  }
  if (!numpyAvailable()) {
    console.error('byzps bench:cli: python3 with numpy is needed for the comparison');
    return 1;
  }
  const directory = mkdtempSync(join(tmpdir(), 'byzps-cli-bench-'));
  try {
    const input = join(directory, 'rows.npy');
    writeNpy(input, inputRows(n, d));
    const loadBefore = formatLoad();
    const rows: string[][] = [];
    for (const { rule, contenders, target } of comparisons(n)) {
      const outputs = contenders.map((_, k) => join(directory, `${rule}-${k}.npy`));
      // One untimed round warms the page cache; then the contenders take turns, so load changes hit all alike.
      contenders.forEach((contender, k) => timeRun(contender, input, outputs[k]!));
      const times = contenders.map((): number[] => []);
      for (let run = 0; run < runs; run++) contenders.forEach((contender, k) => times[k]!.push(timeRun(contender, input, outputs[k]!)));
      const medians = times.map(median);
      const reference = medians[medians.length - 1]!;
      const difference = relativeDifference(outputs[0]!, outputs[outputs.length - 1]!);
      contenders.forEach((contender, k) => {
        const ratio = medians[k]! / reference;
        const isByzps = k < contenders.length - 1;
        rows.push([
          rule,
          contender.name,
          medians[k]!.toFixed(3),
          Math.min(...times[k]!).toFixed(3),
          isByzps ? `${ratio.toFixed(2)}×` : '1',
          isByzps ? `${target.text}: ${ratio <= target.maxRatio ? 'met' : 'MISSED'}` : `result vs byzps: ${difference.toExponential(1)}`,
        ]);
      });
    }
    console.log(`Whole processes on a ${n} × ${d} float32 .npy, ${runs} runs each (median and fastest, seconds). Load average before: ${loadBefore}; after: ${formatLoad()}.`);
    console.log('The result check is the largest difference from byzps over the largest value.\n');
    console.log(formatTable(['rule', 'process', 'median s', 'fastest s', '÷ numpy', 'target'], rows));
    return 0;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
