import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAggregator } from '../aggregators/index.js';
import { ServerEvents, type ClosedRound } from './events.js';
import { SgdOptimizer } from './optimizer.js';
import { RoundEngine, SERVES_PER_ROUND } from './round.js';

function engine(settings: { quorum?: number; roundDeadlineMs?: number } = {}) {
  const events = new ServerEvents((_name, error) => {
    throw error;
  });
  const closed: ClosedRound[] = [];
  const quorumWaits: { round: number; received: number; quorum: number }[] = [];
  const evictions: { worker: string; round: number; probation: number }[] = [];
  events.on('roundClosed', (round) => closed.push(round));
  events.on('quorumWait', (wait) => quorumWaits.push(wait));
  events.on('workerEvicted', (eviction) => evictions.push(eviction));
  events.on('aggregationFailed', ({ error }) => {
    throw error;
  });
  const released: Float32Array[] = [];
  const rounds = new RoundEngine({
    settings: { quorum: settings.quorum ?? 0, roundDeadlineMs: settings.roundDeadlineMs ?? 1000, maxWorkers: 8 },
    aggregator: createAggregator({ name: 'mean', f: 0 }),
    optimizer: new SgdOptimizer({ learningRate: 0.5, momentum: 0, weightDecay: 0, lrDecayFactor: 1, lrDecayEveryRounds: 100 }),
    parameters: new Float32Array([1, 1]),
    events,
    releaseGradient: (gradient) => released.push(gradient),
  });
  return { rounds, released, closed, quorumWaits, evictions };
}

const awaitedNames = (rounds: RoundEngine) => rounds.workers().filter((worker) => worker.awaited).map((worker) => worker.name);

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
    lease.refuse();
    expect(() => { rounds.beginPush(a, 0).refuse(); }).not.toThrow();
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
    expect(awaitedNames(rounds)).toEqual(['a', 'b']);
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
    expect(rounds.workers().find((worker) => worker.id === c)?.awaited).toBe(false);
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

  it('does not wait for a worker whose push for the round was refused', async () => {
    vi.useFakeTimers();
    const { rounds, closed } = engine();
    const a = rounds.join('a').workerId;
    const b = rounds.join('b').workerId;
    rounds.beginPush(a, 0).complete(new Float32Array([2, 2]));
    await settle();
    expect(rounds.round).toBe(0);
    rounds.beginPush(b, 0).refuse();
    await settle();
    expect(closed[0]).toMatchObject({ round: 0, workerNames: ['a'], closedByDeadline: false });
    // b answered, so it keeps its place; a refusal for a closed round changes nothing.
    expect(awaitedNames(rounds)).toEqual(['a', 'b']);
  });

  it('after the first round, neither joining nor pulling makes a round wait for a worker', async () => {
    vi.useFakeTimers();
    const { rounds, closed } = engine();
    const a = rounds.join('a').workerId;
    rounds.beginPush(a, 0).complete(new Float32Array([2, 2]));
    await settle();
    const idle = rounds.join('idle').workerId;
    const waiting = rounds.awaitParameters(5, new AbortController().signal, { workerId: idle });
    (await waiting).release();
    rounds.beginPush(a, 1).complete(new Float32Array([2, 2]));
    await settle();
    expect(closed.map((round) => round.closedByDeadline)).toEqual([false, false]);
    expect(awaitedNames(rounds)).toEqual(['a']);
  });

  it('answers a long poll when its round opens, and at once for a worker that owes the open round a gradient', async () => {
    vi.useFakeTimers();
    const { rounds } = engine();
    const a = rounds.join('a').workerId;
    const b = rounds.join('b').workerId;
    const signal = new AbortController().signal;
    // b is ahead (as after a server restart that lost its push): it gets θ of round 0 to push for.
    const resync = await rounds.awaitParameters(3, signal, { workerId: b });
    expect(resync.round).toBe(0);
    resync.release();
    rounds.beginPush(a, 0).complete(new Float32Array([2, 2]));
    let answered: number | undefined;
    const waiting = rounds.awaitParameters(1, signal, { workerId: a }).then((borrowed) => {
      answered = borrowed.round;
      borrowed.release();
    });
    await settle();
    expect(answered).toBeUndefined();
    rounds.beginPush(b, 0).complete(new Float32Array([0, 0]));
    await waiting;
    expect(answered).toBe(1);
    await rounds.waitForRound(1, signal);
  });

  it('ends a long poll with the abort reason, and every waiter with a shutdown error when stopped', async () => {
    const { rounds } = engine();
    const a = rounds.join('a').workerId;
    rounds.beginPush(a, 0).complete(new Float32Array([1, 1]));
    const controller = new AbortController();
    const aborted = rounds.awaitParameters(1, controller.signal, { workerId: a });
    controller.abort(new Error('client went away'));
    await expect(aborted).rejects.toThrow('client went away');
    const pending = rounds.waitForRound(5, new AbortController().signal);
    await rounds.stop();
    await expect(pending).rejects.toThrow(/shutting down/);
  });

  it('hands a reader θ of a round once, a worker that joins again once more; further requests wait for the next round', async () => {
    vi.useFakeTimers();
    const { rounds } = engine();
    const a = rounds.join('a').workerId;
    const spinner = rounds.join('spinner').workerId;
    const signal = new AbortController().signal;
    const answer = (reader: { workerId: number } | { peer: string }, wait = signal) => {
      const outcome: { round?: number } = {};
      const done = rounds.awaitParameters(0, wait, reader).then((borrowed) => {
        outcome.round = borrowed.round;
        borrowed.release();
      });
      return { outcome, done };
    };
    (await rounds.awaitParameters(0, signal, { workerId: spinner })).release();
    (await rounds.awaitParameters(0, signal, { peer: '127.0.0.1:5000' })).release();
    const observerAgain = answer({ peer: '127.0.0.1:5000' });
    const cancel = new AbortController();
    const workerAgain = answer({ workerId: spinner }, cancel.signal);
    await settle();
    expect([observerAgain.outcome.round, workerAgain.outcome.round]).toEqual([undefined, undefined]);
    cancel.abort(new Error('gave up'));
    await expect(workerAgain.done).rejects.toThrow('gave up');
    // Joining again earns one more θ of the round (a restarted worker), and only one.
    rounds.join('spinner');
    (await rounds.awaitParameters(0, signal, { workerId: spinner })).release();
    rounds.join('spinner');
    expect(SERVES_PER_ROUND).toBe(2);
    const third = answer({ workerId: spinner });
    await settle();
    expect(third.outcome.round).toBeUndefined();
    // Another connection is another reader.
    (await rounds.awaitParameters(0, signal, { peer: '127.0.0.1:5001' })).release();
    rounds.beginPush(a, 0).complete(new Float32Array([1, 1]));
    rounds.beginPush(spinner, 0).complete(new Float32Array([1, 1]));
    await Promise.all([observerAgain.done, third.done]);
    expect([observerAgain.outcome.round, third.outcome.round]).toEqual([1, 1]);
  });
});
