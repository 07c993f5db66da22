import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAggregator } from '../aggregators/index.js';
import { SgdOptimizer } from './optimizer.js';
import { RoundEngine, type ClosedRound, type RoundObserver } from './round.js';

function recorder() {
  const closed: ClosedRound[] = [];
  const quorumWaits: { round: number; received: number; quorum: number }[] = [];
  const observer: RoundObserver = {
    gradientAccepted: () => undefined,
    roundClosed: (round) => closed.push(round),
    quorumWait: (round, received, quorum) => quorumWaits.push({ round, received, quorum }),
    aggregationFailed: (_round, error) => {
      throw error;
    },
  };
  return { observer, closed, quorumWaits };
}

function engine(settings: { quorum?: number; roundDeadlineMs?: number } = {}) {
  const record = recorder();
  const released: Float32Array[] = [];
  const rounds = new RoundEngine({
    settings: { quorum: settings.quorum ?? 0, roundDeadlineMs: settings.roundDeadlineMs ?? 1000, maxWorkers: 8 },
    aggregator: createAggregator({ name: 'mean', f: 0 }),
    optimizer: new SgdOptimizer({ learningRate: 0.5, momentum: 0, weightDecay: 0, lrDecayFactor: 1, lrDecayEveryRounds: 100 }),
    parameters: new Float32Array([1, 1]),
    observer: record.observer,
    releaseGradient: (gradient) => released.push(gradient),
  });
  return { rounds, released, ...record };
}

/** Lets the close that a push started (a promise chain) run to its end. */
async function settle(): Promise<void> {
  await vi.advanceTimersByTimeAsync(0);
}

afterEach(() => {
  vi.useRealTimers();
});

describe('RoundEngine', () => {
  it('keeps a borrowed θ intact while rounds close, and steps into the θ before once nobody reads it', async () => {
    vi.useFakeTimers();
    const { rounds } = engine();
    const a = rounds.join('a').workerId;
    const closeRound = async (value: number) => {
      rounds.beginPush(a, rounds.round).complete(new Float32Array([value, value]));
      await settle();
    };
    const theta0 = rounds.parameters;
    const borrowed = rounds.borrowParameters();
    expect(borrowed.parameters).toBe(theta0);
    expect(borrowed.round).toBe(0);
    await closeRound(2);
    const theta1 = rounds.parameters;
    await closeRound(2);
    // θ₀ is still being read, so θ₂ went to a new buffer and θ₀ kept its values.
    expect(rounds.parameters).not.toBe(theta0);
    expect(Array.from(theta0)).toEqual([1, 1]);
    borrowed.release();
    borrowed.release();
    const theta2 = rounds.parameters;
    await closeRound(2);
    // Nobody reads θ₁ any more: θ₃ is written into its buffer.
    expect(rounds.parameters).toBe(theta1);
    expect(Array.from(rounds.parameters)).toEqual([-2, -2]);
    expect(Array.from(theta2)).toEqual([-1, -1]);
  });

  it('closes when every active worker pushed and applies the step to the mean', async () => {
    vi.useFakeTimers();
    const { rounds, closed, released } = engine();
    const a = rounds.join('a').workerId;
    const b = rounds.join('b').workerId;
    const ga = new Float32Array([2, 0]);
    const gb = new Float32Array([0, 4]);
    rounds.beginPush(a, 0).complete(ga);
    expect(rounds.round).toBe(0);
    rounds.beginPush(b, 0).complete(gb);
    await settle();
    expect(released).toEqual([ga, gb]);
    expect(released[0]).toBe(ga);
    expect(rounds.round).toBe(1);
    // θ − 0.5 · mean([2,0],[0,4]) = [1,1] − 0.5·[1,2]
    expect(Array.from(rounds.parameters)).toEqual([0.5, 0]);
    expect(closed[0]).toMatchObject({ round: 0, workerNames: ['a', 'b'], closedByDeadline: false });
  });

  it('gives a worker that joins again its id back', () => {
    const { rounds } = engine();
    const first = rounds.join('a').workerId;
    rounds.join('b');
    expect(rounds.join('a').workerId).toBe(first);
  });

  it('rejects stale, future and duplicate pushes and unknown workers without moving θ', async () => {
    vi.useFakeTimers();
    const { rounds } = engine();
    const a = rounds.join('a').workerId;
    rounds.join('b');
    rounds.beginPush(a, 0).complete(new Float32Array([2, 2]));
    expect(() => rounds.beginPush(a, 0)).toThrow(/already pushed/);
    expect(() => rounds.beginPush(a, 1)).toThrow(/round 1 has not started/);
    expect(() => rounds.beginPush(99, 0)).toThrow(/worker id 99 has not joined/);
    const b = rounds.join('b').workerId;
    rounds.beginPush(b, 0).complete(new Float32Array([0, 0]));
    await settle();
    expect(() => rounds.beginPush(a, 0)).toThrow(/round 0 is closed; the open round is 1/);
    expect(rounds.round).toBe(1);
  });

  it('holds a second concurrent push from the same worker as duplicate until the first is released', () => {
    const { rounds } = engine();
    const a = rounds.join('a').workerId;
    const lease = rounds.beginPush(a, 0);
    expect(() => rounds.beginPush(a, 0)).toThrow(/already pushed \(or is pushing\)/);
    lease.release();
    expect(() => { rounds.beginPush(a, 0).release(); }).not.toThrow();
  });

  it('closes at the deadline with the quorum, without the worker that never pushed', async () => {
    vi.useFakeTimers();
    const { rounds, closed } = engine({ quorum: 2, roundDeadlineMs: 1000 });
    const ids = ['a', 'b', 'c'].map((name) => rounds.join(name).workerId);
    rounds.beginPush(ids[0]!, 0).complete(new Float32Array([1, 1]));
    rounds.beginPush(ids[1]!, 0).complete(new Float32Array([3, 3]));
    await vi.advanceTimersByTimeAsync(999);
    expect(rounds.round).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(rounds.round).toBe(1);
    expect(closed[0]).toMatchObject({ workerNames: ['a', 'b'], closedByDeadline: true });
    expect(rounds.workers().map((worker) => worker.active)).toEqual([true, true, false]);
  });

  it('stays open past the deadline without quorum, says so once, and closes when quorum arrives', async () => {
    vi.useFakeTimers();
    const { rounds, quorumWaits } = engine({ quorum: 2, roundDeadlineMs: 100 });
    const a = rounds.join('a').workerId;
    const b = rounds.join('b').workerId;
    const c = rounds.join('c').workerId;
    rounds.beginPush(a, 0).complete(new Float32Array([1, 1]));
    await vi.advanceTimersByTimeAsync(500);
    expect(rounds.round).toBe(0);
    expect(quorumWaits).toEqual([{ round: 0, received: 1, quorum: 2 }]);
    rounds.beginPush(b, 0).complete(new Float32Array([1, 1]));
    await settle();
    expect(rounds.round).toBe(1);
    expect(rounds.workers().find((worker) => worker.id === c)?.active).toBe(false);
  });

  it('does not close while paused', async () => {
    vi.useFakeTimers();
    const { rounds } = engine();
    const a = rounds.join('a').workerId;
    rounds.pause();
    rounds.beginPush(a, 0).complete(new Float32Array([1, 1]));
    await settle();
    expect(rounds.round).toBe(0);
    rounds.resume();
    await settle();
    expect(rounds.round).toBe(1);
  });

  it('raises the quorum to what the rule needs', () => {
    const { rounds } = engine({ quorum: 2 });
    expect(rounds.quorum).toBe(2);
    rounds.setAggregator({ ...createAggregator({ name: 'mean', f: 0 }), minInputs: () => 5 });
    expect(rounds.quorum).toBe(5);
  });

  it('gives back the buffers of an abandoned round when stopped', async () => {
    const { rounds, released } = engine();
    const a = rounds.join('a').workerId;
    rounds.join('b');
    const gradient = new Float32Array([1, 1]);
    rounds.beginPush(a, 0).complete(gradient);
    await rounds.stop();
    expect(released).toEqual([gradient]);
    expect(rounds.round).toBe(0);
  });

  it('refuses malformed worker names', () => {
    expect(() => engine().rounds.join('bad name\n')).toThrow(/must be 1–64 characters/);
  });
});
