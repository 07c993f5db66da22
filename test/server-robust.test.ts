import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from './cleanup.js';
import { eventually, metricValue, scrape, ScriptedWorker, startTestServer } from './server-harness.js';

const cleanup = cleanupAfterEach();

const NAMES = ['h1', 'h2', 'h3', 'h4', 'byz'];

/** The coordinate-wise median of an odd number of rows, by sorting each column. */
function columnMedian(rows: readonly Float32Array[]): number[] {
  return Array.from(rows[0]!, (_, j) => rows.map((row) => row[j]!).sort((x, y) => x - y)[(rows.length - 1) / 2]!);
}

describe('robust rules in the running server', () => {
  it('with median (f = 2), moves θ by exactly −η·coordinate-wise median and shows the attacker kept nowhere', async () => {
    const d = 64;
    const learningRate = 0.125;
    const server = cleanup.add(await startTestServer({ dimension: d, rule: 'median', f: 2, learningRate }));
    const client = cleanup.add(new ScriptedWorker(server.address));
    const ids = await Promise.all(NAMES.map(async (name) => (await client.join(name)).workerId));
    const before = await client.pull(ids[0]!);
    const gradients = NAMES.map((name, k) =>
      name === 'byz' ? new Float32Array(d).fill(1e6) : Float32Array.from({ length: d }, (_, j) => Math.fround(Math.sin(3 * j + k) + 0.1 * k)),
    );
    const replies = await Promise.all(ids.map((id, k) => client.push(id, 0, gradients[k]!)));
    expect(replies.every((reply) => reply.ok)).toBe(true);
    await eventually(() => server.handle.engine.round === 1, 'round 0 closes');
    const after = await client.pull(ids[0]!);
    const median = columnMedian(gradients);
    // The median is one of the float32 inputs, so the step is exact up to the one rounding of θ.
    expect(Array.from(after.theta)).toEqual(Array.from(before.theta, (theta, j) => Math.fround(theta - learningRate * median[j]!)));
    const samples = await scrape(server.handle.httpPort);
    expect(metricValue(samples, 'byzps_worker_influence', { worker: 'byz', quantity: 'keptShare' })).toBe(0);
    expect(metricValue(samples, 'byzps_worker_influence', { worker: 'h1', quantity: 'keptShare' })).toBeGreaterThan(0);
  });

  it('keeps a round open past its deadline when fewer gradients arrive than the rule needs (median, f = 2: n ≥ 5)', async () => {
    const server = cleanup.add(await startTestServer({ dimension: 4, rule: 'median', f: 2, roundDeadlineMs: 100 }));
    const client = cleanup.add(new ScriptedWorker(server.address));
    const ids = await Promise.all(NAMES.map(async (name) => (await client.join(name)).workerId));
    expect(server.handle.engine.quorum).toBe(5);
    for (const id of ids.slice(0, 4)) expect((await client.push(id, 0, [1, 2, 3, 4])).ok).toBe(true);
    await eventually(async () => metricValue(await scrape(server.handle.httpPort), 'byzps_quorum_waits_total') === 1, 'the deadline passes short of quorum');
    expect(server.handle.engine.round).toBe(0);
    expect((await client.push(ids[4]!, 0, [1, 2, 3, 4])).ok).toBe(true);
    await eventually(() => server.handle.engine.round === 1, 'the fifth gradient closes the round');
  });
});
