import { readFile } from 'node:fs/promises';
import { ServerCredentials } from '@grpc/grpc-js';
import { ConfigError } from '../runtime/errors.js';

/** The files of the server's TLS setup; empty strings mean plaintext, and no client CA means no client certificates. */
export interface TlsFiles {
  readonly tlsCertFile: string;
  readonly tlsKeyFile: string;
  readonly tlsClientCaFile: string;
}

async function readPem(flag: string, path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new ConfigError(`cannot read --${flag} ${path}: ${(error as Error).message}`);
  }
}

/** gRPC server credentials: plaintext, TLS, or mutual TLS when a client CA is configured. */
export async function serverCredentials(files: TlsFiles): Promise<ServerCredentials> {
  if (files.tlsCertFile === '') return ServerCredentials.createInsecure();
  const certChain = await readPem('tls-cert-file', files.tlsCertFile);
  const privateKey = await readPem('tls-key-file', files.tlsKeyFile);
  const clientCa = files.tlsClientCaFile === '' ? null : await readPem('tls-client-ca-file', files.tlsClientCaFile);
  return ServerCredentials.createSsl(clientCa, [{ cert_chain: certChain, private_key: privateKey }], clientCa !== null);
}
