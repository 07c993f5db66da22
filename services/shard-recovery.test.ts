import { describe, expect, it } from 'vitest';
import { newestCommonRound, type ShardStanding } from './shard-recovery.js';

const standing = (shard: number, round: number, checkpointRounds: number[] = []): ShardStanding => ({ shard, round, checkpointRounds });

describe('newestCommonRound: the round every shard can open', () => {
  it('is the open round when every shard has it open', () => {
    expect(newestCommonRound([standing(0, 7, [6]), standing(1, 7), standing(2, 7, [6, 3])])).toBe(7);
  });

  it('goes back to the newest checkpoint that every shard holds when one shard restarted from an older one', () => {
    // Shard 1 was killed at round 9 and resumed from its checkpoint of round 8; the others held 8 and 4 too.
    expect(newestCommonRound([standing(0, 9, [8, 4]), standing(1, 8, [8, 4]), standing(2, 9, [8, 4])])).toBe(8);
  });

  it('takes a shard one round ahead back to the round the others still have open', () => {
    // Shard 2 applied round 5 before the coordinator failed: it is at 6 and holds a checkpoint of 5.
    expect(newestCommonRound([standing(0, 5, [4]), standing(1, 5, [4]), standing(2, 6, [5, 4])])).toBe(5);
  });

  it('is undefined when no round is common to all shards', () => {
    expect(newestCommonRound([standing(0, 30, [30, 20]), standing(1, 0)])).toBeUndefined();
    expect(newestCommonRound([])).toBeUndefined();
  });

  it('agrees with a brute-force search over every round up to the newest', () => {
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let trial = 0; trial < 200; trial++) {
      const standings = Array.from({ length: 1 + Math.floor(next() * 4) }, (_, shard) => {
        const round = Math.floor(next() * 12);
        return standing(shard, round, Array.from({ length: round }, (_, r) => r).filter(() => next() < 0.4));
      });
      const holds = (s: ShardStanding, round: number) => s.round === round || s.checkpointRounds.includes(round);
      let expected: number | undefined;
      for (let round = 0; round < 12; round++) if (standings.every((s) => holds(s, round))) expected = round;
      expect(newestCommonRound(standings)).toBe(expected);
    }
  });
});
