import { rename, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, isIPv6 } from 'node:net';
import type { Registry } from 'prom-client';
import { ConfigError } from './errors.js';
import type { Logger } from './logger.js';

/** The running HTTP endpoint and its bound port. */
export interface HttpEndpoint {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * A request must arrive whole within this time: a client that sends its headers byte by byte (or
 * not at all) cannot hold a connection for long. Checked every second instead of Node's 30 s.
 */
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * The URL of `/healthz` on an endpoint listening on `host`:`port`, as a process on the same machine
 * reaches it: a wildcard address (all interfaces) is reached through the loopback interface.
 */
export function healthzUrl(host: string, port: number): string {
  const reachable = host === '' || host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${isIPv6(reachable) ? `[${reachable}]` : reachable}:${String(port)}/healthz`;
}

/**
 * Writes the endpoint's `/healthz` URL to `file` (a line), whole or not at all: a reader never sees
 * half a line. A container's health check reads it, so it probes the port the process really
 * serves on, whichever flag, variable or default chose it.
 */
async function writeAddressFile(file: string, url: string): Promise<void> {
  const partial = `${file}.${String(process.pid)}.tmp`;
  try {
    await writeFile(partial, `${url}\n`);
    await rename(partial, file);
  } catch (error) {
    await rm(partial, { force: true });
    throw new ConfigError(`cannot write the /healthz address to --http-address-file ${file}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Serves `/metrics` (Prometheus text) and `/healthz` (200 while serving, 503 once shutting down).
 * With `addressFile`, writes the `/healthz` URL there once listening, and removes it on close.
 */
export async function startHttpEndpoint(host: string, port: number, registry: Registry, isHealthy: () => boolean, log: Logger, addressFile = ''): Promise<HttpEndpoint> {
  const server: Server = createServer({ headersTimeout: REQUEST_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: 1000 }, (request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET') {
      response.writeHead(405, { allow: 'GET' }).end();
    } else if (path === '/metrics') {
      registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (error: unknown) => {
          log.error({ err: error }, 'collecting metrics failed');
          response.writeHead(500).end();
        },
      );
    } else if (path === '/healthz') {
      const healthy = isHealthy();
      response.writeHead(healthy ? 200 : 503, { 'content-type': 'text/plain' }).end(healthy ? 'ok\n' : 'shutting down\n');
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics or /healthz\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const closeServer = () =>
    new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
      server.closeAllConnections();
    });
  if (addressFile !== '') {
    await writeAddressFile(addressFile, healthzUrl(host, bound)).catch(async (error: unknown) => {
      await closeServer();
      throw error;
    });
  }
  log.info({ host, port: bound, ...(addressFile === '' ? {} : { addressFile }) }, 'serving /metrics and /healthz');
  return {
    port: bound,
    close: async () => {
      await closeServer();
      if (addressFile !== '') await rm(addressFile, { force: true });
    },
  };
}
