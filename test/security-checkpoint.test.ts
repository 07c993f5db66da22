import { readdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { CheckpointStore, type Checkpoint } from '../services/checkpoint.js';
import { cleanupAfterEach } from './cleanup.js';
import { ScriptedWorker, startTestServer } from './server-harness.js';

const DIMENSION = 6;
const cleanup = cleanupAfterEach();
let directory: string;

beforeEach(async () => {
  directory = await cleanup.directory('byzps-checkpoint-');
});

/** A checkpoint of this suite's run (synthetic task, seed 1) at `round`, with θ filled with `round`. */
function checkpointAt(round: number): Checkpoint {
  return {
    round,
    task: 'synthetic',
    dimension: DIMENSION,
    seed: 1,
    rule: 'mean',
    parameters: new Float32Array(DIMENSION).fill(round),
    velocity: new Float32Array(DIMENSION).fill(-round),
    ruleState: undefined,
    workers: [{ id: 1, name: 'alpha' }, { id: 2, name: 'beta' }],
  };
}

describe('damaged checkpoints at server start', () => {
  it('skips a truncated newest checkpoint with one error line naming the file and the problem, and resumes from the one before', async () => {
    const store = new CheckpointStore(directory);
    await store.write(checkpointAt(4));
    const newest = await store.write(checkpointAt(7));
    await truncate(newest, 100);

    const server = cleanup.add(await startTestServer({ dimension: DIMENSION, checkpointDir: directory, momentum: 0.5 }));
    const errors = server.logLines.filter((line) => line.includes('"level":50'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/skipping damaged checkpoint checkpoint-0000000007\.bin: checksum mismatch \(truncated or corrupt\)/);
    expect(server.handle.engine.round).toBe(4);
    expect([...server.handle.engine.parameters]).toEqual(new Array<number>(DIMENSION).fill(4));
    // Workers keep the ids the checkpoint recorded.
    const client = cleanup.add(new ScriptedWorker(server.address));
    expect((await client.join('beta')).workerId).toBe(2);
    expect((await client.join('gamma')).workerId).toBe(3);
    expect((await readdir(directory)).sort()).toEqual(['checkpoint-0000000004.bin', 'checkpoint-0000000007.bin.corrupt']);
  });

  it('starts afresh when no checkpoint verifies, reporting each damaged file', async () => {
    await writeFile(join(directory, 'checkpoint-0000000002.bin'), 'not a checkpoint at all');
    const store = new CheckpointStore(directory);
    const only = await store.write(checkpointAt(1));
    await writeFile(only, Buffer.concat([Buffer.from('BYZPSCK1'), Buffer.alloc(64, 7)]));

    const server = cleanup.add(await startTestServer({ dimension: DIMENSION, checkpointDir: directory }));
    const errors = server.logLines.filter((line) => line.includes('"level":50'));
    expect(errors.map((line) => /skipping damaged checkpoint (\S+): ([^;]+);/.exec(line)?.slice(1))).toEqual([
      ['checkpoint-0000000002.bin', 'not a byzps checkpoint'],
      ['checkpoint-0000000001.bin', 'checksum mismatch (truncated or corrupt)'],
    ]);
    expect(server.handle.engine.round).toBe(0);
  });
});
