import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeNpy } from '../runtime/npy.js';
import { cleanupAfterEach } from './cleanup.js';
import { expectOneLineFailure, runCli } from './cli-process.js';
import { eventually, ScriptedWorker, startTestServer } from './server-harness.js';

/*
 * A model only its workers know: `--task external --initial-parameters θ₀.npy` gives the server d
 * and θ₀, nothing else.
 */

const cleanup = cleanupAfterEach();
let directory: string;
const theta0 = Float32Array.from({ length: 1000 }, (_, j) => Math.sin(j) / 10);

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'byzps-external-'));
  await writeFile(join(directory, 'theta.npy'), encodeNpy(theta0));
  await writeFile(join(directory, 'float64.npy'), encodeNpy(Float64Array.from(theta0)));
  await writeFile(join(directory, 'matrix.npy'), encodeNpy(theta0, [10, 100]));
  await writeFile(join(directory, 'nan.npy'), encodeNpy(Float32Array.from([1, Number.NaN, 3])));
  await writeFile(join(directory, 'text.npy'), 'not numpy');
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('byzps ps --task external', () => {
  it('takes d and θ₀ from the .npy file and trains with the server-side optimizer', async () => {
    const server = cleanup.add(await startTestServer({ task: 'external', initialParameters: join(directory, 'theta.npy'), learningRate: 0.5 }));
    const worker = new ScriptedWorker(server.address);
    const joined = await worker.join('torch-0');
    expect(joined).toMatchObject({ task: 'external', dimension: 1000, round: 0 });
    const { round, theta } = await worker.pull(joined.workerId);
    expect(round).toBe(0);
    expect(Array.from(theta)).toEqual(Array.from(theta0));
    expect(await worker.push(joined.workerId, 0, theta)).toEqual({ ok: true, round: 0 });
    await eventually(() => server.handle.engine.round === 1, 'round 0 closes');
    // θ₁ = θ₀ − 0.5·θ₀.
    expect(Array.from((await worker.pull(joined.workerId, 1)).theta)).toEqual(Array.from(theta0, (value) => Math.fround(value - Math.fround(0.5 * value))));
    worker.close();
  });

  it.each([
    [['--task', 'external'], /needs --initial-parameters FILE\.npy/],
    [['--task', 'external', '--initial-parameters', '/nonexistent/theta.npy'], /--initial-parameters \/nonexistent\/theta\.npy: cannot read it \(ENOENT\)/],
    [['--task', 'external', '--initial-parameters', 'DIR/text.npy'], /text\.npy: not a \.npy file/],
    [['--task', 'external', '--initial-parameters', 'DIR/float64.npy'], /float64\.npy: holds float64, the server needs float32/],
    [['--task', 'external', '--initial-parameters', 'DIR/matrix.npy'], /matrix\.npy: has shape \(10, 100\), the server needs a 1-D vector/],
    [['--task', 'external', '--initial-parameters', 'DIR/nan.npy'], /nan\.npy: value 1 is NaN, every value must be finite/],
    [['--task', 'external', '--initial-parameters', 'DIR/theta.npy', '--dimension', '1000'], /takes d from --initial-parameters: leave --dimension, --hidden and --data-dir unset/],
    [['--task', 'external', '--initial-parameters', 'DIR/theta.npy', '--eval-every-rounds', '5'], /--eval-every-rounds needs a built-in task: an external model is evaluated by an evaluator process/],
    [['--initial-parameters', 'DIR/theta.npy'], /--initial-parameters is for --task external/],
  ])('refuses %j with one line and exit code 2', (args, message) => {
    const run = runCli(['ps', '--grpc-port', '0', '--http-port', '0', ...args.map((arg) => arg.replace('DIR', directory))]);
    expectOneLineFailure(run, 2, message);
  });
});
