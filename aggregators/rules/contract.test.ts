/**
 * What every registered rule promises, checked for each entry of listRules(): a new rule gets these
 * tests by being registered. What only one rule does (its definition, golden vectors, robustness
 * under attack, parameter ranges) stays in that rule's own test file.
 */
import { describe, expect, it } from 'vitest';
import { InvalidParameterError, NonFiniteInputError, ShapeError, TooFewInputsError } from '../errors.js';
import { createAggregator, listRules } from '../registry.js';
import { clusteredRows, permutationDrift, SeededRandom } from '../testing.js';

/** Relative drift allowed when the workers are reordered: iterative rules sum in a different order, nothing more. */
const REORDER_TOLERANCE = 1e-9;

/**
 * The Byzantine bound the contract is checked at. Rules break exact ties by worker index, and Bulyan's
 * last pick ties structurally for f ≤ 2 (see bulyan.test.ts), so reordering is checked at f = 3.
 */
const f = 3;

const rules = listRules().map((rule) => [rule.name, rule] as const);

describe.each(rules)('every rule: %s', (name, definition) => {
  const build = () => createAggregator({ name, f });
  const n = build().minInputs() + 2;

  it('is unchanged by reordering the workers, and its per-worker diagnostics follow them', () => {
    const random = SeededRandom.fromSeed(name.length * 97 + 5);
    const rows = clusteredRows(random, n, 9, 1);
    const drift = permutationDrift(build, rows, random.permutation(n));
    expect(drift.output).toBeLessThan(REORDER_TOLERANCE);
    expect(drift.diagnostics).toBeLessThan(REORDER_TOLERANCE);
  });

  it(`reports its influence diagnostic "${definition.influence}": one finite value ≥ 0 per worker`, () => {
    const rows = clusteredRows(SeededRandom.fromSeed(7), n, 6);
    const aggregator = build();
    expect(aggregator.influence).toBe(definition.influence);
    const values = aggregator.aggregate(rows).diagnostics.perWorker[definition.influence];
    expect(values).toHaveLength(n);
    for (const value of values!) {
      expect(Number.isFinite(value)).toBe(true);
      expect(value).toBeGreaterThanOrEqual(0);
    }
  });

  it(`accepts as few inputs as its requirement ${definition.requirement.text} allows, and refuses one fewer, saying why`, () => {
    const aggregator = build();
    const fewest = aggregator.minInputs();
    expect(fewest).toBe(definition.requirement.minInputs(f));
    expect(aggregator.aggregate(clusteredRows(SeededRandom.fromSeed(8), fewest, 4)).output).toHaveLength(4);
    const call = () => aggregator.aggregate(clusteredRows(SeededRandom.fromSeed(8), fewest - 1, 4));
    // A rule that needs one input at least (the mean) meets the batch's own refusal of nothing.
    const refusal = fewest === 1 ? [ShapeError, 'no gradients to aggregate'] as const : [TooFewInputsError, `${name} needs ${definition.requirement.text}: got n=${fewest - 1}, f=${f}`] as const;
    expect(call).toThrow(refusal[0]);
    expect(call).toThrow(refusal[1]);
  });

  it('refuses a parameter it does not have when it is built, naming the ones it has', () => {
    const call = () => createAggregator({ name, f, params: { bogus: 1 } });
    expect(call).toThrow(InvalidParameterError);
    expect(call).toThrow(`${name} has no parameter "bogus"`);
    for (const known of Object.keys(definition.params)) expect(call).toThrow(known);
  });

  it.each([Float32Array, Float64Array])('returns the element type of its inputs (%o) and leaves them untouched', (type) => {
    const rows = clusteredRows(SeededRandom.fromSeed(9), n, 5).map((row) => new type(row));
    const copies = rows.map((row) => row.slice());
    const { output } = build().aggregate(rows);
    expect(output).toBeInstanceOf(type);
    expect(output).toHaveLength(5);
    expect(rows).toEqual(copies);
  });

  it('refuses ragged rows and a non-finite value, naming the worker', () => {
    const rows = clusteredRows(SeededRandom.fromSeed(10), n, 3);
    const ragged = rows.map((row, i) => (i === n - 1 ? row.subarray(0, 2) : row));
    expect(() => build().aggregate(ragged)).toThrow(ShapeError);
    expect(() => build().aggregate(ragged)).toThrow(`worker ${n - 1} has length 2, expected 3`);
    const poisoned = rows.map((row, i) => (i === 1 ? Float64Array.of(row[0]!, Infinity, row[2]!) : row));
    expect(() => build().aggregate(poisoned)).toThrow(NonFiniteInputError);
    expect(() => build().aggregate(poisoned)).toThrow(/worker 1 .*coordinate 1/);
  });

  it('gives the same bits for the same inputs from a fresh aggregator', () => {
    const rows = clusteredRows(SeededRandom.fromSeed(12), n, 8);
    expect(build().aggregate(rows)).toEqual(build().aggregate(rows));
  });
});
