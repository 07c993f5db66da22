/**
 * One pushing client of the ingest benchmark, run as its own process: it joins (against the
 * parameter server), then pushes one gradient of dimension d each time the benchmark says "go"
 * and reports back when the server has acknowledged it; with encoding BFLOAT16 it narrows the
 * gradient on every push, as a worker does.
 * Arguments: <address> <dimension> <ps|bare> <worker name> <FLOAT32|BFLOAT16>
 */
import { credentials, Metadata } from '@grpc/grpc-js';
import { byzpsV1, type ParameterServerClient } from '../../proto/protocol.js';
import { tensorChunks } from '../../proto/tensor-chunks.js';
import { toBfloat16, type GradientEncoding } from '../../proto/tensor-encoding.js';
import { GRPC_TRANSPORT_OPTIONS } from '../../proto/transport.js';
import type { ClientMessage, CoordinatorMessage } from './ingest-protocol.js';

const [address = '', dimensionText = '', mode = '', name = '', encodingText = 'FLOAT32'] = process.argv.slice(2);
const encoding = encodingText as GradientEncoding;
const dimension = Number(dimensionText);
const client: ParameterServerClient = new byzpsV1.ParameterServer(address, credentials.createInsecure(), GRPC_TRANSPORT_OPTIONS);
const gradient = new Float32Array(dimension);
for (let j = 0; j < dimension; j++) gradient[j] = Math.sin(j) * 1e-3;

function send(message: ClientMessage): void {
  process.send!(message);
}

function join(): Promise<number> {
  return new Promise((resolve, reject) => {
    client.join({ workerName: name }, new Metadata(), (error, reply) => {
      if (error !== null) reject(error);
      else resolve(reply!.workerId);
    });
  });
}

function push(workerId: number, round: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const call = client.push(new Metadata(), (error) => {
      if (error !== null) reject(error);
      else resolve();
    });
    const wire = encoding === 'BFLOAT16' ? toBfloat16(gradient) : gradient;
    for (const chunk of tensorChunks(wire)) call.write({ workerId, round, offset: chunk.offset, data: chunk.data, encoding });
    call.end();
  });
}

const workerId = mode === 'ps' ? await join() : 0;
process.on('message', (message: CoordinatorMessage) => {
  if (message.kind === 'stop') {
    client.close();
    process.disconnect();
    return;
  }
  push(workerId, message.round).then(
    () => {
      send({ kind: 'pushed', round: message.round });
    },
    (error: unknown) => {
      send({ kind: 'failed', problem: error instanceof Error ? error.message : String(error) });
    },
  );
});
send({ kind: 'ready' });
