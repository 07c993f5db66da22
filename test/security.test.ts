import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { table } from '../cli/status.js';
import { runCliAsync, spawnWorker } from './cli-spawn.js';
import { ADMIN_TOKEN, callControl, chunksOf, controlClient, metricValue, scrape, ScriptedWorker, startTestServer, WORKER_TOKEN, type TestServer } from './server-harness.js';
import { makeTestPki, type TestPki } from './test-pki.js';

/** Each worker's own token, as --worker-tokens-file lists them. */
const TOKENS = { w1: 'w1-token-5d0c', w2: 'w2-token-88ab' } as const;
const WRONG_TOKEN = 'not-a-token-of-this-server';
const GRADIENT = [0.5, -1, 2, 0.25];

/** One row per case: what was tried, the status it got, and the counter that recorded it. */
const rows: string[][] = [['case', 'status', 'counted']];
let directory: string;
let pki: TestPki;
const closers: (() => unknown)[] = [];

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'byzps-security-'));
  pki = await makeTestPki(directory);
}, 60_000);

afterAll(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await rm(directory, { recursive: true, force: true });
  console.log(`security cases: refusal status and the counter that recorded it\n${table(rows)}`);
});

/** The --worker-tokens-file listing TOKENS. */
async function writeTokensFile(): Promise<string> {
  const path = join(directory, 'worker-tokens');
  await writeFile(path, `# name token\n${Object.entries(TOKENS).map(([name, token]) => `${name} ${token}`).join('\n')}\n`, { mode: 0o600 });
  return path;
}

async function serve(overrides: Parameters<typeof startTestServer>[0]): Promise<TestServer> {
  const server = await startTestServer({ dimension: GRADIENT.length, ...overrides });
  closers.push(() => server.close());
  return server;
}

function worker(...args: ConstructorParameters<typeof ScriptedWorker>): ScriptedWorker {
  const client = new ScriptedWorker(...args);
  closers.push(() => {
    client.close();
  });
  return client;
}

/** The status code a call ended with: OK, or the code of its error. */
function codeOf(call: Promise<unknown>): Promise<number> {
  return call.then(
    () => status.OK,
    (error: unknown) => (error as ServiceError).code,
  );
}

interface Counter {
  readonly name: string;
  readonly labels: Record<string, string>;
}

function describeCounter({ name, labels }: Counter): string {
  return `${name}{${Object.entries(labels).map(([key, value]) => `${key}="${value}"`).join(',')}}`;
}

/**
 * Runs one refused call and checks it got `expected` and moved `counter` by exactly one (calls
 * run one at a time, so the difference is this call's doing).
 */
async function expectRefused(server: TestServer, what: string, attempt: () => Promise<number>, expected: status, counter: Counter): Promise<void> {
  const value = async () => metricValue(await scrape(server.handle.httpPort), counter.name, counter.labels);
  const before = await value();
  const code = await attempt();
  const counted = (await value()) - before;
  rows.push([what, status[code] ?? String(code), `${describeCounter(counter)} +${counted}`]);
  expect(status[code]).toBe(status[expected]);
  expect(counted).toBe(1);
}

/** What ScriptedWorker is given for "no token"; the calls below then send no authorization entry. */
const NO_TOKEN = 'unused-because-calls-send-no-metadata';

/** A Pull with no metadata at all (ScriptedWorker always sends its token). */
function pullWithoutToken(client: ScriptedWorker, workerId: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = client.client.pull({ workerId }, new Metadata());
    stream.on('data', () => undefined);
    stream.on('error', reject);
    stream.on('end', resolve);
  });
}

const rejected = (reason: string): Counter => ({ name: 'byzps_gradients_rejected_total', labels: { reason } });
const handled = (service: 'ParameterServer' | 'Control', method: string, code: status): Counter => ({
  name: 'grpc_server_handled_total',
  labels: { grpc_service: `byzps.v1.${service}`, grpc_method: method, grpc_code: status[code] },
});

describe('authentication with a token per worker', () => {
  let server: TestServer;
  let ids: { w1: number; w2: number };
  /** A client presenting `token`, or no token at all when it is undefined. */
  const as = (token: string | undefined) => worker(server.address, token ?? NO_TOKEN);
  const push = (token: string | undefined, workerId: number) =>
    as(token)
      .pushChunks(chunksOf(workerId, 0, GRADIENT, 2), { token })
      .then((outcome) => (outcome.ok ? status.OK : outcome.code));

  beforeAll(async () => {
    server = await serve({ workerToken: '', workerTokensFile: await writeTokensFile(), adminToken: ADMIN_TOKEN });
    ids = { w1: (await as(TOKENS.w1).join('w1')).workerId, w2: (await as(TOKENS.w2).join('w2')).workerId };
  });

  it('refuses pushes without a token, with the operator token, as another worker and with a wrong token', async () => {
    await expectRefused(server, 'Push, no token', () => push(undefined, ids.w1), status.UNAUTHENTICATED, rejected('missing_token'));
    await expectRefused(server, 'Push, operator token', () => push(ADMIN_TOKEN, ids.w1), status.UNAUTHENTICATED, rejected('bad_token'));
    await expectRefused(server, "Push as w2 with w1's token", () => push(TOKENS.w1, ids.w2), status.PERMISSION_DENIED, rejected('wrong_worker'));
    await expectRefused(server, 'Push, wrong token', () => push(WRONG_TOKEN, ids.w1), status.UNAUTHENTICATED, rejected('bad_token'));
    // None of them took w1's place in the round: its own push is accepted.
    expect(await push(TOKENS.w1, ids.w1)).toBe(status.OK);
    expect(server.handle.engine.receivedCount).toBe(1);
  });

  it('refuses pulls and joins likewise', async () => {
    const pull = (token: string | undefined, workerId: number) => codeOf(token === undefined ? pullWithoutToken(as(token), workerId) : as(token).pull(workerId));
    await expectRefused(server, 'Pull, no token', () => pull(undefined, ids.w1), status.UNAUTHENTICATED, handled('ParameterServer', 'Pull', status.UNAUTHENTICATED));
    await expectRefused(server, 'Pull, operator token', () => pull(ADMIN_TOKEN, ids.w1), status.UNAUTHENTICATED, handled('ParameterServer', 'Pull', status.UNAUTHENTICATED));
    await expectRefused(server, "Pull as w2 with w1's token", () => pull(TOKENS.w1, ids.w2), status.PERMISSION_DENIED, handled('ParameterServer', 'Pull', status.PERMISSION_DENIED));
    await expectRefused(server, 'Pull, wrong token', () => pull(WRONG_TOKEN, ids.w1), status.UNAUTHENTICATED, handled('ParameterServer', 'Pull', status.UNAUTHENTICATED));
    await expectRefused(server, "Join as w2 with w1's token", () => codeOf(as(TOKENS.w1).join('w2')), status.PERMISSION_DENIED, handled('ParameterServer', 'Join', status.PERMISSION_DENIED));
    await expectRefused(server, 'Join under an unlisted name', () => codeOf(as(TOKENS.w1).join('w3')), status.PERMISSION_DENIED, handled('ParameterServer', 'Join', status.PERMISSION_DENIED));
    expect(await pull(TOKENS.w2, ids.w2)).toBe(status.OK);
    expect(server.handle.engine.joinedCount).toBe(2);
  });

  it('refuses Control calls with a worker token, no token or a wrong token', async () => {
    const control = controlClient(server.address);
    closers.push(() => {
      control.close();
    });
    const callStatus = (token: string | undefined) => callControl((metadata, done) => control.status({}, metadata, done), token).then((result) => (result.ok ? status.OK : result.code));
    await expectRefused(server, 'Control, worker token', () => callStatus(TOKENS.w1), status.PERMISSION_DENIED, handled('Control', 'Status', status.PERMISSION_DENIED));
    await expectRefused(server, 'Control, no token', () => callStatus(undefined), status.UNAUTHENTICATED, handled('Control', 'Status', status.UNAUTHENTICATED));
    await expectRefused(server, 'Control, wrong token', () => callStatus(WRONG_TOKEN), status.UNAUTHENTICATED, handled('Control', 'Status', status.UNAUTHENTICATED));
    expect(await callStatus(ADMIN_TOKEN)).toBe(status.OK);
  });
});

describe('worker processes with a token each', () => {
  it('train under their own name and stop with one line when they claim another worker\'s name', async () => {
    const server = await serve({ workerToken: '', workerTokensFile: await writeTokensFile(), roundDeadlineMs: 200 });
    const own = await spawnWorker(server.address, 'w1', ['--max-steps', '3'], { BYZPS_WORKER_TOKEN: TOKENS.w1 });
    expect(await own.run.exited).toBe(0);
    expect(server.handle.engine.round).toBeGreaterThanOrEqual(3);
    const impostor = await runCliAsync(['worker', '--server', server.address, '--name', 'w2', '--http-port', '0', '--max-steps', '1'], { BYZPS_WORKER_TOKEN: TOKENS.w1 });
    expect(impostor.code).toBe(1);
    expect(impostor.stderr.trim().split('\n').at(-1)).toMatch(/Join failed with PERMISSION_DENIED: this token belongs to another worker, not to w2/);
    rows.push(['byzps worker w2 with w1\'s token', 'PERMISSION_DENIED', 'worker exits 1 with one line']);
  });
});

describe('authentication with one shared worker token', () => {
  it('refuses the Control service while it is off, and a worker token on it', async () => {
    const server = await serve({});
    const control = controlClient(server.address);
    closers.push(() => {
      control.close();
    });
    const pause = (token: string | undefined) => callControl((metadata, done) => control.pause({}, metadata, done), token).then((result) => (result.ok ? status.OK : result.code));
    await expectRefused(server, 'Control off, admin-looking token', () => pause(ADMIN_TOKEN), status.UNIMPLEMENTED, handled('Control', 'Pause', status.UNIMPLEMENTED));
    await expectRefused(server, 'Control off, worker token', () => pause(WORKER_TOKEN), status.UNIMPLEMENTED, handled('Control', 'Pause', status.UNIMPLEMENTED));
    expect(server.handle.engine.isPaused).toBe(false);
  });
});

describe('TLS', () => {
  /** A refusal in the TLS handshake happens before any call exists: the server must have counted no call at all. */
  async function expectHandshakeRefused(server: TestServer, what: string, client: ScriptedWorker): Promise<void> {
    const calls = async () => metricValue(await scrape(server.handle.httpPort), 'grpc_server_started_total');
    const before = await calls();
    const code = await codeOf(client.join(what.replace(/\W+/g, '-')));
    rows.push([what, status[code] ?? String(code), `no call started (grpc_server_started_total +${(await calls()) - before}): refused in the handshake`]);
    expect(status[code]).toBe(status[status.UNAVAILABLE]);
    expect(await calls()).toBe(before);
  }

  it('a TLS server refuses plaintext clients', async () => {
    const server = await serve({ tlsCertFile: pki.server.certFile, tlsKeyFile: pki.server.keyFile });
    await expectHandshakeRefused(server, 'TLS server, plaintext client', worker(server.address));
    expect(await codeOf(worker(server.address, WORKER_TOKEN, credentials.createSsl(pki.ca)).join('tls-client'))).toBe(status.OK);
  });

  it('a mutual-TLS server refuses clients without a certificate or with one from another CA', async () => {
    const server = await serve({ tlsCertFile: pki.server.certFile, tlsKeyFile: pki.server.keyFile, tlsClientCaFile: pki.caFile });
    await expectHandshakeRefused(server, 'mTLS server, no client certificate', worker(server.address, WORKER_TOKEN, credentials.createSsl(pki.ca)));
    await expectHandshakeRefused(server, 'mTLS server, certificate of another CA', worker(server.address, WORKER_TOKEN, credentials.createSsl(pki.ca, pki.stranger.key, pki.stranger.cert)));
    await expectHandshakeRefused(server, 'mTLS server, plaintext client', worker(server.address));
    expect(await codeOf(worker(server.address, WORKER_TOKEN, credentials.createSsl(pki.ca, pki.client.key, pki.client.cert)).join('mtls-client'))).toBe(status.OK);
  });
});
