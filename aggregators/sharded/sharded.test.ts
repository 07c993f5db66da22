/**
 * Sharded aggregation against the unsharded rules: for every registered rule, with and without each
 * pre-aggregator, the slices of the aggregate that S coordinate shards write, put end to end, equal
 * what createAggregator returns on the whole gradients, round after round. The unsharded rules are
 * the reference here; their own tests check them against an independent float64 oracle.
 */
import { describe, expect, it } from 'vitest';
import { ShardProtocolError, TooFewInputsError, NonFiniteInputError } from '../errors.js';
import { allocateGradient, freeGradient } from '../kernels/gradient-memory.js';
import { createAggregator, listRules } from '../registry.js';
import { byzantineRows, clusteredRows, relativeError, SeededRandom } from '../testing.js';
import type { AggregationResult, Diagnostics, Gradient, PreAggregatorSpec, RuleSpec } from '../types.js';
import { ShardCoordinator } from './coordinator.js';
import { alignedSlices, runRoundLocally } from './local.js';
import type { ShardReply } from './messages.js';
import { CoordinateShard, type ShardSlice } from './shard.js';
import { joinState, splitState } from './state.js';

/**
 * Relative tolerance for float64 rows. A Gram entry is a float64 sum over coordinates (blocks of
 * 4,096, then blocks in order); shards regroup it as a sum of per-slice sums, so the summed K differs
 * from the whole one by at most about (S + d/4096)·2⁻⁵³·Σ_j |g_ij·g_kj|, some 1e-15 of K here, and so
 * do the dots with centered clipping's state. Decisions that turn K into real coefficients (FA's
 * eigenvectors, Weiszfeld, the clipping norms) are smooth in K with modest condition numbers on these
 * clustered rows, so their outputs agree to 1e-12 (the largest seen is below 1e-14). Everything
 * else — the per-coordinate loops and every combine — runs the same operations on the same values
 * in the same order per coordinate, which is why the rules below are compared bit for bit.
 */
const FLOAT64_TOLERANCE = 1e-12;

/**
 * FA and the geometric median can be far more sensitive to a rounding-level change of K: FA's
 * subspace is spanned by eigenvectors whose eigenvalues nearly coincide when rows are nearly
 * collinear (after nnm averages neighbours, or with f identical Byzantine rows), and Weiszfeld
 * weighs rows by 1/‖g_i − z‖ with distances near zero taken as √(K_ii − 2(Kw)_i + wᵀKw), where a
 * change of u·‖g‖² in K moves a distance by up to √u·‖g‖ ≈ 1e-8·‖g‖. That is the rules' own
 * sensitivity, not sharding's: the unsharded rule moves as much when the coordinates are merely
 * listed in another order (tested below). The bound is the one the FA tests already hold the rule
 * to against the direct d-space computation (1e-6).
 */
const SENSITIVE_TOLERANCE = 1e-6;
const SENSITIVE_RULES = new Set(['flag', 'geometric-median']);

/**
 * Float32 rows, cut at multiples of 4,096: each shard's Gram blocks are the whole rows' blocks, so K
 * moves only as in float64; the coefficients then round to float32 inside combine, where a last-bit
 * difference may flip one rounding of the output: a few float32 ulps (2⁻²⁴ ≈ 6e-8) of the output's scale.
 */
const FLOAT32_ALIGNED_TOLERANCE = 1e-6;

/**
 * Float32 rows cut anywhere: a cut moves where the float32 block accumulators restart, so the partial
 * Gram entries round differently at float32 precision (about 1e-7 relative per block) and the
 * real-valued decisions move by that times their conditioning (the largest seen is 9e-7, FA after clip).
 */
const FLOAT32_TOLERANCE = 1e-5;

/**
 * Rules whose decision is a selection or a fixed count (mean's 1/n, the trimmed means, Krum's picks,
 * Bulyan's picks then its per-coordinate phase): unless two candidates tie to within rounding, which
 * continuous random rows do not, the shards apply exactly the weights the whole rule applies.
 */
const SELECTION_RULES = new Set(['mean', 'median', 'trimmed-mean', 'krum', 'multi-krum', 'bulyan']);

/** Pre-aggregator chains every rule is checked with. nnm's mixing and bucketing's draw are exact; clip scales by τ/‖g_i‖ from K. */
const CHAINS: readonly (readonly PreAggregatorSpec[])[] = [[], [{ name: 'nnm' }], [{ name: 'bucketing', params: { s: 2, seed: 7 } }], [{ name: 'clip', params: { tau: 2 } }]];

/** Parameters that make a rule do more than its defaults do (more FA iterations with the pairwise term, several clipping iterations). */
const EXTRA_PARAMS: Readonly<Record<string, RuleSpec['params']>> = {
  flag: { iterations: 5, lambda: 1 },
  'centered-clipping': { tau: 1, iters: 3 },
  'multi-krum': { m: 2 },
};

/** S−1 distinct random cut points in (0, d): contiguous non-empty slices. */
function randomSlices(random: SeededRandom, d: number, shards: number): ShardSlice[] {
  const cuts = new Set<number>();
  while (cuts.size < shards - 1) cuts.add(1 + Math.floor(random.next() * (d - 1)));
  const bounds = [0, ...[...cuts].sort((a, b) => a - b), d];
  return Array.from({ length: shards }, (_, shard) => ({ shard, start: bounds[shard]!, end: bounds[shard + 1]! }));
}

/** A sharded aggregation in one process: one coordinator and S shards that persist across rounds, like the reference aggregator. */
function shardedCluster(spec: RuleSpec, slices: readonly ShardSlice[]) {
  const coordinator = new ShardCoordinator(spec, slices.length);
  const shards = slices.map((slice) => new CoordinateShard(spec, slice));
  return {
    coordinator,
    shards,
    aggregate<G extends Gradient>(round: number, rows: readonly G[]): AggregationResult<G> {
      const d = rows[0]!.length;
      const shardRounds = shards.map((shard) => shard.openRound(round, rows.map((row) => row.subarray(shard.slice.start, shard.slice.end) as G)));
      const { outputs, diagnostics } = runRoundLocally(coordinator.openRound(round, rows.length, d, rows[0] instanceof Float32Array ? 'float32' : 'float64'), shardRounds);
      const output = new (rows[0]!.constructor as new (length: number) => G)(d);
      outputs.forEach((slice, s) => { output.set(slice, slices[s]!.start); });
      return { output, diagnostics };
    },
  };
}

/** n honest rows around one center plus f sign-flipped ones, so that the robust rules select, clip and trim. */
function attackedRows(random: SeededRandom, n: number, f: number, d: number): Float64Array[] {
  const honest = clusteredRows(random, n - f, d, 0.5);
  return [...honest, ...byzantineRows(honest, f, 'sign-flip')];
}

/**
 * FA's and Weiszfeld's step counts are left out of the comparison: once the objective is at rounding
 * level (a distance or √(1 − P_ii) of 1e-8 is the square root of a rounding error), their stopping
 * tests decide on rounding noise and may take a step more or fewer, with outputs still within the tolerance.
 */
const STEP_COUNTS = new Set(['iterations', 'converged']);

/** Largest difference between two diagnostics, relative to each value's size (at least 1). */
function diagnosticsDrift(actual: Diagnostics, expected: Diagnostics): number {
  expect(Object.keys(actual.perWorker).sort()).toEqual(Object.keys(expected.perWorker).sort());
  expect(Object.keys(actual.summary).sort()).toEqual(Object.keys(expected.summary).sort());
  let drift = 0;
  const compare = (a: number, b: number) => (drift = Math.max(drift, Math.abs(a - b) / Math.max(1, Math.abs(b))));
  for (const [quantity, values] of Object.entries(expected.perWorker)) values.forEach((value, i) => compare(actual.perWorker[quantity]![i]!, value));
  for (const [quantity, value] of Object.entries(expected.summary)) if (!STEP_COUNTS.has(quantity)) compare(actual.summary[quantity]!, value);
  return drift;
}

const cases = listRules().flatMap((rule) => CHAINS.map((pre) => [rule.name, pre.map((stage) => stage.name).join('+') || 'no pre-aggregator', pre] as const));

describe.each(cases)('%s (%s) across coordinate shards', (name, _chain, pre) => {
  const exact = SELECTION_RULES.has(name) && !pre.some((stage) => stage.name === 'clip');
  const tolerance = SENSITIVE_RULES.has(name) ? SENSITIVE_TOLERANCE : FLOAT64_TOLERANCE;

  it.each([1, 2, 3, 5])(`S = %i shards cut at random points give ${exact ? 'the same bits as' : 'the output of'} the whole rule, over 3 rounds`, (shards) => {
    const random = SeededRandom.fromSeed(name.length * 1009 + pre.length * 31 + shards);
    for (let trial = 0; trial < 3; trial++) {
      const f = 1 + Math.floor(random.next() * 2);
      const spec: RuleSpec = { name, f, params: trial === 2 ? EXTRA_PARAMS[name] : undefined, pre };
      const reference = createAggregator(spec);
      // Bucketing halves the rows the rule sees, so it gets twice the inputs.
      const n = Math.max(reference.minInputs(), 2 * f + 1) * (pre[0]?.name === 'bucketing' ? 2 : 1) + Math.floor(random.next() * 4);
      const d = shards + Math.floor(random.next() * 200);
      const cluster = shardedCluster(spec, randomSlices(random, d, shards));
      for (let round = 0; round < 3; round++) {
        const rows = attackedRows(random, n, f, d);
        const expected = reference.aggregate(rows);
        const actual = cluster.aggregate(round, rows);
        // Selections come out the same; their scores are sums of K's entries, as close as K is.
        if (exact) expect(actual.output).toEqual(expected.output);
        else expect(relativeError(actual.output, expected.output)).toBeLessThanOrEqual(tolerance);
        expect(diagnosticsDrift(actual.diagnostics, expected.diagnostics)).toBeLessThanOrEqual(tolerance);
      }
    }
  });

  it.each([2, 3, 5])('S = %i shards cut at multiples of 4,096 agree on float32 rows in the gradient memory, and on float64 rows', (shards) => {
    const random = SeededRandom.fromSeed(name.length * 7 + pre.length + shards);
    const f = 1;
    const spec: RuleSpec = { name, f, pre };
    const n = Math.max(createAggregator(spec).minInputs(), 3) * (pre[0]?.name === 'bucketing' ? 2 : 1);
    const d = shards * 4096 + 1 + Math.floor(random.next() * 4000);
    const rows = attackedRows(random, n, f, d);
    const float32Rows = rows.map((row) => {
      const copy = allocateGradient(d);
      copy.set(row);
      return copy;
    });
    try {
      const slices = alignedSlices(d, shards);
      const expected32 = createAggregator(spec).aggregate(float32Rows);
      const actual32 = shardedCluster(spec, slices).aggregate(0, float32Rows);
      if (exact) expect(actual32.output).toEqual(expected32.output);
      else expect(relativeError(actual32.output, expected32.output)).toBeLessThanOrEqual(FLOAT32_ALIGNED_TOLERANCE);
      const expected64 = createAggregator(spec).aggregate(rows);
      const actual64 = shardedCluster(spec, slices).aggregate(0, rows);
      if (exact) expect(actual64.output).toEqual(expected64.output);
      else expect(relativeError(actual64.output, expected64.output)).toBeLessThanOrEqual(tolerance);
      expect(diagnosticsDrift(actual64.diagnostics, expected64.diagnostics)).toBeLessThanOrEqual(tolerance);
    } finally {
      float32Rows.forEach(freeGradient);
    }
  });

  it.each([
    ['plain arrays', false],
    ['the gradient memory', true],
  ])('agrees on float32 rows in %s cut at random points, within float32 rounding of the partial Gram matrices', (_where, inMemory) => {
    const random = SeededRandom.fromSeed(name.length * 13 + pre.length);
    const spec: RuleSpec = { name, f: 1, pre };
    const n = Math.max(createAggregator(spec).minInputs(), 3) * (pre[0]?.name === 'bucketing' ? 2 : 1) + 1;
    const d = 2000 + Math.floor(random.next() * 3000);
    const rows = attackedRows(random, n, 1, d).map((row) => {
      const copy = inMemory ? allocateGradient(d) : new Float32Array(d);
      copy.set(row);
      return copy;
    });
    try {
      const expected = createAggregator(spec).aggregate(rows);
      const actual = shardedCluster(spec, randomSlices(random, d, 3)).aggregate(0, rows);
      if (exact) expect(actual.output).toEqual(expected.output);
      else expect(relativeError(actual.output, expected.output)).toBeLessThanOrEqual(FLOAT32_TOLERANCE);
    } finally {
      if (inMemory) rows.forEach(freeGradient);
    }
  });
});

describe('what sharding changes is the order of additions, nothing more', () => {
  it.each([
    ['flag', { iterations: 5, lambda: 1 }, [{ name: 'nnm' }]],
    ['flag', {}, []],
    ['geometric-median', {}, [{ name: 'nnm' }]],
    ['geometric-median', {}, []],
  ] as const)('%s %o %o: the sharded drift is the unsharded rule\'s own drift when the coordinates are listed in reverse', (name, params, pre) => {
    const random = SeededRandom.fromSeed(name.length * 3 + pre.length);
    let sharded = 0;
    let reversed = 0;
    for (let trial = 0; trial < 20; trial++) {
      const f = 1 + (trial % 2);
      const n = 2 * f + 1 + (trial % 4);
      const d = 5 + Math.floor(random.next() * 200);
      const spec: RuleSpec = { name, f, params, pre: [...pre] };
      const rows = attackedRows(random, n, f, d);
      const expected = createAggregator(spec).aggregate(rows).output;
      const backwards = createAggregator(spec).aggregate(rows.map((row) => row.slice().reverse())).output.reverse();
      reversed = Math.max(reversed, relativeError(backwards, expected));
      sharded = Math.max(sharded, relativeError(shardedCluster(spec, randomSlices(random, d, 3)).aggregate(0, rows).output, expected));
    }
    expect(sharded).toBeLessThanOrEqual(Math.max(10 * reversed, FLOAT64_TOLERANCE));
  });
});

describe('120 rounds of training', () => {
  /**
   * Least squares, one data set per worker: worker i's gradient at θ is A_iᵀ(A_iθ − b_i)/m; the f
   * Byzantine workers send the negated mean of the honest gradients. θ ← θ − η·aggregate, sharded
   * (S = 3, random cuts) and whole, from the same start: the feedback through θ is where per-round
   * differences would grow if they were going to.
   */
  function train(aggregateRound: (round: number, rows: Float64Array[]) => Float64Array, n: number, f: number, d: number): Float64Array {
    const random = SeededRandom.fromSeed(n * 100 + d);
    const m = 12;
    const data = Array.from({ length: n - f }, () => ({
      a: Array.from({ length: m }, () => Float64Array.from({ length: d }, () => random.normal())),
      b: Float64Array.from({ length: m }, () => random.normal()),
    }));
    const theta = new Float64Array(d);
    for (let round = 0; round < 120; round++) {
      const honest = data.map(({ a, b }) => {
        const gradient = new Float64Array(d);
        a.forEach((row, k) => {
          let residual = -b[k]!;
          for (let j = 0; j < d; j++) residual += row[j]! * theta[j]!;
          for (let j = 0; j < d; j++) gradient[j]! += (row[j]! * residual) / m;
        });
        return gradient;
      });
      const update = aggregateRound(round, [...honest, ...byzantineRows(honest, f, 'sign-flip')]);
      for (let j = 0; j < d; j++) theta[j]! -= 0.05 * update[j]!;
    }
    return theta;
  }

  it.each(cases.filter(([, , pre]) => pre.length === 0 || pre[0]!.name === 'bucketing'))(
    '%s (%s): θ sharded over 3 slices equals θ whole, bits for selection rules, 1e-6 relative for the others',
    (name, _chain, pre) => {
      const f = 1;
      const spec: RuleSpec = { name, f, pre };
      const n = Math.max(createAggregator(spec).minInputs(), 5) * (pre.length > 0 ? 2 : 1);
      const d = 40;
      const reference = createAggregator(spec);
      const whole = train((_round, rows) => reference.aggregate(rows).output, n, f, d);
      const cluster = shardedCluster(spec, randomSlices(SeededRandom.fromSeed(n), d, 3));
      const sharded = train((round, rows) => cluster.aggregate(round, rows).output, n, f, d);
      if (SELECTION_RULES.has(name)) expect(sharded).toEqual(whole);
      else expect(relativeError(sharded, whole)).toBeLessThanOrEqual(1e-6);
    },
  );
});

describe('state across shards', () => {
  it('centered clipping: each shard keeps its slice of the previous aggregate, and a restored cluster goes on like the whole rule', () => {
    const random = SeededRandom.fromSeed(41);
    const spec: RuleSpec = { name: 'centered-clipping', f: 2, params: { tau: 0.5, iters: 2 } };
    const reference = createAggregator(spec);
    const d = 300;
    const slices = randomSlices(random, d, 3);
    const cluster = shardedCluster(spec, slices);
    const rounds = Array.from({ length: 6 }, () => attackedRows(random, 9, 2, d));
    rounds.slice(0, 3).forEach((rows, round) => {
      expect(relativeError(cluster.aggregate(round, rows).output, reference.aggregate(rows).output)).toBeLessThanOrEqual(FLOAT64_TOLERANCE);
    });
    const whole = reference.getState()!['rule.previousAggregate'] as Float64Array;
    const sliced = cluster.shards.map((shard) => shard.getState()!['rule.previousAggregate'] as Float64Array);
    expect(relativeError(Float64Array.from(sliced.flatMap((slice) => Array.from(slice))), whole)).toBeLessThanOrEqual(FLOAT64_TOLERANCE);
    expect(cluster.shards.map((shard) => shard.stateRound)).toEqual([2, 2, 2]);

    // A new cluster restored from the shards' states goes on from round 3 as the reference does.
    const restored = shardedCluster(spec, slices);
    restored.shards.forEach((shard, s) => { shard.setState(cluster.shards[s]!.getState()!, 2); });
    rounds.slice(3).forEach((rows, k) => {
      expect(relativeError(restored.aggregate(3 + k, rows).output, reference.aggregate(rows).output)).toBeLessThanOrEqual(FLOAT64_TOLERANCE);
    });
  });

  it("bucketing: the coordinator holds the generator, draws every round's buckets, and restores them from a checkpoint", () => {
    const random = SeededRandom.fromSeed(42);
    const spec: RuleSpec = { name: 'median', f: 1, pre: [{ name: 'bucketing', params: { s: 3, seed: 5 } }] };
    const reference = createAggregator(spec);
    const slices = randomSlices(random, 50, 2);
    const cluster = shardedCluster(spec, slices);
    const rounds = Array.from({ length: 6 }, () => attackedRows(random, 10, 1, 50));
    rounds.slice(0, 3).forEach((rows, round) => { expect(cluster.aggregate(round, rows)).toEqual(reference.aggregate(rows)); });
    expect(cluster.coordinator.getState()).toEqual(reference.getState());
    expect(cluster.shards.map((shard) => shard.getState())).toEqual([undefined, undefined]);
    const restored = shardedCluster(spec, slices);
    restored.coordinator.setState(cluster.coordinator.getState()!);
    rounds.slice(3).forEach((rows, k) => { expect(restored.aggregate(3 + k, rows)).toEqual(reference.aggregate(rows)); });
  });

  it('a round that does not finish leaves the coordinator state as it was, so a retry draws the same buckets', () => {
    const random = SeededRandom.fromSeed(43);
    const spec: RuleSpec = { name: 'mean', f: 0, pre: [{ name: 'bucketing', params: { s: 2 } }] };
    const coordinator = new ShardCoordinator(spec, 1);
    const rows = attackedRows(random, 6, 0, 8);
    const first = coordinator.openRound(0, 6, 8, 'float64').start();
    expect(coordinator.getState()).toBeUndefined();
    const retry = coordinator.openRound(0, 6, 8, 'float64').start();
    expect(retry).toEqual(first);
    const shard = new CoordinateShard(spec, { shard: 0, start: 0, end: 8 });
    const reference = createAggregator(spec);
    expect(runRoundLocally(coordinator.openRound(0, 6, 8, 'float64'), [shard.openRound(0, rows)]).outputs[0]).toEqual(reference.aggregate(rows).output);
    expect(coordinator.getState()).toEqual(reference.getState());
  });
});

describe('state moves between one process and S shards', () => {
  it('a whole aggregator\'s checkpoint, split, starts a cluster that goes on like it; the cluster\'s, joined, starts a whole aggregator', () => {
    const random = SeededRandom.fromSeed(44);
    const spec: RuleSpec = { name: 'centered-clipping', f: 1, params: { tau: 0.5 }, pre: [{ name: 'bucketing', params: { s: 2, seed: 3 } }] };
    const d = 60;
    const slices = randomSlices(random, d, 3);
    const rounds = Array.from({ length: 6 }, () => attackedRows(random, 10, 1, d));
    const reference = createAggregator(spec);
    rounds.slice(0, 2).forEach((rows) => reference.aggregate(rows));

    const cluster = shardedCluster(spec, slices);
    const pieces = splitState(reference.getState(), slices);
    cluster.coordinator.setState(pieces.coordinator!);
    cluster.shards.forEach((shard, s) => {
      shard.setState(pieces.shards[s]!, 1);
    });
    expect(joinState({ coordinator: cluster.coordinator.getState(), shards: cluster.shards.map((shard) => shard.getState()) })).toEqual(reference.getState());
    rounds.slice(2, 4).forEach((rows, k) => {
      expect(relativeError(cluster.aggregate(2 + k, rows).output, reference.aggregate(rows).output)).toBeLessThanOrEqual(FLOAT64_TOLERANCE);
    });

    const single = createAggregator(spec);
    single.setState(joinState({ coordinator: cluster.coordinator.getState(), shards: cluster.shards.map((shard) => shard.getState()) })!);
    rounds.slice(4).forEach((rows) => {
      expect(relativeError(single.aggregate(rows).output, reference.aggregate(rows).output)).toBeLessThanOrEqual(FLOAT64_TOLERANCE);
    });
  });

  it('refuses a state vector of another length than the shards cover', () => {
    expect(() => splitState({ 'rule.previousAggregate': new Float64Array(5) }, [{ shard: 0, start: 0, end: 6 }])).toThrow('has length 5, but the shards cover 6 coordinates');
  });
});

describe('the protocol', () => {
  const spec: RuleSpec = { name: 'centered-clipping', f: 1 };
  const rows = clusteredRows(SeededRandom.fromSeed(3), 5, 10);
  const slices: ShardSlice[] = [
    { shard: 0, start: 0, end: 4 },
    { shard: 1, start: 4, end: 10 },
  ];

  function firstReplies(round = 0) {
    const coordinator = new ShardCoordinator(spec, 2);
    const shards = slices.map((slice) => new CoordinateShard(spec, slice));
    const coordinatorRound = coordinator.openRound(round, 5, 10, 'float64');
    const step = coordinatorRound.start();
    if (step.kind !== 'request') throw new Error('expected a request');
    const replies = shards.map((shard) => shard.openRound(round, rows.map((row) => row.subarray(shard.slice.start, shard.slice.end))).handle(step.request));
    return { coordinatorRound, request: step.request, replies };
  }

  it('asks centered clipping for K and the state dots in one step, then tells every shard the same coefficients', () => {
    const { coordinatorRound, request, replies } = firstReplies();
    expect(request).toMatchObject({ rule: 'centered-clipping', round: 0, step: 0, mix: [], task: { kind: 'summarize', gram: true, anchor: true } });
    expect(replies.map((reply) => reply.kind)).toEqual(['summary', 'summary']);
    const next = coordinatorRound.receive([...replies].reverse());
    expect(next).toMatchObject({ kind: 'request', request: { step: 1, task: { kind: 'apply', apply: { kind: 'combine', anchor: false } } } });
  });

  it('refuses replies for another round or step, from too few shards, twice from one shard, or from slices that do not tile the gradient', () => {
    const check = (mutate: (replies: ShardReply[]) => ShardReply[], message: string) => {
      const { coordinatorRound, replies } = firstReplies();
      expect(() => coordinatorRound.receive(mutate(replies))).toThrow(ShardProtocolError);
      expect(() => firstReplies().coordinatorRound.receive(mutate(firstReplies().replies))).toThrow(message);
    };
    check((replies) => [replies[0]!, { ...replies[1]!, round: 1 }], 'shard 1 answered centered-clipping round 1 step 0');
    check((replies) => [replies[0]!, { ...replies[1]!, step: 1 }], 'step 1');
    check((replies) => [replies[0]!], 'expected one reply from each of 2 shards, got 1');
    check((replies) => [replies[0]!, replies[0]!], 'shard 0 replied twice');
    check((replies) => [replies[0]!, { ...replies[1]!, start: 5 }], 'shard 1 owns [5, 10), expected a non-empty slice starting at 4');
    check((replies) => [replies[0]!, { ...replies[1]!, gram: undefined }], 'shard 1 sent no gram values, expected 25');
  });

  it('refuses shards whose state comes from different rounds', () => {
    const coordinator = new ShardCoordinator(spec, 2);
    const shards = slices.map((slice) => new CoordinateShard(spec, slice));
    shards[1]!.setState({ 'rule.previousAggregate': new Float64Array(6) }, 4);
    const round = coordinator.openRound(5, 5, 10, 'float64');
    const step = round.start();
    if (step.kind !== 'request') throw new Error('expected a request');
    const replies = shards.map((shard) => shard.openRound(5, rows.map((row) => row.subarray(shard.slice.start, shard.slice.end))).handle(step.request));
    expect(() => round.receive(replies)).toThrow("the shards' state comes from different rounds (-1, 4)");
  });

  it('a shard refuses a request out of step, and reports a non-finite value at its coordinate in the whole gradient', () => {
    const shard = new CoordinateShard(spec, slices[1]!);
    const shardRound = shard.openRound(0, rows.map((row) => row.subarray(4, 10)));
    expect(() => shardRound.handle({ rule: 'centered-clipping', round: 0, step: 1, mix: [], task: { kind: 'summarize', gram: true, anchor: false } })).toThrow(ShardProtocolError);
    expect(() => shardRound.handle({ rule: 'krum', round: 0, step: 0, mix: [], task: { kind: 'summarize', gram: true, anchor: false } })).toThrow('expected centered-clipping round 0 step 0');
    const bulyanShard = new CoordinateShard({ name: 'bulyan', f: 0 }, slices[1]!).openRound(0, rows.map((row) => row.subarray(4, 10)));
    expect(() => bulyanShard.handle({ rule: 'bulyan', round: 0, step: 0, mix: [], task: { kind: 'apply', apply: { kind: 'mean-around-median', rows: [0, 5], drop: 0 } } })).toThrow('asked at step 0 for rows 0, 5 of 5');
    const poisoned = rows.map((row, i) => (i === 2 ? Float64Array.from(row.subarray(4, 10), (value, j) => (j === 3 ? NaN : value)) : row.subarray(4, 10)));
    expect(() => shard.openRound(0, poisoned)).toThrow(NonFiniteInputError);
    expect(() => shard.openRound(0, poisoned)).toThrow('worker 2 has a non-finite value (NaN) at coordinate 7');
  });

  it('refuses too few inputs at the coordinator with the whole rule\'s message, after the pre-aggregators reshape them', () => {
    const bulyan = new ShardCoordinator({ name: 'bulyan', f: 1 }, 2);
    expect(() => bulyan.openRound(0, 6, 10, 'float64').start()).toThrow(TooFewInputsError);
    expect(() => bulyan.openRound(0, 6, 10, 'float64').start()).toThrow('bulyan needs n ≥ 4f+3: got n=6, f=1');
    const bucketed = new ShardCoordinator({ name: 'median', f: 1, pre: [{ name: 'bucketing', params: { s: 2 } }] }, 1);
    expect(bulyan.minInputs()).toBe(createAggregator({ name: 'bulyan', f: 1 }).minInputs());
    expect(bucketed.minInputs()).toBe(5);
    expect(() => bucketed.openRound(0, 4, 10, 'float64').start()).toThrow('median needs n > 2f: got n=2, f=1');
  });

  it('cuts d into slices aligned to 4,096 coordinates, as even as whole blocks allow', () => {
    expect(alignedSlices(3 * 4096 + 5, 2)).toEqual([
      { shard: 0, start: 0, end: 2 * 4096 },
      { shard: 1, start: 2 * 4096, end: 3 * 4096 + 5 },
    ]);
    expect(alignedSlices(3 * 4096, 3).map((slice) => slice.end - slice.start)).toEqual([4096, 4096, 4096]);
    expect(alignedSlices(10_000_000, 5).every((slice) => slice.start % 4096 === 0)).toBe(true);
    expect(() => alignedSlices(4096, 2)).toThrow('too few for 2 shards');
  });
});
