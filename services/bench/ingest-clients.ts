/** Starting, driving and stopping the ingest benchmark's client processes (ingest-client.ts). */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { GradientEncoding } from '../../proto/tensor-encoding.js';
import type { ClientMessage, CoordinatorMessage } from './ingest-protocol.js';

/** Starts `count` client processes (TypeScript through tsx when the benchmark itself runs from sources) and waits until each has joined. */
export async function startClients(count: number, address: string, dimension: number, mode: 'ps' | 'bare' | 'cluster', encoding: GradientEncoding): Promise<ChildProcess[]> {
  const fromSources = import.meta.url.endsWith('.ts');
  const script = new URL(fromSources ? './ingest-client.ts' : './ingest-client.js', import.meta.url);
  const clients = Array.from({ length: count }, (_, i) =>
    fork(script, [address, String(dimension), mode, `bench-${i}`, encoding, String(i)], { execArgv: fromSources ? ['--import', 'tsx'] : [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  );
  await Promise.all(clients.map((client) => nextMessage(client, 'ready')));
  return clients;
}

export function nextMessage(client: ChildProcess, kind: ClientMessage['kind']): Promise<ClientMessage> {
  return new Promise((resolve, reject) => {
    client.once('message', (message: ClientMessage) => {
      if (message.kind === kind) resolve(message);
      else reject(new Error(message.kind === 'failed' ? `a client failed: ${message.problem}` : `expected ${kind}, got ${message.kind}`));
    });
  });
}

/** Sends every client `message` and resolves once each has answered with `reply`. */
export async function allClients(clients: readonly ChildProcess[], message: CoordinatorMessage, reply: ClientMessage['kind']): Promise<void> {
  const answered = clients.map((client) => nextMessage(client, reply));
  clients.forEach((client) => client.send(message));
  await Promise.all(answered);
}

export async function stopClients(clients: readonly ChildProcess[]): Promise<void> {
  for (const client of clients) if (client.connected) client.send({ kind: 'stop' } satisfies CoordinatorMessage);
  await Promise.all(clients.filter((client) => client.exitCode === null && client.signalCode === null).map((client) => once(client, 'exit')));
}
