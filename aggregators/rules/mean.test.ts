import { describe, expect, it } from 'vitest';
import { createAggregator } from '../registry.js';
import { NonFiniteInputError, ShapeError } from '../errors.js';

describe('mean', () => {
  it('averages three rows a reader can check by hand', () => {
    const rule = createAggregator({ name: 'mean', f: 0 });
    const rows = [new Float64Array([1, 2]), new Float64Array([3, 4]), new Float64Array([5, 12])];
    const { output, diagnostics } = rule.aggregate(rows);
    expect(Array.from(output)).toEqual([3, 6]);
    expect(diagnostics.perWorker.weight).toEqual([1 / 3, 1 / 3, 1 / 3]);
  });

  it('keeps the element type of its inputs', () => {
    const rule = createAggregator({ name: 'mean', f: 0 });
    const { output } = rule.aggregate([new Float32Array([1, 2]), new Float32Array([2, 3])]);
    expect(output).toBeInstanceOf(Float32Array);
    expect(Array.from(output)).toEqual([1.5, 2.5]);
  });

  it('rejects ragged rows and names the worker', () => {
    const rule = createAggregator({ name: 'mean', f: 0 });
    expect(() => rule.aggregate([new Float64Array(3), new Float64Array(2)])).toThrow(ShapeError);
    expect(() => rule.aggregate([new Float64Array(3), new Float64Array(2)])).toThrow(/worker 1 has length 2, expected 3/);
  });

  it('rejects a NaN with the worker index and coordinate', () => {
    const rule = createAggregator({ name: 'mean', f: 0 });
    const call = () => rule.aggregate([new Float64Array([0, 1]), new Float64Array([2, NaN])]);
    expect(call).toThrow(NonFiniteInputError);
    expect(call).toThrow(/worker 1 .* coordinate 1/);
  });
});
