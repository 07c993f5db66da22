import type { Kernels } from '../kernels/kernels.js';

/** One measured operation: milliseconds on one thread, on all threads, and numpy's time where it has an equivalent. */
export interface Measurement {
  readonly n: number;
  readonly d: number;
  readonly op: string;
  readonly oneThreadMs: number | undefined;
  readonly threadsMs: number | undefined;
  readonly numpyMs: number | undefined;
  /** Kernel calls one aggregation made, e.g. "gram×1 combine×1". */
  readonly kernelCalls: string;
}

/** Wraps kernels so each call is counted by method name; counts() reports them as "name×k" and resets. */
export function countingKernels(base: Kernels): { kernels: Kernels; counts(): string } {
  const calls = new Map<string, number>();
  const kernels = Object.fromEntries(
    Object.entries(base).map(([key, value]) => [
      key,
      typeof value === 'function'
        ? (...args: unknown[]) => {
            calls.set(key, (calls.get(key) ?? 0) + 1);
            return (value as (...inner: unknown[]) => unknown).apply(base, args);
          }
        : value,
    ]),
  ) as unknown as Kernels;
  return {
    kernels,
    counts() {
      const text = [...calls].map(([name, count]) => `${name}×${count}`).join(' ');
      calls.clear();
      return text;
    },
  };
}

interface Target {
  readonly text: string;
  /** True or false when measured, undefined when the run did not include what it needs. */
  check(find: (n: number, d: number, op: string) => Measurement | undefined): boolean | undefined;
}

const atOneThread = (op: string, limitMs: number): Target => ({
  text: `${op} ≤ ${limitMs} ms (n=15, d=10⁶, one thread)`,
  check: (find) => {
    const ms = find(15, 1e6, op)?.oneThreadMs;
    return ms === undefined ? undefined : ms <= limitMs;
  },
});

const fasterThanNumpy = (op: string, numpyOp: string, factor: number, what: string): Target => ({
  text: `${op} ≥ ${factor}× faster than ${what} (n=15, d=10⁶)`,
  check: (find) => {
    const ours = find(15, 1e6, op)?.oneThreadMs;
    const theirs = find(15, 1e6, numpyOp)?.numpyMs;
    return ours === undefined || theirs === undefined ? undefined : theirs >= factor * ours;
  },
});

/**
 * Kernel calls show which d-length passes a rule makes through the kernels; the time bound catches
 * d-length loops it runs on its own (the output step may cost up to a median's pass).
 */
const onlyGramAndOutput = (op: string): Target => ({
  text: `${op} does no d-length work beyond one Gram matrix and its output (kernel calls, and time ≤ 1.5 × (gram + median))`,
  check: (find) => {
    const measured = find(15, 1e6, op);
    const gram = find(15, 1e6, 'gram')?.oneThreadMs;
    const median = find(15, 1e6, 'median')?.oneThreadMs;
    if (measured?.oneThreadMs === undefined || gram === undefined || median === undefined) return undefined;
    // The benchmark's rows live in the gradient memory already, so staging them copies nothing.
    const calls = measured.kernelCalls.split(' ').map((call) => call.split('×')).filter(([name]) => name !== 'withStagedRows');
    const passes = calls.every(([name, count]) => ['gram', 'combine', 'trimmedMean', 'meanAroundMedian'].includes(name!) && count === '1');
    return passes && measured.oneThreadMs <= 1.5 * (gram + median);
  },
});

const threadSpeedup = (op: string): Target => ({
  text: `${op}: all threads ≥ 1.7× faster than one (n=15, d=10⁷)`,
  check: (find) => {
    const found = find(15, 1e7, op);
    return found?.oneThreadMs === undefined || found.threadsMs === undefined ? undefined : found.oneThreadMs >= 1.7 * found.threadsMs;
  },
});

const targets: readonly Target[] = [
  atOneThread('mean', 5),
  atOneThread('combine', 5),
  atOneThread('median', 8),
  atOneThread('trimmedMean', 8),
  atOneThread('trimmed-mean', 8),
  fasterThanNumpy('median', 'median', 30, 'np.median'),
  fasterThanNumpy('trimmed-mean', 'median', 30, 'np.median'),
  atOneThread('gram', 8),
  fasterThanNumpy('gram', 'gram', 1, 'numpy A @ A.T'),
  atOneThread('flag', 20),
  fasterThanNumpy('flag', 'flag', 10, 'the SVD formulation'),
  onlyGramAndOutput('krum'),
  onlyGramAndOutput('multi-krum'),
  onlyGramAndOutput('bulyan'),
  threadSpeedup('median'),
  threadSpeedup('trimmed-mean'),
  threadSpeedup('trimmedMean'),
  threadSpeedup('combine'),
  threadSpeedup('gram'),
];

/** One line per performance target: met, missed, or not measured by this run. */
export function checkTargets(measurements: readonly Measurement[]): string[] {
  const find = (n: number, d: number, op: string) => measurements.find((m) => m.n === n && m.d === d && m.op === op);
  return targets.map((target) => {
    const verdict = target.check(find);
    return `${verdict === undefined ? 'not measured' : verdict ? 'met         ' : 'MISSED      '}  ${target.text}`;
  });
}
