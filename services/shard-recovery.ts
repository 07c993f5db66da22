import { setTimeout as sleep } from 'node:timers/promises';
import type { RuleState } from '../aggregators/index.js';
import type { Logger } from '../runtime/logger.js';
import type { CheckpointStore } from './checkpoint.js';
import type { Checkpointer } from './checkpointing.js';
import { NotConfiguredError, ShardOutOfStepError } from './errors.js';
import type { SgdOptimizer } from './optimizer.js';
import type { RoundEngine } from './round.js';

/** Where a shard stands: its open round and the rounds it holds checkpoints of (newest first). */
export interface ShardStanding {
  readonly shard: number;
  readonly round: number;
  readonly checkpointRounds: readonly number[];
}

/** A shard's slice of the rule's state and the coordinator's share, with the round whose aggregate it holds (−1: none). */
export interface ShardRuleState {
  readonly ruleState: RuleState | undefined;
  readonly stateRound: number;
}

/** What a shard does to agree with the others again (docs/PROTOCOL.md §10, "Recovery"). */
export interface ShardRestorer {
  standing(): Promise<ShardStanding>;
  /** Opens `round` again: the open round starts over, an earlier round comes back from its checkpoint. */
  restore(round: number): Promise<void>;
}

/**
 * The newest round every shard can open: its open round or one it holds a checkpoint of. Rounds
 * only go back this way (a shard's checkpoints are never newer than its open round), so every
 * shard ends at the same θ history; undefined when no round is common to all.
 */
export function newestCommonRound(standings: readonly ShardStanding[]): number | undefined {
  const [first, ...rest] = standings.map((standing) => new Set([standing.round, ...standing.checkpointRounds]));
  if (first === undefined) return undefined;
  const common = [...first].filter((round) => rest.every((rounds) => rounds.has(round)));
  return common.length === 0 ? undefined : Math.max(...common);
}

/** A shard's restorer over its engine, optimizer, rule state and checkpoint store. */
export function createShardRestorer(options: {
  readonly shard: number;
  readonly engine: RoundEngine;
  readonly optimizer: SgdOptimizer;
  readonly store: CheckpointStore | undefined;
  readonly checkpointer: Checkpointer;
  readonly setRuleState: (state: ShardRuleState) => void;
}): ShardRestorer {
  const { shard, engine, optimizer, store } = options;
  /** Checkpoints that did not verify: this shard no longer offers their rounds. */
  const unreadable = new Set<number>();
  return {
    standing: async () => ({ shard, round: engine.round, checkpointRounds: ((await store?.rounds()) ?? []).filter((round) => !unreadable.has(round)) }),
    restore: async (round) => {
      await engine.idle();
      // A write still running may be the checkpoint this rewind wants.
      await options.checkpointer.settled();
      if (round === engine.round) {
        engine.rewind(round, engine.parameters);
        return;
      }
      if (store === undefined) throw new NotConfiguredError('not_configured', `shard ${shard} is at round ${engine.round} and has no --checkpoint-dir to go back to round ${round} from`);
      let checkpoint;
      try {
        checkpoint = await store.load(round);
      } catch (error) {
        unreadable.add(round);
        throw error;
      }
      if (checkpoint.shard?.index !== shard) throw new ShardOutOfStepError(`the checkpoint of round ${round} in ${store.directory} is not shard ${shard}'s`);
      await engine.idle();
      optimizer.setVelocity(checkpoint.velocity);
      options.setRuleState({ ruleState: checkpoint.ruleState, stateRound: checkpoint.shard.stateRound });
      engine.rewind(round, checkpoint.parameters);
    },
  };
}

/** How the coordinator reaches the other shards' recovery calls. */
export interface PeerRecovery {
  readonly index: number;
  describe(): Promise<ShardStanding>;
  rewind(round: number): Promise<ShardStanding>;
}

/** How long the coordinator waits between attempts while a shard is unreachable or out of step. */
const RETRY_MS = 500;

/**
 * The coordinator's side of recovery. Whenever the shards may disagree (the coordinator starts, a
 * shard announces that it started, an aggregation across them fails) it holds round closes, asks
 * every shard where it stands, and rewinds all of them to the newest round they all hold. Until
 * every shard answers, no round closes: a dead shard delays the cluster but never splits it.
 */
export class ShardSynchronizer {
  private running: Promise<void> | undefined;
  private again = false;
  /** Whether a request since the last rewind needs one even when every shard is at the same open round. */
  private forced = false;
  /** Requests so far: one during a rewind means it must be done again. */
  private requests = 0;
  private closed = false;

  constructor(
    private readonly engine: RoundEngine,
    private readonly local: ShardRestorer,
    private readonly peers: readonly PeerRecovery[],
    private readonly log: Logger,
  ) {}

  /**
   * Brings the shards to one round as soon as the round being closed (if any) has ended. When every
   * shard turns out to be at the same open round, nothing is rewound unless `rewind` is 'always' (a
   * round failed across the shards, so some of them may hold a close in progress).
   */
  request(reason: string, rewind: 'always' | 'if-apart' = 'if-apart'): void {
    if (this.closed) return;
    this.requests += 1;
    if (rewind === 'always') this.forced = true;
    this.log.info({ reason }, 'bringing the shards to one round');
    this.engine.hold(true);
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    this.running = this.synchronize().finally(() => {
      this.running = undefined;
      if (this.again && !this.closed) {
        this.again = false;
        this.request('asked again while synchronizing');
      } else {
        this.engine.hold(false);
      }
    });
  }

  /** Resolves once no synchronization is running. */
  async settled(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  close(): void {
    this.closed = true;
  }

  private async synchronize(): Promise<void> {
    let lastProblem = '';
    const report = (problem: string) => {
      if (problem !== lastProblem) this.log.warn({ problem }, `shards not in step yet: ${problem}`);
      lastProblem = problem;
    };
    while (!this.closed) {
      await this.engine.idle();
      this.again = false;
      const requests = this.requests;
      const described = await Promise.allSettled(this.peers.map((peer) => peer.describe()));
      const unreachable = this.peers.filter((_, i) => described[i]!.status === 'rejected');
      if (unreachable.length > 0) {
        report(`waiting for shard${unreachable.length === 1 ? '' : 's'} ${unreachable.map((peer) => peer.index).join(', ')} (${(described.find((result) => result.status === 'rejected') as PromiseRejectedResult).reason as string})`);
        await sleep(RETRY_MS);
        continue;
      }
      const standings = [await this.local.standing(), ...described.map((result) => (result as PromiseFulfilledResult<ShardStanding>).value)];
      const round = newestCommonRound(standings);
      if (round === undefined) {
        report(`no round is common to all shards (${standings.map((standing) => `shard ${standing.shard}: open ${standing.round}, checkpoints ${standing.checkpointRounds.join(' ') || 'none'}`).join('; ')}); restart the shards from checkpoints of one round`);
        await sleep(RETRY_MS * 4);
        continue;
      }
      const apart = standings.some((standing) => standing.round !== round);
      if (!apart && !this.forced) {
        this.log.info({ round }, `all ${standings.length} shards are at round ${round}`);
        return;
      }
      try {
        await Promise.all([this.local.restore(round), ...this.peers.map((peer) => peer.rewind(round))]);
      } catch (error) {
        report(`rewinding to round ${round} failed: ${(error as Error).message}`);
        await sleep(RETRY_MS);
        continue;
      }
      if (this.requests !== requests) continue;
      this.forced = false;
      this.log.info({ round, from: standings.map((standing) => standing.round) }, `all ${standings.length} shards are at round ${round}`);
      return;
    }
  }
}
