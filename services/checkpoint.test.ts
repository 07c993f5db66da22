import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointStore, decodeCheckpoint, encodeCheckpoint, type Checkpoint } from './checkpoint.js';

function checkpointAt(round: number): Checkpoint {
  return {
    round,
    task: 'synthetic',
    dimension: 3,
    seed: 7,
    rule: 'centered-clipping',
    parameters: new Float32Array([round, -1.5, 1e-30]),
    velocity: new Float32Array([0.25, 0, -2]),
    ruleState: { previous: new Float64Array([1 / 3, 2, Math.PI]), steps: 4 },
    workers: [{ id: 1, name: 'a' }, { id: 3, name: 'c' }],
  };
}

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'byzps-checkpoint-'));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('checkpoint encoding', () => {
  it('round-trips θ, velocity, rule state and workers bit for bit', () => {
    const original = checkpointAt(5);
    const decoded = decodeCheckpoint(encodeCheckpoint(original));
    expect(decoded).toEqual(original);
    expect(decoded.parameters).toBeInstanceOf(Float32Array);
    expect(decoded.ruleState?.previous).toBeInstanceOf(Float64Array);
  });

  it('keeps "no velocity" and "no rule state" apart from empty ones', () => {
    const decoded = decodeCheckpoint(encodeCheckpoint({ ...checkpointAt(1), velocity: undefined, ruleState: undefined }));
    expect(decoded.velocity).toBeUndefined();
    expect(decoded.ruleState).toBeUndefined();
  });

  it('detects a flipped bit anywhere and a truncated file', () => {
    const bytes = encodeCheckpoint(checkpointAt(2));
    for (const position of [0, 20, bytes.length - 40, bytes.length - 1]) {
      const damaged = Buffer.from(bytes);
      damaged[position]! ^= 0x10;
      expect(() => decodeCheckpoint(damaged)).toThrow(/checksum mismatch|not a byzps checkpoint/);
    }
    expect(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 5))).toThrow(/checksum mismatch/);
  });
});

describe('CheckpointStore', () => {
  it('keeps the newest two and leaves no temporary files', async () => {
    const store = new CheckpointStore(directory);
    for (const round of [1, 2, 3, 4]) await store.write(checkpointAt(round));
    expect((await readdir(directory)).sort()).toEqual(['checkpoint-0000000003.bin', 'checkpoint-0000000004.bin']);
    expect((await store.loadNewest()).checkpoint?.round).toBe(4);
  });

  it('skips a damaged newest checkpoint, reports it, sets it aside and resumes from the one before', async () => {
    const store = new CheckpointStore(directory);
    await store.write(checkpointAt(1));
    const newest = await store.write(checkpointAt(2));
    const bytes = await readFile(newest);
    await writeFile(newest, bytes.subarray(0, 100));
    const { checkpoint, skipped } = await store.loadNewest();
    expect(checkpoint?.round).toBe(1);
    expect(skipped).toEqual([{ file: 'checkpoint-0000000002.bin', problem: 'checksum mismatch (truncated or corrupt)' }]);
    expect((await readdir(directory)).sort()).toEqual(['checkpoint-0000000001.bin', 'checkpoint-0000000002.bin.corrupt']);
  });

  it('finds nothing in a directory that does not exist yet', async () => {
    expect(await new CheckpointStore(join(directory, 'missing')).loadNewest()).toEqual({ checkpoint: undefined, skipped: [] });
  });
});
