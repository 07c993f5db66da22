/** Median wall-clock time in milliseconds of `runs` calls, after one untimed warm-up call. */
export function medianMs(runs: number, body: () => void): number {
  body();
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    body();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const middle = Math.floor(times.length / 2);
  return times.length % 2 === 1 ? times[middle]! : (times[middle - 1]! + times[middle]!) / 2;
}

/** Input throughput in GB/s for n float32 rows of length d processed in `ms`. */
export function gigabytesPerSecond(n: number, d: number, ms: number): number {
  return (n * d * 4) / (ms * 1e6);
}
