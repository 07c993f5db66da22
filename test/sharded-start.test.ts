import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listRules } from '../aggregators/index.js';
import { decodeNpy } from '../runtime/npy.js';
import { runCliAsync } from './cli-spawn.js';

/*
 * Sharding leaves training unchanged, end to end through the command line: for every rule,
 * `byzps start --shards 3` and `--shards 1` with the same seed, honest workers and every round
 * waiting for all of them (--quorum), then `byzps checkpoint export --round 120` of each run. θ of
 * round 120 must agree within 1e-6 (relative), and bit for bit for the coordinate-wise rules and the
 * rules that select whole gradients, whose sharded forms do the same arithmetic.
 */

const ROUNDS = 120;
const WORKERS = 7;
/** Every rule's sharded form repeats the unsharded rule's bits except where sums over K's entries may be ordered otherwise. */
const WITHIN_TOLERANCE = new Set(['flag', 'geometric-median', 'centered-clipping']);
const RELATIVE_TOLERANCE = 1e-6;

let directory: string | undefined;
afterAll(async () => {
  if (directory !== undefined) await rm(directory, { recursive: true, force: true });
});

/** A cluster's settings, less --shards. */
interface Run {
  readonly name: string;
  readonly rounds: number;
  readonly args: readonly string[];
}

function honestRun(rule: string): Run {
  return {
    name: rule,
    rounds: ROUNDS,
    args: ['--task', 'synthetic', '--dimension', '10000', '--seed', '5', '--rule', rule, '--f', '1', '--workers', String(WORKERS), '--byzantine', '0', '--quorum', String(WORKERS)],
  };
}

/** Trains with `byzps start` and exports θ of the run's last round with `byzps checkpoint export`. */
async function thetaAfterStart(run: Run, shards: number): Promise<Float32Array> {
  directory ??= await mkdtemp(join(tmpdir(), 'byzps-sharded-start-'));
  const checkpoints = join(directory, `${run.name}-${shards}`);
  const started = await runCliAsync([
    'start',
    ...run.args,
    ...['--round-deadline-ms', '120000', '--rounds', String(run.rounds), '--shards', String(shards), '--checkpoint-dir', checkpoints, '--checkpoint-every-rounds', String(run.rounds)],
  ]);
  expect(started.code, `byzps start --shards ${shards}, ${run.name}: ${started.stderr}`).toBe(0);
  const output = join(directory, `${run.name}-${shards}.npy`);
  const exported = await runCliAsync(['checkpoint', 'export', checkpoints, '--round', String(run.rounds), '--output', output]);
  expect(exported.code, exported.stderr).toBe(0);
  expect(exported.stdout).toContain(`θ of round ${run.rounds} `);
  const { data } = decodeNpy(await readFile(output));
  return data as Float32Array;
}

function relativeDifference(a: Float32Array, b: Float32Array): number {
  let difference = 0;
  let norm = 0;
  for (let i = 0; i < a.length; i++) {
    difference += (a[i]! - b[i]!) ** 2;
    norm += a[i]! ** 2;
  }
  return Math.sqrt(difference / norm);
}

describe('byzps start --shards 3 trains to the θ of --shards 1', () => {
  it.each(listRules().map((rule) => rule.name))('%s', async (rule) => {
    const [unsharded, sharded] = await Promise.all([thetaAfterStart(honestRun(rule), 1), thetaAfterStart(honestRun(rule), 3)]);
    expect(sharded.length).toBe(unsharded.length);
    if (WITHIN_TOLERANCE.has(rule)) expect(relativeDifference(sharded, unsharded)).toBeLessThanOrEqual(RELATIVE_TOLERANCE);
    else expect(Buffer.from(sharded.buffer).equals(Buffer.from(unsharded.buffer)), `${rule}: θ of round ${ROUNDS} bit for bit`).toBe(true);
  }, 300_000);

  it('under attack: fashion-mnist, flag, 2 of 8 workers sign-flip', async () => {
    // Same θ, same accuracy: the evaluation is a function of θ.
    const attacked: Run = {
      name: 'fashion-mnist-attacked',
      rounds: 100,
      args: ['--task', 'fashion-mnist', '--rule', 'flag', '--f', '2', '--workers', '8', '--byzantine', '2', '--attack', 'sign-flip', '--quorum', '8'],
    };
    const [unsharded, sharded] = await Promise.all([thetaAfterStart(attacked, 1), thetaAfterStart(attacked, 3)]);
    expect(relativeDifference(sharded, unsharded)).toBeLessThanOrEqual(RELATIVE_TOLERANCE);
  }, 300_000);
});
