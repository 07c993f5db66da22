import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type Client, type ClientDuplexStream, credentials, loadPackageDefinition, status } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { describe, expect, it } from 'vitest';
import type { StatusReply__Output } from '../proto/generated/byzps/v1/StatusReply.js';
import { cleanupAfterEach } from './cleanup.js';
import { ADMIN_TOKEN, callControl, controlClient, eventually, HealthClient, ScriptedWorker, startTestServer, WORKER_TOKEN } from './server-harness.js';

const cleanup = cleanupAfterEach();

describe('Control service', () => {
  it('reports status, pauses and resumes rounds', async () => {
    const server = cleanup.add(await startTestServer({ dimension: 3, adminToken: ADMIN_TOKEN }));
    const worker = cleanup.add(new ScriptedWorker(server.address));
    const control = cleanup.add(controlClient(server.address));
    const a = (await worker.join('a')).workerId;

    expect(await callControl((metadata, done) => control.pause({}, metadata, done), ADMIN_TOKEN)).toEqual({ ok: true, reply: { round: 0 } });
    expect((await worker.push(a, 0, [1, 2, 3])).ok).toBe(true);
    const paused = await callControl<StatusReply__Output>((metadata, done) => control.status({}, metadata, done), ADMIN_TOKEN);
    expect(paused).toMatchObject({
      ok: true,
      reply: { round: 0, rule: 'mean', byzantineBound: 0, dimension: 3, task: 'synthetic', paused: true, gradientsReceived: 1, quorum: 1 },
    });
    expect(paused.ok && paused.reply.workers.map((w) => [w.name, w.pushedThisRound])).toEqual([['a', true]]);

    await callControl((metadata, done) => control.resume({}, metadata, done), ADMIN_TOKEN);
    await eventually(() => server.handle.engine.round === 1, 'the resumed round closes');
  });

  it('changes the rule at runtime and refuses unknown rules and parameters with INVALID_ARGUMENT', async () => {
    const server = cleanup.add(await startTestServer({ dimension: 3, adminToken: ADMIN_TOKEN }));
    const control = cleanup.add(controlClient(server.address));
    const set = (name: string, params: Record<string, string> = {}) =>
      callControl((metadata, done) => control.setRule({ rule: { name, f: 0, params, pre: [] } }, metadata, done), ADMIN_TOKEN);
    expect(await set('mean')).toEqual({ ok: true, reply: { rule: { name: 'mean', f: 0, params: {}, pre: [] } } });
    expect(await set('no-such-rule')).toMatchObject({ ok: false, code: status.INVALID_ARGUMENT, details: expect.stringMatching(/unknown rule "no-such-rule"; known: .*mean/) as unknown });
    expect(await set('mean', { bogus: '1' })).toMatchObject({ ok: false, code: status.INVALID_ARGUMENT, details: expect.stringMatching(/mean has no parameter "bogus"/) as unknown });
  });

  it('delivers an injected fault with the named worker’s next pull, once', async () => {
    const server = cleanup.add(await startTestServer({ dimension: 3, adminToken: ADMIN_TOKEN }));
    const worker = cleanup.add(new ScriptedWorker(server.address));
    const control = cleanup.add(controlClient(server.address));
    const a = (await worker.join('a')).workerId;
    const inject = (workerName: string) =>
      callControl((metadata, done) => control.injectFault({ workerName, fault: { kind: 'sign-flip', params: { k: '4' } } }, metadata, done), ADMIN_TOKEN);
    expect((await inject('a')).ok).toBe(true);
    expect(await inject('nobody')).toMatchObject({ ok: false, code: status.INVALID_ARGUMENT });
    expect((await worker.pull(a)).faults).toEqual([{ kind: 'sign-flip', params: { k: '4' } }]);
    // A worker gets θ of a round twice only after joining again, as a restarted one does.
    await worker.join('a');
    expect((await worker.pull(a)).faults).toEqual([]);
  });

  it('refuses a worker token with PERMISSION_DENIED and no token with UNAUTHENTICATED', async () => {
    const server = cleanup.add(await startTestServer({ dimension: 3, adminToken: ADMIN_TOKEN }));
    const control = cleanup.add(controlClient(server.address));
    expect(await callControl((metadata, done) => control.status({}, metadata, done), WORKER_TOKEN)).toMatchObject({ ok: false, code: status.PERMISSION_DENIED });
    expect(await callControl((metadata, done) => control.status({}, metadata, done), undefined)).toMatchObject({ ok: false, code: status.UNAUTHENTICATED });
  });

  it('writes a checkpoint on demand, and refuses with FAILED_PRECONDITION without a checkpoint directory', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'byzps-control-'));
    try {
      const server = cleanup.add(await startTestServer({ dimension: 3, adminToken: ADMIN_TOKEN, checkpointDir: directory }));
      const control = cleanup.add(controlClient(server.address));
      const written = await callControl((metadata, done) => control.checkpoint({}, metadata, done), ADMIN_TOKEN);
      expect(written).toEqual({ ok: true, reply: { round: 0, path: join(directory, 'checkpoint-0000000000.bin') } });
      expect(await readdir(directory)).toEqual(['checkpoint-0000000000.bin']);
      const plain = cleanup.add(await startTestServer({ dimension: 3, adminToken: ADMIN_TOKEN }));
      const without = cleanup.add(controlClient(plain.address));
      expect(await callControl((metadata, done) => without.checkpoint({}, metadata, done), ADMIN_TOKEN)).toMatchObject({
        ok: false,
        code: status.FAILED_PRECONDITION,
        details: 'the server was started without --checkpoint-dir',
      });
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('is off without an admin token', async () => {
    const server = cleanup.add(await startTestServer({ dimension: 3 }));
    const control = cleanup.add(controlClient(server.address));
    expect(await callControl((metadata, done) => control.status({}, metadata, done), ADMIN_TOKEN)).toMatchObject({ ok: false, code: status.UNIMPLEMENTED });
  });
});

describe('standard gRPC services', () => {
  it('answers the health check with SERVING for the server and its services', async () => {
    const server = cleanup.add(await startTestServer({ dimension: 3 }));
    const health = cleanup.add(new HealthClient(server.address));
    for (const name of ['', 'byzps.v1.ParameterServer']) expect(await health.check(name)).toBe('SERVING');
  });

  it('lists the byzps services through server reflection, Control only when it is on', async () => {
    const withControl = cleanup.add(await startTestServer({ dimension: 3, adminToken: ADMIN_TOKEN }));
    expect(await listServices(withControl.address)).toEqual(['byzps.v1.Control', 'byzps.v1.ParameterServer']);
    const without = cleanup.add(await startTestServer({ dimension: 3 }));
    expect(await listServices(without.address)).toEqual(['byzps.v1.ParameterServer']);
  });
});

/** Asks the server's reflection service which services it offers, sorted. */
async function listServices(address: string): Promise<string[]> {
  const reflectionProto = join(dirname(createRequire(import.meta.url).resolve('@grpc/reflection')), '..', 'proto', 'grpc', 'reflection', 'v1', 'reflection.proto');
  const loaded = loadPackageDefinition(loadSync(reflectionProto)) as unknown as {
    grpc: { reflection: { v1: { ServerReflection: new (address: string, creds: ReturnType<typeof credentials.createInsecure>) => Client & { serverReflectionInfo(): ClientDuplexStream<{ listServices: string }, { listServicesResponse: { service: { name: string }[] } }> } } } };
  };
  const reflection = cleanup.add(new loaded.grpc.reflection.v1.ServerReflection(address, credentials.createInsecure()));
  const call = reflection.serverReflectionInfo();
  const answer = new Promise<{ listServicesResponse: { service: { name: string }[] } }>((resolve, reject) => {
    call.once('data', resolve);
    call.once('error', reject);
  });
  call.write({ listServices: '' });
  call.end();
  return (await answer).listServicesResponse.service.map((entry) => entry.name).sort();
}
