import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../runtime/errors.js';
import { cleanupAfterEach } from './cleanup.js';
import { ScriptedWorker, startTestServer } from './server-harness.js';

const cleanup = cleanupAfterEach();

let directory: string;
let cert: Buffer;
let key: Buffer;

/** A self-signed certificate for 127.0.0.1 that also serves as its own CA and as a client certificate. */
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'byzps-tls-'));
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=byzps-test', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout', join(directory, 'key.pem'), '-out', join(directory, 'cert.pem'),
  ], { stdio: 'ignore' });
  cert = await readFile(join(directory, 'cert.pem'));
  key = await readFile(join(directory, 'key.pem'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

function connect(...args: ConstructorParameters<typeof ScriptedWorker>): ScriptedWorker {
  return cleanup.add(new ScriptedWorker(...args));
}

const files = () => ({ tlsCertFile: join(directory, 'cert.pem'), tlsKeyFile: join(directory, 'key.pem') });

describe('TLS', () => {
  it('serves workers over TLS and refuses plaintext clients', async () => {
    const server = cleanup.add(await startTestServer({ dimension: 2, ...files() }));
    const secure = connect(server.address, undefined, credentials.createSsl(cert));
    expect((await secure.join('a')).workerId).toBe(1);
    const plain = connect(server.address);
    await expect(plain.join('b')).rejects.toMatchObject({ code: status.UNAVAILABLE });
  });

  it('with a client CA, admits only clients that present a certificate it signed', async () => {
    const server = cleanup.add(await startTestServer({ dimension: 2, ...files(), tlsClientCaFile: join(directory, 'cert.pem') }));
    const withCertificate = connect(server.address, undefined, credentials.createSsl(cert, key, cert));
    expect((await withCertificate.join('a')).workerId).toBe(1);
    const without = connect(server.address, undefined, credentials.createSsl(cert));
    await expect(without.join('b')).rejects.toMatchObject({ code: status.UNAVAILABLE });
  });

  it('reports an unreadable certificate file as a configuration error', async () => {
    await expect(startTestServer({ dimension: 2, tlsCertFile: join(directory, 'missing.pem'), tlsKeyFile: join(directory, 'key.pem') })).rejects.toThrow(ConfigError);
    await expect(startTestServer({ dimension: 2, tlsCertFile: join(directory, 'missing.pem'), tlsKeyFile: join(directory, 'key.pem') })).rejects.toThrow(/cannot read --tls-cert-file .*missing\.pem/);
  });
});
