import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A PEM certificate and its private key. */
export interface KeyPair {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** What the TLS tests need: a CA, a server certificate for 127.0.0.1 and a client certificate it signed, and a client certificate from another CA. */
export interface TestPki {
  readonly caFile: string;
  readonly ca: Buffer;
  readonly server: KeyPair;
  readonly client: KeyPair;
  /** Signed by a CA the server does not trust. */
  readonly stranger: KeyPair;
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function selfSignedCa(directory: string, name: string): Promise<{ certFile: string; keyFile: string }> {
  const certFile = join(directory, `${name}.pem`);
  const keyFile = join(directory, `${name}.key`);
  await run('openssl', ['req', '-x509', ...EC_KEY, '-days', '1', '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign', '-keyout', keyFile, '-out', certFile]);
  return { certFile, keyFile };
}

async function signed(directory: string, name: string, ca: { certFile: string; keyFile: string }, extensions: string): Promise<KeyPair> {
  const keyFile = join(directory, `${name}.key`);
  const requestFile = join(directory, `${name}.csr`);
  const extensionsFile = join(directory, `${name}.ext`);
  const certFile = join(directory, `${name}.pem`);
  await writeFile(extensionsFile, `${extensions}\n`);
  await run('openssl', ['req', '-new', ...EC_KEY, '-subj', `/CN=${name}`, '-keyout', keyFile, '-out', requestFile]);
  await run('openssl', ['x509', '-req', '-in', requestFile, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-days', '1', '-extfile', extensionsFile, '-out', certFile]);
  return { certFile, keyFile, cert: await readFile(certFile), key: await readFile(keyFile) };
}

/** Makes a fresh PKI in `directory` with openssl; nothing of it is ever committed. */
export async function makeTestPki(directory: string): Promise<TestPki> {
  const ca = await selfSignedCa(directory, 'byzps-test-ca');
  const otherCa = await selfSignedCa(directory, 'other-ca');
  return {
    caFile: ca.certFile,
    ca: await readFile(ca.certFile),
    server: await signed(directory, 'server', ca, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth'),
    client: await signed(directory, 'worker-client', ca, 'extendedKeyUsage=clientAuth'),
    stranger: await signed(directory, 'stranger', otherCa, 'extendedKeyUsage=clientAuth'),
  };
}
