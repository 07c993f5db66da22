import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
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

/** Serves `/metrics` (Prometheus text) and `/healthz` (200 while serving, 503 once shutting down). */
export async function startHttpEndpoint(host: string, port: number, registry: Registry, isHealthy: () => boolean, log: Logger): Promise<HttpEndpoint> {
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
  log.info({ host, port: bound }, 'serving /metrics and /healthz');
  return {
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
