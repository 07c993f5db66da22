import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServiceError } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvaluationReport } from '../proto/protocol.js';
import { encodeNpy } from '../runtime/npy.js';
import { cleanupAfterEach } from './cleanup.js';
import { expectOneLineFailure, runCli } from './cli-process.js';
import { ADMIN_TOKEN, bearer, eventually, metricValue, scrape, ScriptedWorker, startTestServer, WORKER_TOKEN } from './server-harness.js';

/*
 * A model only its workers know: `--task external --initial-parameters θ₀.npy` gives the server d
 * and θ₀, nothing else; an evaluator reports how θ does with ReportEvaluation, and the report shows
 * in the server's evaluation metrics.
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

function report(worker: ScriptedWorker, request: EvaluationReport, token: string | undefined): Promise<{ round: number } | { code: number; details: string }> {
  return new Promise((resolve) => {
    worker.client.reportEvaluation(request, bearer(token), (error: ServiceError | null, reply) => {
      if (error !== null) resolve({ code: error.code, details: error.details });
      else resolve({ round: reply!.round });
    });
  });
}

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

describe('ReportEvaluation', () => {
  it("publishes an evaluator's loss, accuracy and round as the server's evaluation metrics", async () => {
    const server = cleanup.add(await startTestServer({ task: 'external', initialParameters: join(directory, 'theta.npy') }));
    const evaluated: unknown[] = [];
    server.handle.events.on('evaluated', (event) => evaluated.push(event));
    const evaluator = new ScriptedWorker(server.address);
    expect(await report(evaluator, { round: 0, loss: 0.75, accuracy: 0.81, hasAccuracy: true, seconds: 1.5, evaluator: 'eval-1' }, WORKER_TOKEN)).toEqual({ round: 0 });
    const samples = await scrape(server.handle.httpPort);
    expect(metricValue(samples, 'byzps_eval_loss')).toBe(0.75);
    expect(metricValue(samples, 'byzps_eval_accuracy')).toBe(0.81);
    expect(metricValue(samples, 'byzps_eval_round')).toBe(0);
    expect(evaluated).toEqual([{ round: 0, loss: 0.75, accuracy: 0.81, seconds: 1.5, evaluator: 'eval-1' }]);
    // A model that does not classify leaves accuracy out; an accuracy without has_accuracy is not read.
    expect(await report(evaluator, { round: 0, loss: 0.5, accuracy: 0.3 }, WORKER_TOKEN)).toEqual({ round: 0 });
    expect(evaluated[1]).toEqual({ round: 0, loss: 0.5, seconds: 0, evaluator: 'evaluator' });
    evaluator.close();
  });

  it.each([
    [{ round: 3, loss: 1 }, /round 3 has not opened yet \(the open round is 0\)/],
    [{ round: 0, loss: Number.NaN }, /loss must be finite/],
    [{ round: 0, loss: 1, accuracy: 1.5, hasAccuracy: true }, /accuracy must be in \[0, 1\], got 1\.5/],
    [{ round: 0, loss: 1, seconds: -1 }, /seconds must be finite and ≥ 0/],
    [{ round: 0, loss: 1, evaluator: 'a b' }, /evaluator must be 1–64 characters/],
  ])('refuses the implausible report %j with INVALID_ARGUMENT', async (request, message) => {
    const server = cleanup.add(await startTestServer({ dimension: 8 }));
    const evaluator = new ScriptedWorker(server.address);
    const outcome = await report(evaluator, request, WORKER_TOKEN);
    expect(outcome).toMatchObject({ code: status.INVALID_ARGUMENT });
    expect((outcome as { details: string }).details).toMatch(message);
    expect(metricValue(await scrape(server.handle.httpPort), 'byzps_eval_loss')).toBeNaN();
    evaluator.close();
  });

  it('takes only the admin token when the server has one: a worker cannot fake the evaluation', async () => {
    const server = cleanup.add(await startTestServer({ dimension: 8, adminToken: ADMIN_TOKEN }));
    const evaluator = new ScriptedWorker(server.address);
    expect(await report(evaluator, { round: 0, loss: 1 }, WORKER_TOKEN)).toMatchObject({ code: status.PERMISSION_DENIED });
    expect(await report(evaluator, { round: 0, loss: 1 }, 'guess')).toMatchObject({ code: status.UNAUTHENTICATED });
    expect(await report(evaluator, { round: 0, loss: 1 }, undefined)).toMatchObject({ code: status.UNAUTHENTICATED });
    expect(metricValue(await scrape(server.handle.httpPort), 'byzps_eval_loss')).toBeNaN();
    expect(await report(evaluator, { round: 0, loss: 1 }, ADMIN_TOKEN)).toEqual({ round: 0 });
    expect(metricValue(await scrape(server.handle.httpPort), 'byzps_eval_loss')).toBe(1);
    evaluator.close();
  });
});
