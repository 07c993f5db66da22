import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Checkpoint, CheckpointStore, shardCheckpointDirectory } from '../services/checkpoint.js';
import { decodeNpy } from '../runtime/npy.js';
import { runCliAsync } from './cli-spawn.js';

/*
 * `byzps checkpoint export` on checkpoint files written by the server's own store: θ of the newest
 * round every shard holds, put together from the shards' ranges, compared with the θ the test made
 * the ranges from; and one line with exit code 1 for each directory that cannot give θ.
 */

const D = 10;
/** Two shards: [0, 6) and [6, 10). */
const CUT = 6;

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'byzps-export-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** θ of `round` as the test defines it: every coordinate names its round and position. */
function thetaOf(round: number): Float32Array {
  return Float32Array.from({ length: D }, (_, i) => round + i / 16);
}

function checkpoint(round: number, shard?: { index: number; start: number; end: number }, dimension = D): Checkpoint {
  const whole = thetaOf(round);
  return {
    round,
    task: 'synthetic',
    dimension,
    seed: 1,
    rule: 'median',
    parameters: shard === undefined ? whole : whole.slice(shard.start, shard.end),
    velocity: undefined,
    ruleState: undefined,
    workers: [],
    ...(shard === undefined ? {} : { shard: { ...shard, count: 2, stateRound: round - 1 } }),
  };
}

const shards = [
  { index: 0, start: 0, end: CUT },
  { index: 1, start: CUT, end: D },
];

async function writeShards(roundsPerShard: readonly (readonly number[])[]): Promise<void> {
  for (const [index, rounds] of roundsPerShard.entries()) {
    const store = new CheckpointStore(shardCheckpointDirectory(directory, index), 5);
    for (const round of rounds) await store.write(checkpoint(round, shards[index]));
  }
}

async function exportTheta(...extra: string[]): Promise<{ code: number | string; stdout: string; stderr: string; theta?: Float32Array }> {
  const output = join(directory, 'theta.npy');
  const result = await runCliAsync(['checkpoint', 'export', ...extra, '--output', output]);
  if (result.code !== 0) return result;
  return { ...result, theta: decodeNpy(await readFile(output)).data as Float32Array };
}

describe('byzps checkpoint export', () => {
  it('writes θ of the newest round that every shard holds, whole', async () => {
    // Shard 1 was killed before it wrote round 9.
    await writeShards([[7, 8, 9], [7, 8]]);
    const { code, stdout, theta } = await exportTheta(directory);
    expect(code).toBe(0);
    expect(stdout).toBe(`wrote θ of round 8 (synthetic, d = ${D}, from 2 shards) to ${join(directory, 'theta.npy')}\n`);
    expect(Array.from(theta!)).toEqual(Array.from(thetaOf(8)));
  });

  it('writes the round asked for, or says which rounds there are', async () => {
    await writeShards([[7, 8], [7, 8]]);
    expect(Array.from((await exportTheta(directory, '--round', '7')).theta!)).toEqual(Array.from(thetaOf(7)));
    const missing = await exportTheta(directory, '--round', '3');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('round 3 has no checkpoint in every shard');
    expect(missing.stderr).toContain('shard 0: 8 7; shard 1: 8 7');
  });

  it('passes over a damaged checkpoint for the next older round every shard holds, and changes no file', async () => {
    await writeShards([[7, 8], [7, 8]]);
    const damaged = join(shardCheckpointDirectory(directory, 1), 'checkpoint-0000000008.bin');
    const bytes = await readFile(damaged);
    bytes[bytes.length - 40]! ^= 0xff;
    await writeFile(damaged, bytes);
    const { code, stderr, theta } = await exportTheta(directory);
    expect(code).toBe(0);
    expect(stderr).toContain('passed over round 8');
    expect(Array.from(theta!)).toEqual(Array.from(thetaOf(7)));
    expect((await readFile(damaged)).equals(bytes)).toBe(true);
  });

  it("exports an unsharded server's directory as it is", async () => {
    const store = new CheckpointStore(directory);
    await store.write(checkpoint(4));
    await store.write(checkpoint(5));
    const { code, stdout, theta } = await exportTheta(directory);
    expect(code).toBe(0);
    expect(stdout).toContain(`θ of round 5 (synthetic, d = ${D})`);
    expect(Array.from(theta!)).toEqual(Array.from(thetaOf(5)));
  });

  it('refuses, in one line, directories that cannot give θ whole', async () => {
    const empty = await exportTheta(directory);
    expect([empty.code, empty.stderr]).toEqual([1, expect.stringContaining('holds no checkpoint files') as string]);

    await writeShards([[7], []]);
    const lost = await exportTheta(directory);
    expect(lost.code).toBe(1);
    expect(lost.stderr).toContain(`${shardCheckpointDirectory(directory, 1)} holds none`);

    await writeShards([[], [7]]);
    const oneShard = await exportTheta(shardCheckpointDirectory(directory, 1));
    expect(oneShard.code).toBe(1);
    expect(oneShard.stderr).toContain('holds shard 1 of 2');

    const other = new CheckpointStore(shardCheckpointDirectory(directory, 1), 5);
    await other.write(checkpoint(9, shards[1], D + 1));
    await new CheckpointStore(shardCheckpointDirectory(directory, 0), 5).write(checkpoint(9, shards[0]));
    const mismatched = await exportTheta(directory, '--round', '9');
    expect(mismatched.code).toBe(1);
    expect(mismatched.stderr).toContain("shard 1's checkpoint is of synthetic (d = 11");

    const usage = await runCliAsync(['checkpoint', 'export', directory]);
    expect(usage.code).toBe(2);
    expect(usage.stderr.trim().split('\n')).toHaveLength(1);
  });
});
