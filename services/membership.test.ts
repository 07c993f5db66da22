import { describe, expect, it } from 'vitest';
import { MAX_PROBATION, Membership } from './membership.js';

/** Closes one round in which `pushed` pushed and `refused` were refused. */
function closeRound(members: Membership, pushed: readonly number[], refused: readonly number[] = []) {
  return members.roundClosed(
    (id) => pushed.includes(id),
    (id) => pushed.includes(id) || refused.includes(id),
  );
}

const awaited = (members: Membership) => members.list().filter((member) => member.awaited).map((member) => member.name);

describe('Membership', () => {
  it('awaits every worker that joins while bootstrapping, and after that only workers with an accepted push', () => {
    const members = new Membership(8);
    const early = members.join('early', true).member;
    const late = members.join('late', false).member;
    expect(awaited(members)).toEqual(['early']);
    expect(members.missing(() => false).map((member) => member.name)).toEqual(['early']);
    members.accepted(late, 1000);
    expect(awaited(members)).toEqual(['early', 'late']);
    expect(late.lastPushUnixMs).toBe(1000);
    expect(early.awaited).toBe(true);
  });

  it('never awaits a worker for joining again, pulling or being refused', () => {
    const members = new Membership(8);
    const idle = members.join('idle', false).member;
    expect(members.join('idle', false)).toEqual({ member: idle, rejoined: true });
    // A refused push responds for the round but earns nothing.
    expect(closeRound(members, [], [idle.id])).toEqual([]);
    expect(awaited(members)).toEqual([]);
  });

  it('evicts an awaited worker that neither pushed nor was refused, with a probation that doubles per eviction up to the cap', () => {
    const members = new Membership(8);
    const staller = members.join('staller', true).member;
    const probations: number[] = [];
    for (let eviction = 0; eviction < 19; eviction++) {
      const [evicted] = closeRound(members, []);
      expect(evicted?.name).toBe('staller');
      probations.push(evicted!.probation);
      // Serve the probation: that many accepted pushes in a row, each in a closed round.
      for (let push = 0; push < evicted!.probation; push++) {
        expect(staller.awaited).toBe(false);
        members.accepted(staller, 0);
        closeRound(members, [staller.id]);
      }
      expect(staller.awaited).toBe(true);
    }
    expect(probations).toEqual([...Array.from({ length: 17 }, (_, k) => 2 ** k), MAX_PROBATION, MAX_PROBATION]);
    expect(MAX_PROBATION).toBe(2 ** 16);
  });

  it('keeps an awaited worker that was refused, since it answered for the round', () => {
    const members = new Membership(8);
    const refused = members.join('refused', true).member;
    expect(closeRound(members, [], [refused.id])).toEqual([]);
    expect(refused.awaited).toBe(true);
  });

  it('restarts a probation that a missed round interrupts, since it counts pushes in a row', () => {
    const members = new Membership(8);
    const flaky = members.join('flaky', true).member;
    closeRound(members, []);
    closeRound(members, []);
    members.accepted(flaky, 0);
    closeRound(members, [flaky.id]);
    closeRound(members, []);
    closeRound(members, []);
    closeRound(members, []);
    expect(flaky.strikes).toBe(2);
    // Second eviction: 2 pushes in a row. One, then a missed round, then two.
    expect(flaky.probation).toBe(2);
    members.accepted(flaky, 0);
    closeRound(members, [flaky.id]);
    closeRound(members, []);
    expect(flaky.probation).toBe(2);
    members.accepted(flaky, 0);
    closeRound(members, [flaky.id]);
    members.accepted(flaky, 0);
    expect(flaky.awaited).toBe(true);
  });

  it('refuses names outside the alphabet and workers beyond the maximum, and keeps ids across a restart', () => {
    const members = new Membership(2);
    expect(() => members.join('no spaces', false)).toThrow(/must be 1–64 characters/);
    members.adopt([{ id: 7, name: 'seven' }]);
    expect(members.get(7)).toMatchObject({ name: 'seven', awaited: true });
    expect(members.join('next', false).member.id).toBe(8);
    expect(() => members.join('third', false)).toThrow(/2 workers have joined/);
    expect(() => members.get(99)).toThrow(/worker id 99 has not joined/);
  });
});
