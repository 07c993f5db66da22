import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from './cleanup.js';
import { eventually, metricValue, scrape, ScriptedWorker, startTestServer, WORKER_TOKEN } from './server-harness.js';

const cleanup = cleanupAfterEach();

describe('/metrics and /healthz', () => {
  it('count what the test caused: 3 rejected pushes, 2 rounds of 2 gradients, bytes, influence and update norm', async () => {
    const learningRate = 0.5;
    const startSeconds = Date.now() / 1000;
    const server = cleanup.add(await startTestServer({ dimension: 4, learningRate }));
    const client = cleanup.add(new ScriptedWorker(server.address));
    const a = (await client.join('a')).workerId;
    const b = (await client.join('b')).workerId;

    const impostor = new ScriptedWorker(server.address, 'not-the-token');
    await expect(impostor.join('c')).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    impostor.close();
    expect((await client.push(a, 0, [1, NaN, 3, 4])).ok).toBe(false);
    expect((await client.push(a, 0, [1, 2, 3])).ok).toBe(false);
    expect((await client.push(99, 0, [1, 2, 3, 4])).ok).toBe(false);
    const gradients = [
      [[1, 2, 3, 4], [3, 2, 1, 0]],
      [[0, 0, 2, 2], [0, 4, 0, 2]],
    ];
    for (const [round, [ga, gb]] of gradients.entries()) {
      expect((await client.push(a, round, ga!)).ok).toBe(true);
      expect((await client.push(b, round, gb!)).ok).toBe(true);
      await eventually(() => server.handle.engine.round === round + 1, `round ${round} closes`);
    }

    const samples = await scrape(server.handle.httpPort);
    expect(metricValue(samples, 'byzps_gradients_rejected_total')).toBe(3);
    expect(metricValue(samples, 'byzps_gradients_rejected_total', { reason: 'non_finite' })).toBe(1);
    expect(metricValue(samples, 'byzps_gradients_rejected_total', { reason: 'wrong_length' })).toBe(1);
    expect(metricValue(samples, 'byzps_gradients_rejected_total', { reason: 'unknown_worker' })).toBe(1);
    expect(metricValue(samples, 'byzps_gradients_received_total')).toBe(4);
    expect(metricValue(samples, 'byzps_rounds_total')).toBe(2);
    expect(metricValue(samples, 'byzps_round')).toBe(2);
    // 4 accepted pushes of 16 bytes, plus 16 + 12 + 16 bytes in the rejected ones.
    expect(metricValue(samples, 'byzps_gradient_bytes_received_total')).toBe(4 * 16 + 44);
    expect(metricValue(samples, 'byzps_round_duration_seconds_count')).toBe(2);
    expect(metricValue(samples, 'byzps_aggregation_duration_seconds_count', { rule: 'mean' })).toBe(2);
    expect(metricValue(samples, 'byzps_worker_influence', { worker: 'a', quantity: 'weight' })).toBe(0.5);
    expect(metricValue(samples, 'byzps_worker_influence', { worker: 'b', quantity: 'weight' })).toBe(0.5);
    // Last step: η · mean([0,0,2,2], [0,4,0,2]) = 0.5 · [0, 2, 1, 2], whose norm is 1.5.
    expect(metricValue(samples, 'byzps_model_update_norm')).toBeCloseTo(1.5, 6);
    const lastPush = metricValue(samples, 'byzps_worker_last_push_timestamp_seconds', { worker: 'b' });
    expect(lastPush).toBeGreaterThanOrEqual(Math.floor(startSeconds));
    expect(lastPush).toBeLessThanOrEqual(Date.now() / 1000);
    expect(metricValue(samples, 'byzps_workers_joined')).toBe(2);
    expect(metricValue(samples, 'byzps_workers_awaited')).toBe(2);
    expect(metricValue(samples, 'byzps_round_gradients')).toBe(0);
    expect(metricValue(samples, 'grpc_server_handled_total', { grpc_method: 'Push', grpc_code: 'OK' })).toBe(4);
    expect(metricValue(samples, 'grpc_server_handled_total', { grpc_method: 'Push', grpc_code: 'INVALID_ARGUMENT' })).toBe(2);
    expect(metricValue(samples, 'grpc_server_handled_total', { grpc_method: 'Push', grpc_code: 'NOT_FOUND' })).toBe(1);
    // A refused Join is a refused call, not a rejected gradient.
    expect(metricValue(samples, 'grpc_server_handled_total', { grpc_method: 'Join', grpc_code: 'UNAUTHENTICATED' })).toBe(1);
    expect(metricValue(samples, 'byzps_requests_refused_total', { grpc_method: 'Join', reason: 'bad_token' })).toBe(1);
    expect(samples.some((sample) => sample.name === 'process_cpu_user_seconds_total')).toBe(true);
  });

  it('counts a quorum wait when the deadline passes short of quorum, and the round stays open', async () => {
    const server = cleanup.add(await startTestServer({ dimension: 2, quorum: 2, roundDeadlineMs: 100 }));
    const client = cleanup.add(new ScriptedWorker(server.address));
    const a = (await client.join('a')).workerId;
    await client.join('b');
    expect((await client.push(a, 0, [1, 1])).ok).toBe(true);
    await eventually(async () => metricValue(await scrape(server.handle.httpPort), 'byzps_quorum_waits_total') === 1, 'a quorum wait is counted');
    const samples = await scrape(server.handle.httpPort);
    expect(metricValue(samples, 'byzps_round')).toBe(0);
    expect(metricValue(samples, 'byzps_round_gradients')).toBe(1);
    expect(metricValue(samples, 'byzps_round_quorum')).toBe(2);
    expect(server.logLines.some((line) => line.includes('passed its deadline with 1 of the 2 gradients it needs'))).toBe(true);
  });

  it('answers /healthz with 200 and unknown paths with 404, and never logs a token', async () => {
    const server = cleanup.add(await startTestServer({ dimension: 2 }));
    const client = cleanup.add(new ScriptedWorker(server.address));
    await client.join('a');
    const impostor = new ScriptedWorker(server.address, 'wrong-token');
    await expect(impostor.join('b')).rejects.toBeDefined();
    impostor.close();
    const health = await fetch(`http://127.0.0.1:${server.handle.httpPort}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('ok\n');
    expect((await fetch(`http://127.0.0.1:${server.handle.httpPort}/nope`)).status).toBe(404);
    expect(server.logLines.length).toBeGreaterThan(0);
    expect(server.logLines.filter((line) => line.includes(WORKER_TOKEN) || line.includes('wrong-token'))).toEqual([]);
  });
});
