import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { simdKernels } from '../kernels/default.js';
import { gradientMemory } from '../kernels/gradient-memory.js';
import type { Kernels } from '../kernels/kernels.js';
import { createThreadedKernels, type ThreadedKernels } from '../kernels/threads.js';
import { SeededRandom } from '../random.js';
import { createAggregator, listRules } from '../registry.js';
import { gigabytesPerSecond, medianMs } from './measure.js';
import { numpyAvailable, timeNumpy, type NumpyTimes } from './numpy-reference.js';
import { formatTable } from './table.js';
import { checkTargets, countingKernels, type Measurement } from './targets.js';

const usage = `usage: byzps bench [options]   (npm run bench -- [options])

Times every registered rule, the bare Gram matrix and the non-finite scan on float32 rows in the
gradient memory, on one thread and on all threads, next to numpy's equivalents on the same data.

  --quick            n=15 and d=10⁵,10⁶ only, fewer runs
  --rules a,b,...    rules to time (default: all registered; the bare kernels always run)
  --n 7,15,31        numbers of rows
  --d 1e5,1e6,1e7    row lengths
  --threads k        threads for the multi-threaded column (default: available parallelism)
  --runs k           timed runs per measurement, median reported (default 7, 3 at d ≥ 10⁷)
  --no-numpy         skip the numpy reference
  --check            also print whether each performance target was met
  --help             this text`;

interface BenchOptions {
  readonly ns: number[];
  readonly ds: number[];
  readonly rules: string[];
  readonly threads: number;
  readonly runs: number | undefined;
  readonly numpy: boolean;
  readonly check: boolean;
}

class UsageError extends Error {}

function positiveIntegers(flag: string, text: string): number[] {
  const values = text.split(',').map(Number);
  if (values.some((value) => !Number.isInteger(value) || value < 1)) throw new UsageError(`--${flag} takes positive integers separated by commas, got "${text}"`);
  return values;
}

function parseOptions(argv: readonly string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      quick: { type: 'boolean' },
      rules: { type: 'string' },
      n: { type: 'string' },
      d: { type: 'string' },
      threads: { type: 'string' },
      runs: { type: 'string' },
      'no-numpy': { type: 'boolean' },
      check: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help === true) return 'help';
  const known = listRules().map((rule) => rule.name);
  const rules = values.rules === undefined ? known : values.rules.split(',');
  const unknown = rules.filter((rule) => !known.includes(rule));
  if (unknown.length > 0) throw new UsageError(`unknown rule ${unknown.join(', ')}; known: ${known.join(', ')}`);
  const quick = values.quick === true;
  return {
    ns: positiveIntegers('n', values.n ?? (quick ? '15' : '7,15,31')),
    ds: positiveIntegers('d', values.d ?? (quick ? '100000,1000000' : '100000,1000000,10000000')),
    rules,
    threads: positiveIntegers('threads', values.threads ?? String(availableParallelism()))[0]!,
    runs: values.runs === undefined ? (quick ? 3 : undefined) : positiveIntegers('runs', values.runs)[0]!,
    numpy: values['no-numpy'] !== true,
    check: values.check === true,
  };
}

/** n rows around a shared center, in the gradient memory where the SIMD kernels read them in place. */
function benchRows(n: number, d: number): Float32Array[] {
  const random = SeededRandom.fromSeed(n * 31 + d);
  const center = Float32Array.from({ length: d }, () => random.next() - 0.5);
  return Array.from({ length: n }, () => {
    const row = gradientMemory().allocateGradient(d);
    for (let j = 0; j < d; j++) row[j] = center[j]! + 0.1 * (random.next() - 0.5);
    return row;
  });
}

/** The Byzantine bound used for every rule at n rows: Bulyan's largest, ⌊(n−3)/4⌋, lowered for rules that need more rows. */
function boundFor(rule: string, n: number): number {
  let f = Math.max(0, Math.floor((n - 3) / 4));
  const aggregatorFor = (bound: number) => createAggregator({ name: rule, f: bound });
  while (f > 0 && aggregatorFor(f).minInputs() > n) f--;
  return f;
}

/** numpy's equivalent of each operation, where it has one. */
const numpyEquivalent: Readonly<Record<string, string>> = {
  mean: 'mean',
  combine: 'mean',
  median: 'median',
  trimmedMean: 'median',
  'trimmed-mean': 'trimmed-mean',
  gram: 'gram',
  flag: 'flag',
};

/** Bare kernel calls, writing into an output that already lives in the gradient memory. */
function kernelOperation(op: string, rows: readonly Float32Array[], kernels: Kernels, output: Float32Array): (() => unknown) | undefined {
  const n = rows.length;
  switch (op) {
    case 'gram':
      return () => kernels.gram(rows);
    case 'combine':
      return () => { kernels.combine(rows, new Float64Array(n).fill(1 / n), [output]); };
    case 'trimmedMean':
      return () => { kernels.trimmedMean(rows, Math.floor((n - 1) / 2), output, new Float64Array(n)); };
    case 'finite-scan':
      return () => kernels.findNonFinite(rows);
    default:
      return undefined;
  }
}

/** Times one operation on a backend; undefined when the operation rejects this n. */
function timeOperation(op: string, rows: readonly Float32Array[], kernels: Kernels, runs: number, output: Float32Array): { ms: number; calls: string } | undefined {
  const kernel = kernelOperation(op, rows, kernels, output);
  if (kernel !== undefined) return { ms: medianMs(runs, kernel), calls: `${op}×1` };
  const counting = countingKernels(kernels);
  const aggregator = createAggregator({ name: op, f: boundFor(op, rows.length) }, { kernels: counting.kernels });
  if (aggregator.minInputs() > rows.length) return undefined;
  aggregator.aggregate(rows, { assumeFinite: true, output });
  const calls = counting.counts();
  const timed = createAggregator({ name: op, f: aggregator.f }, { kernels });
  return { ms: medianMs(runs, () => timed.aggregate(rows, { assumeFinite: true, output })), calls };
}

function formatMs(ms: number | undefined): string {
  if (ms === undefined) return '—';
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

function formatRate(n: number, d: number, ms: number | undefined): string {
  return ms === undefined ? '—' : gigabytesPerSecond(n, d, ms).toFixed(1);
}

function formatDimension(d: number): string {
  const exponent = Math.log10(d);
  return Number.isInteger(exponent) ? `1e${exponent}` : String(d);
}

/** Runs the benchmark and prints its table; returns the process exit code (2 for bad flags). */
export async function main(argv: string[]): Promise<number> {
  let options: BenchOptions | 'help';
  try {
    options = parseOptions(argv);
  } catch (error) {
    console.error(`byzps bench: ${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
    return 2;
  }
  if (options === 'help') {
    console.log(usage);
    return 0;
  }
  if (simdKernels === undefined) {
    console.error('byzps bench: kernels.wasm is missing; run npm run build first');
    return 1;
  }
  const single = simdKernels;
  const threaded: ThreadedKernels | undefined = options.threads > 1 ? await createThreadedKernels({ threads: options.threads }) : undefined;
  const withNumpy = options.numpy && numpyAvailable();
  const operations = [...options.rules, 'combine', 'trimmedMean', 'gram', 'finite-scan'];
  const measurements: Measurement[] = [];
  let blas: string | undefined;
  try {
    for (const n of options.ns) {
      for (const d of options.ds) {
        const runs = options.runs ?? (d >= 1e7 ? 3 : 7);
        const rows = benchRows(n, d);
        const output = gradientMemory().allocateGradient(d);
        let numpy: NumpyTimes | string | undefined;
        if (withNumpy) {
          numpy = timeNumpy(rows, boundFor('trimmed-mean', n), Math.ceil(n / 2), d >= 1e7 ? 1 : runs);
          if (typeof numpy === 'string') console.error(numpy);
          else blas = numpy.blas;
        }
        for (const op of operations) {
          const one = timeOperation(op, rows, single, runs, output);
          const all = threaded === undefined ? undefined : timeOperation(op, rows, threaded, runs, output);
          const equivalent = numpyEquivalent[op];
          const numpyMs = typeof numpy === 'object' && equivalent !== undefined ? numpy.times[equivalent] : undefined;
          measurements.push({ n, d, op, oneThreadMs: one?.ms, threadsMs: all?.ms, numpyMs, kernelCalls: one?.calls ?? '' });
        }
        [...rows, output].forEach((row) => { gradientMemory().freeGradient(row); });
        console.error(`measured n=${n} d=${formatDimension(d)}`);
      }
    }
  } finally {
    await threaded?.close();
  }

  const threads = options.threads;
  console.log('Float32 rows in the gradient memory. Rules run with assumeFinite: true and write into a reused output buffer in the gradient memory,');
  console.log('as the server does; the bare kernels below them (combine with mean weights, trimmedMean as the median, gram, finite-scan: the');
  console.log('validation scan) write into the same buffer.');
  console.log(`GB/s = input bytes (n·d·4) per second. Backend: ${single.name} on one thread, ${threaded?.name ?? 'none'} on ${threads} threads.`);
  console.log(withNumpy ? `numpy (BLAS: ${blas ?? 'unknown'}; OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset): np.mean, np.median, sort-based trimmed mean, A @ A.T, and flag as the reference's SVD formulation.` : 'numpy: not measured.');
  console.log('');
  console.log(
    formatTable(
      ['n', 'd', 'op', '1 thread ms', 'GB/s', `${threads} threads ms`, 'GB/s', 'numpy ms', 'numpy ÷ 1 thread'],
      measurements.map((m) => [
        String(m.n),
        formatDimension(m.d),
        m.op,
        formatMs(m.oneThreadMs),
        formatRate(m.n, m.d, m.oneThreadMs),
        formatMs(m.threadsMs),
        formatRate(m.n, m.d, m.threadsMs),
        formatMs(m.numpyMs),
        m.numpyMs === undefined || m.oneThreadMs === undefined ? '—' : `${(m.numpyMs / m.oneThreadMs).toFixed(1)}×`,
      ]),
    ),
  );
  if (options.check) {
    console.log('\nTargets:');
    for (const line of checkTargets(measurements)) console.log(`  ${line}`);
    console.log('\nKernel calls per aggregation (n=15, d=10⁶):');
    for (const m of measurements.filter((m) => m.n === 15 && m.d === 1e6 && options.rules.includes(m.op))) console.log(`  ${m.op}: ${m.kernelCalls}`);
  }
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
