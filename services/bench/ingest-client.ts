/**
 * One pushing client of the ingest benchmark, run as its own process: it joins (against the
 * parameter server), then pushes one gradient of dimension d each time the benchmark says "go"
 * and reports back when the server has acknowledged it; with encoding BFLOAT16 it narrows the
 * gradient on every push, as a worker does.
 * Mode `cluster` connects as a worker does (worker/cluster-connection.ts): it learns the shards at
 * Join, pushes each shard its range of the gradient, and on "pull" pulls θ of a round from every
 * shard.
 * Arguments: <address> <dimension> <ps|bare|cluster> <worker name> <FLOAT32|BFLOAT16> [client index]
 */
import { credentials, Metadata, status } from '@grpc/grpc-js';
import { byzpsV1, type ParameterServerClient } from '../../proto/protocol.js';
import { tensorChunks } from '../../proto/tensor-chunks.js';
import { toBfloat16, type GradientEncoding } from '../../proto/tensor-encoding.js';
import { GRPC_TRANSPORT_OPTIONS } from '../../proto/transport.js';
import { ParameterServerConnection, RpcError } from '../../worker/client.js';
import { ClusterConnection } from '../../worker/cluster-connection.js';
import type { ClientMessage, CoordinatorMessage } from './ingest-protocol.js';

const [address = '', dimensionText = '', mode = '', name = '', encodingText = 'FLOAT32', indexText = '0'] = process.argv.slice(2);
const encoding = encodingText as GradientEncoding;
const dimension = Number(dimensionText);
// Each client its own gradient, so that a Gram-based rule sees n distinct rows.
const index = Number(indexText);
const gradient = new Float32Array(dimension);
for (let j = 0; j < dimension; j++) gradient[j] = Math.sin(j + index) * 1e-3;

function send(message: ClientMessage): void {
  process.send!(message);
}

/** How the client talks to its server: join once, push a round, pull a round, close. */
interface Session {
  push(round: number): Promise<void>;
  pull(round: number): Promise<void>;
  close(): void;
}

async function directSession(): Promise<Session> {
  const client: ParameterServerClient = new byzpsV1.ParameterServer(address, credentials.createInsecure(), GRPC_TRANSPORT_OPTIONS);
  const workerId =
    mode === 'ps'
      ? await new Promise<number>((resolve, reject) => {
          client.join({ workerName: name }, new Metadata(), (error, reply) => {
            if (error !== null) reject(error);
            else resolve(reply!.workerId);
          });
        })
      : 0;
  return {
    push: (round) =>
      new Promise((resolve, reject) => {
        const call = client.push(new Metadata(), (error) => {
          if (error !== null) reject(error);
          else resolve();
        });
        const wire = encoding === 'BFLOAT16' ? toBfloat16(gradient) : gradient;
        for (const chunk of tensorChunks(wire)) call.write({ workerId, round, offset: chunk.offset, data: chunk.data, encoding });
        call.end();
      }),
    pull: () => Promise.reject(new Error('only cluster clients pull')),
    close: () => {
      client.close();
    },
  };
}

/** Long enough for any round of the benchmark. */
const CALL_TIMEOUT_MS = 600_000;

async function clusterSession(): Promise<Session> {
  const open = (target: string) => new ParameterServerConnection(target, credentials.createInsecure(), '', CALL_TIMEOUT_MS);
  const connection = new ClusterConnection(open(address), open);
  const joined = await connection.join(name);
  return {
    async push(round) {
      const wire = encoding === 'BFLOAT16' ? toBfloat16(gradient) : gradient;
      await connection.push([...tensorChunks(wire)].map((chunk) => ({ workerId: joined.workerId, round, offset: chunk.offset, data: chunk.data, encoding })));
    },
    async pull(round) {
      for (;;) {
        try {
          const model = await connection.pull(joined.workerId, round, joined.pullWaitMs);
          if (model.round >= round) return;
        } catch (error) {
          // The server's long poll ended before the round opened: ask again, as a worker does.
          if (!(error instanceof RpcError && error.code === status.DEADLINE_EXCEEDED)) throw error;
        }
      }
    },
    close: () => {
      connection.close();
    },
  };
}

const session = mode === 'cluster' ? await clusterSession() : await directSession();
const failed = (error: unknown) => {
  send({ kind: 'failed', problem: error instanceof Error ? error.message : String(error) });
};
process.on('message', (message: CoordinatorMessage) => {
  if (message.kind === 'stop') {
    session.close();
    process.disconnect();
    return;
  }
  if (message.kind === 'pull') {
    session.pull(message.round).then(() => {
      send({ kind: 'pulled', round: message.round });
    }, failed);
    return;
  }
  session.push(message.round).then(() => {
    send({ kind: 'pushed', round: message.round });
  }, failed);
});
send({ kind: 'ready' });
