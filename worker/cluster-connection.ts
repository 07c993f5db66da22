import { status } from '@grpc/grpc-js';
import type { GradientChunk } from '../proto/protocol.js';
import { BYTES_PER_VALUE } from '../proto/tensor-encoding.js';
import { type JoinInfo, type ParameterServerConnection, type PulledModel, RpcError } from './client.js';

/** What the training loop needs of a server, sharded or not. */
export type ServerConnection = Pick<ParameterServerConnection, 'join' | 'pull' | 'push' | 'cancel' | 'close'>;

/** One shard as the worker uses it: its connection, this worker's id there and its range. */
interface ShardLink {
  readonly connection: ParameterServerConnection;
  readonly workerId: number;
  readonly start: number;
  readonly end: number;
}

/**
 * A worker's connection to a parameter server that may be sharded (docs/PROTOCOL.md §10). It joins
 * the server it was given; when the JoinReply lists shards, that server is shard 0 and the worker
 * joins every other shard under the same name, then pushes each shard its range of the gradient and
 * pulls θ as the ranges of every shard, all concurrently. Unsharded, every call goes straight to
 * the one connection.
 */
export class ClusterConnection implements ServerConnection {
  private shards: ShardLink[] | undefined;
  /** θ ranges a pull got from some shards while another's long poll ended early: kept for the next pull. */
  private held = new Map<number, PulledModel>();

  constructor(
    private readonly primary: ParameterServerConnection,
    private readonly open: (address: string) => ParameterServerConnection,
  ) {}

  async join(name: string): Promise<JoinInfo> {
    const joined = await this.primary.join(name);
    this.closeShards();
    this.held = new Map();
    if (joined.shards.length <= 1) return joined;
    const others = joined.shards.slice(1).map((shard) => ({ shard, connection: this.open(shard.address) }));
    try {
      const ids = await Promise.all(others.map(async ({ shard, connection }) => {
        const reply = await connection.join(name);
        if (reply.dimension !== joined.dimension || reply.task !== joined.task) {
          throw new RpcError(status.FAILED_PRECONDITION, `shard ${shard.index} at ${shard.address} trains ${reply.task} with d = ${reply.dimension}, shard 0 ${joined.task} with d = ${joined.dimension}`, 'Join');
        }
        return reply.workerId;
      }));
      const first = joined.shards[0]!;
      this.shards = [
        { connection: this.primary, workerId: joined.workerId, start: first.start, end: first.end },
        ...others.map(({ shard, connection }, i) => ({ connection, workerId: ids[i]!, start: shard.start, end: shard.end })),
      ];
    } catch (error) {
      for (const { connection } of others) connection.close();
      throw error;
    }
    return joined;
  }

  /**
   * θ of a round ≥ `minRound` from every shard, whole. Shards that answered with an earlier round
   * than another are asked again for that round, so all ranges come from one round. A shard that
   * answers with a round below the one asked has gone back (recovery, docs/PROTOCOL.md §10): the
   * others will go back to that round too, so it is the round to assemble.
   */
  async pull(workerId: number, minRound: number, waitMs: number): Promise<PulledModel> {
    const shards = this.shards;
    if (shards === undefined) return this.primary.pull(workerId, minRound, waitMs);
    let wentBack: number | undefined;
    for (;;) {
      const asked = Math.max(minRound, ...[...this.held.values()].map((model) => model.round));
      const missing = shards.map((_, i) => i).filter((i) => !this.held.has(i));
      const results = await Promise.allSettled(missing.map((i) => shards[i]!.connection.pull(shards[i]!.workerId, asked, waitMs)));
      let failure: Error | undefined;
      results.forEach((result, k) => {
        if (result.status === 'rejected') {
          failure ??= result.reason as Error;
          return;
        }
        this.held.set(missing[k]!, result.value);
        if (result.value.round < asked) wentBack = Math.min(wentBack ?? result.value.round, result.value.round);
      });
      if (failure !== undefined) throw failure;
      const rounds = shards.map((_, i) => this.held.get(i)!.round);
      const goal = wentBack ?? Math.max(...rounds);
      if (rounds.every((round) => round === goal)) break;
      // Ranges of any other round are useless: pull those shards again for the goal round.
      for (let i = 0; i < shards.length; i++) if (this.held.get(i)!.round !== goal) this.held.delete(i);
      minRound = goal;
    }
    const parts = shards.map((_, i) => this.held.get(i)!);
    this.held = new Map();
    const theta = parts[0]!.theta;
    shards.forEach((shard, i) => {
      if (i > 0) theta.set(parts[i]!.theta.subarray(shard.start, shard.end), shard.start);
    });
    return { round: parts[0]!.round, theta, instructions: parts.flatMap((part) => part.instructions) };
  }

  /** Pushes each shard its range of the chunks (cut at the shards' boundaries), concurrently; resolves with shard 0's round. */
  async push(chunks: Iterable<GradientChunk>): Promise<number> {
    const shards = this.shards;
    if (shards === undefined) return this.primary.push(chunks);
    const perShard: GradientChunk[][] = shards.map(() => []);
    for (const chunk of chunks) {
      const width = (BYTES_PER_VALUE as Readonly<Record<string, number | undefined>>)[chunk.encoding ?? 'FLOAT32'] ?? 4;
      const data = chunk.data as Uint8Array;
      const offset = chunk.offset ?? 0;
      const count = Math.ceil(data.byteLength / width);
      shards.forEach((shard, i) => {
        const from = Math.max(offset, shard.start);
        const to = Math.min(offset + count, shard.end);
        if (from >= to && !(count === 0 && offset >= shard.start && offset < shard.end)) return;
        perShard[i]!.push({ ...chunk, workerId: shard.workerId, offset: from, data: data.subarray((from - offset) * width, Math.min(data.byteLength, (to - offset) * width)) });
      });
    }
    const rounds = await Promise.all(shards.map((shard, i) => (perShard[i]!.length === 0 ? Promise.resolve(-1) : shard.connection.push(perShard[i]!))));
    return rounds[0]!;
  }

  cancel(): void {
    this.primary.cancel();
    for (const shard of this.shards?.slice(1) ?? []) shard.connection.cancel();
  }

  close(): void {
    this.closeShards();
    this.primary.close();
  }

  private closeShards(): void {
    for (const shard of this.shards?.slice(1) ?? []) shard.connection.close();
    this.shards = undefined;
  }
}
