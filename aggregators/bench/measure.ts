/** Median wall-clock time in milliseconds of `runs` calls, after one untimed warm-up call. */
export function medianMs(runs: number, body: () => void): number {
  body();
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    body();
    times.push(performance.now() - start);
  }
  return median(times);
}

/** The median of a non-empty list of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Input throughput in GB/s for n float32 rows of length d processed in `ms`. */
export function gigabytesPerSecond(n: number, d: number, ms: number): number {
  return (n * d * 4) / (ms * 1e6);
}
