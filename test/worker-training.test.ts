import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SyntheticTask } from '../tasks/synthetic.js';
import { cleanupAfterEach } from './cleanup.js';
import { eventually, metricValue, scrape, startTestServer } from './server-harness.js';
import { startTestWorker, type TestWorker } from './worker-harness.js';

const cleanup = cleanupAfterEach();

function closeWorker(worker: TestWorker): TestWorker {
  return cleanup.add(worker, (started) => started.handle.close());
}

describe('worker training loop', () => {
  it('three honest workers join, pull, push every round and bring the synthetic loss down', async () => {
    const d = 200;
    const server = cleanup.add(await startTestServer({ dimension: d, learningRate: 0.5, seed: 3 }));
    const workers = await Promise.all(['w0', 'w1', 'w2'].map(async (name) => closeWorker(await startTestWorker(server.address, { name, workers: 3, seed: 3 }))));
    const task = new SyntheticTask({ dimension: d, seed: 3 });
    const before = task.evaluate(server.handle.engine.parameters).loss;
    await eventually(() => server.handle.engine.round >= 20, 'twenty rounds close', 20_000);
    const after = task.evaluate(server.handle.engine.parameters).loss;
    console.log(`synthetic d=${d}: loss ${before.toFixed(4)} → ${after.toFixed(4)} (floor ${task.lossFloor().toFixed(4)})`);
    expect(after - task.lossFloor()).toBeLessThan(0.2 * (before - task.lossFloor()));
    for (const worker of workers) expect(worker.handle.loop.stepsDone).toBeGreaterThanOrEqual(19);
  });

  it('serves its metrics: steps, loss, push latency, the active attack and Node’s defaults; /healthz answers 200', async () => {
    const server = cleanup.add(await startTestServer({ dimension: 50 }));
    const worker = closeWorker(await startTestWorker(server.address, { name: 'solo', workers: 1, attack: 'scaled', attackParam: { k: '2' } }));
    await eventually(() => worker.handle.loop.stepsDone >= 3, 'three steps');
    const samples = await scrape(worker.handle.httpPort);
    expect(metricValue(samples, 'byzps_worker_steps_total')).toBeGreaterThanOrEqual(3);
    expect(metricValue(samples, 'byzps_worker_push_duration_seconds_count')).toBeGreaterThanOrEqual(3);
    expect(Number.isFinite(metricValue(samples, 'byzps_worker_loss'))).toBe(true);
    expect(metricValue(samples, 'byzps_worker_loss')).toBeGreaterThan(0);
    expect(metricValue(samples, 'byzps_worker_active', { kind: 'attack', name: 'scaled' })).toBe(1);
    expect(metricValue(samples, 'byzps_worker_active', { kind: 'attack', name: 'none' })).toBe(0);
    expect(samples.some((sample) => sample.name === 'process_cpu_user_seconds_total')).toBe(true);
    expect((await fetch(`http://127.0.0.1:${worker.handle.httpPort}/healthz`)).status).toBe(200);
  });

  it('trains over mutual TLS with --tls-ca-file, --tls-cert-file and --tls-key-file', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'byzps-worker-tls-'));
    try {
      // One self-signed certificate for 127.0.0.1 serves as the CA, the server's and the client's certificate.
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
        '-subj', '/CN=byzps-test', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout', join(directory, 'key.pem'), '-out', join(directory, 'cert.pem'),
      ], { stdio: 'ignore' });
      const [cert, key] = [join(directory, 'cert.pem'), join(directory, 'key.pem')];
      const server = cleanup.add(await startTestServer({ dimension: 20, tlsCertFile: cert, tlsKeyFile: key, tlsClientCaFile: cert }));
      closeWorker(await startTestWorker(server.address, { name: 'tls', workers: 1, tlsCaFile: cert, tlsCertFile: cert, tlsKeyFile: key }));
      await eventually(() => server.handle.engine.round >= 2, 'rounds close over TLS');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
