import { ConfigError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { type Checkpoint, CheckpointStore } from './checkpoint.js';
import { NotConfiguredError } from './errors.js';
import type { ServerEvents } from './events.js';
import type { EngineSnapshot } from './round.js';

/** What a checkpoint must agree with to be resumed from. */
export interface RunIdentity {
  readonly task: string;
  readonly dimension: number;
  readonly seed: number;
  /** A shard's: its checkpoints hold its range, and no other shard's may be resumed from. */
  readonly shard?: { readonly index: number; readonly count: number };
}

/** Writes checkpoints of a running engine, one at a time, in the order they were asked for. */
export interface Checkpointer {
  /** Writes a checkpoint of the open round now. */
  writeNow(): Promise<{ round: number; path: string }>;
  /** Resolves once every write asked for so far has ended, written or failed. */
  settled(): Promise<void>;
}

/** The newest valid checkpoint in the store, if it belongs to this run; damaged files are reported and skipped. */
export async function loadResumePoint(store: CheckpointStore, identity: RunIdentity, log: Logger): Promise<Checkpoint | undefined> {
  const { checkpoint, skipped } = await store.loadNewest();
  for (const { file, problem } of skipped) log.error({ file, problem }, `skipping damaged checkpoint ${file}: ${problem}; renamed to ${file}.corrupt`);
  if (checkpoint === undefined) return undefined;
  const problem = identityMismatch(checkpoint, identity);
  if (problem !== undefined) throw new ConfigError(`the newest checkpoint in ${store.directory} is for ${problem}; use matching settings or another --checkpoint-dir`);
  return checkpoint;
}

/** How a checkpoint's run differs from `identity`, as "…, but this server has …"; undefined when it matches. */
export function identityMismatch(checkpoint: Checkpoint, identity: RunIdentity): string | undefined {
  const saved = { task: checkpoint.task, dimension: checkpoint.dimension, seed: checkpoint.seed, shard: shardName(checkpoint.shard) };
  const wanted = { task: identity.task, dimension: identity.dimension, seed: identity.seed, shard: shardName(identity.shard) };
  const mismatches = (['task', 'dimension', 'seed', 'shard'] as const).filter((key) => saved[key] !== wanted[key]);
  if (mismatches.length === 0) return undefined;
  const describe = (source: typeof saved) => mismatches.map((key) => `${key}=${source[key]}`).join(', ');
  return `${describe(saved)}, but this server has ${describe(wanted)}`;
}

function shardName(shard: { readonly index: number; readonly count: number } | undefined): string {
  return shard === undefined ? 'none' : `${shard.index}/${shard.count}`;
}

/**
 * Writes a checkpoint as every `everyRounds`-th round opens (a subscriber of `roundOpened`) and on
 * request, reporting each write as `checkpointWritten` or `checkpointFailed`.
 */
export function createCheckpointer(
  store: CheckpointStore | undefined,
  everyRounds: number,
  snapshot: () => EngineSnapshot & Pick<Checkpoint, 'rule' | 'shard'>,
  identity: RunIdentity,
  events: ServerEvents,
): Checkpointer {
  let queue: Promise<unknown> = Promise.resolve();
  /** The periodic checkpoint queued behind a write in progress, not yet started. */
  let waiting: { checkpoint: Checkpoint } | undefined;

  const current = (): Checkpoint => ({ ...snapshot(), task: identity.task, dimension: identity.dimension, seed: identity.seed });

  const write = (target: CheckpointStore, slot: { checkpoint: Checkpoint }): Promise<{ round: number; path: string }> => {
    const result = queue.then(async () => {
      if (waiting === slot) waiting = undefined;
      const { checkpoint } = slot;
      try {
        const path = await target.write(checkpoint);
        events.emit('checkpointWritten', { round: checkpoint.round, path });
        return { round: checkpoint.round, path };
      } catch (error) {
        events.emit('checkpointFailed', { round: checkpoint.round, error });
        throw error;
      }
    });
    queue = result.catch(() => undefined);
    return result;
  };

  events.on('roundOpened', ({ round }) => {
    if (store === undefined || round % everyRounds !== 0) return;
    // Snapshots are taken as rounds open, never later: later rounds must not leak into them. When
    // writes fall behind the rounds, the newest snapshot replaces the one still waiting instead of
    // queueing behind it, so the backlog (and what a crash loses) stays one write deep.
    if (waiting !== undefined) {
      waiting.checkpoint = current();
      return;
    }
    waiting = { checkpoint: current() };
    // A failed periodic write is reported; training goes on.
    write(store, waiting).catch(() => undefined);
  });

  return {
    writeNow() {
      if (store === undefined) return Promise.reject(new NotConfiguredError('not_configured', 'the server was started without --checkpoint-dir'));
      return write(store, { checkpoint: current() });
    },
    settled: () => queue.then(() => undefined),
  };
}
