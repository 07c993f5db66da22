import { describe, expect, it } from 'vitest';
import { createAggregator } from '../registry.js';
import { loadGoldenCases, relativeError } from '../testing.js';

/** Every classic rule on the golden inputs as Float32Array rows: the output keeps the element type and matches the float64 vectors to float32 accuracy. */
describe('classic rules on float32 rows', () => {
  const cases = loadGoldenCases().flatMap((golden) => {
    const b = golden.baselines;
    const expectations: [string, number, Record<string, number>, number[]][] = [
      ['median', golden.f, {}, b.median_numpy],
      ['trimmed-mean', b.trimmed_mean.f, {}, b.trimmed_mean.output],
      ['krum', b.krum_standard.f, {}, b.krum_standard.output],
      ['multi-krum', b.multikrum_standard.f, {}, b.multikrum_standard.output],
      ['geometric-median', golden.f, {}, b.geometric_median.output],
      ['centered-clipping', golden.f, { tau: b.centered_clipping.tau, iters: b.centered_clipping.iters }, b.centered_clipping.output],
    ];
    if (b.bulyan_standard !== null) expectations.push(['bulyan', b.bulyan_standard.f, {}, b.bulyan_standard.output]);
    return expectations.map(([name, f, params, expected]) => [name, golden.name, golden.inputs.grads, f, params, expected] as const);
  });

  it.each(cases)('%s on %s', (name, _case, grads, f, params, expected) => {
    const { output } = createAggregator({ name, f, params }).aggregate(grads.map((row) => Float32Array.from(row)));
    expect(output).toBeInstanceOf(Float32Array);
    expect(relativeError(output, expected)).toBeLessThan(1e-4);
  });
});
