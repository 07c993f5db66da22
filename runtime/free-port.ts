import { createServer } from 'node:net';

/**
 * A TCP port nothing listens on at `host` right now, for a process that must be told a port before
 * it listens (a shard's peers, a container's published port). Another process may take it before
 * it is used, so callers bind it soon after.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => {
        resolve(port);
      });
    });
  });
}
