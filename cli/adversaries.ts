import { credentials, status } from '@grpc/grpc-js';
import { ParameterServerConnection, RpcError, type JoinInfo } from '../worker/client.js';
import { gradientChunks } from '../worker/payload.js';

/**
 * Clients that abuse the protocol to hold rounds, as an attacker would write them (no gradient
 * computed, just calls): `nan` pushes all-NaN gradients, `stale` pushes for the round that just
 * closed, `pull-only` pulls θ and never pushes, and `staller` pushes for `participate` rounds, then
 * withholds its push for `stall` rounds, and again.
 */
export type AdversaryKind = 'nan' | 'stale' | 'pull-only' | 'staller';

export interface AdversaryOptions {
  readonly token?: string;
  /** staller: rounds it pushes (zeros) before each stall. */
  readonly participate?: number;
  /** staller: rounds it then lets pass without pushing. */
  readonly stall?: number;
}

/** A running adversary: its pulls and pushes so far, and a stop that ends its calls. */
export interface Adversary {
  readonly counts: { pulls: number; pushes: number; refused: number };
  stop(): Promise<void>;
}

/** Starts an adversarial client of the server at `address`; it runs until stopped. */
export function startAdversary(kind: AdversaryKind, address: string, name: string, options: AdversaryOptions = {}): Adversary {
  const connection = new ParameterServerConnection(address, credentials.createInsecure(), options.token ?? '', 30_000);
  const counts = { pulls: 0, pushes: 0, refused: 0 };
  let stopped = false;
  const push = async (join: JoinInfo, round: number, fault?: 'nan-payload' | 'stale-round') => {
    const payload = fault === undefined ? undefined : fault === 'nan-payload' ? { kind: fault } : { kind: fault, behind: 1 };
    counts.pushes++;
    try {
      await connection.push(gradientChunks({ workerId: join.workerId, round, gradient: new Float32Array(join.dimension), chunkBytes: join.maxChunkBytes, fault: payload }));
    } catch (error) {
      if (!(error instanceof RpcError)) throw error;
      counts.refused++;
    }
  };
  const run = async () => {
    const join = await connection.join(name);
    let wanted = join.round;
    for (let step = 0; !stopped; step++) {
      let round: number;
      try {
        round = (await connection.pull(join.workerId, wanted, join.pullWaitMs)).round;
      } catch (error) {
        if (error instanceof RpcError && error.code === status.DEADLINE_EXCEEDED) continue;
        throw error;
      }
      counts.pulls++;
      if (kind === 'nan') await push(join, round, 'nan-payload');
      else if (kind === 'stale') await push(join, round, 'stale-round');
      else if (kind === 'staller' && step % ((options.participate ?? 1) + (options.stall ?? 1)) < (options.participate ?? 1)) await push(join, round);
      wanted = round + 1;
    }
  };
  const running = run().catch((error: unknown) => {
    // stop() cancels the call in flight; anything else ends the adversary early, which its counts show.
    if (!stopped) process.stderr.write(`adversary ${name} stopped: ${error instanceof Error ? error.message : String(error)}\n`);
  });
  return {
    counts,
    async stop() {
      stopped = true;
      connection.cancel();
      await running;
      connection.close();
    },
  };
}
