import { ConfigError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import type { ServerMetrics } from '../runtime/metrics.js';
import { type Checkpoint, CheckpointStore } from './checkpoint.js';
import { NotConfiguredError } from './errors.js';
import type { RoundEngine } from './round.js';

/** What a checkpoint must agree with to be resumed from. */
export interface RunIdentity {
  readonly task: string;
  readonly dimension: number;
  readonly seed: number;
}

/** Writes checkpoints of a running engine, one at a time, in the order they were asked for. */
export interface Checkpointer {
  /** Called after each round closes; writes every `everyRounds` rounds. */
  afterRound(closedRound: number): void;
  /** Writes a checkpoint of the open round now. */
  writeNow(): Promise<{ round: number; path: string }>;
}

/** The newest valid checkpoint in the store, if it belongs to this run; damaged files are reported and skipped. */
export async function loadResumePoint(store: CheckpointStore, identity: RunIdentity, log: Logger): Promise<Checkpoint | undefined> {
  const { checkpoint, skipped } = await store.loadNewest();
  for (const { file, problem } of skipped) log.error({ file, problem }, `skipping damaged checkpoint ${file}: ${problem}; renamed to ${file}.corrupt`);
  if (checkpoint === undefined) return undefined;
  const mismatches = (['task', 'dimension', 'seed'] as const).filter((key) => checkpoint[key] !== identity[key]);
  if (mismatches.length > 0) {
    const describe = (source: RunIdentity) => mismatches.map((key) => `${key}=${source[key]}`).join(', ');
    throw new ConfigError(`the newest checkpoint in ${store.directory} is for ${describe(checkpoint)}, but this server has ${describe(identity)}; use matching settings or another --checkpoint-dir`);
  }
  return checkpoint;
}

export function createCheckpointer(
  store: CheckpointStore | undefined,
  everyRounds: number,
  engine: RoundEngine,
  identity: RunIdentity,
  metrics: ServerMetrics,
  log: Logger,
): Checkpointer {
  let queue: Promise<unknown> = Promise.resolve();
  /** The periodic checkpoint queued behind a write in progress, not yet started. */
  let waiting: { checkpoint: Checkpoint } | undefined;

  const current = (): Checkpoint => ({ ...engine.snapshot(), ...identity, rule: engine.rule.name });

  const write = (target: CheckpointStore, slot: { checkpoint: Checkpoint }): Promise<{ round: number; path: string }> => {
    const result = queue.then(async () => {
      if (waiting === slot) waiting = undefined;
      const { checkpoint } = slot;
      try {
        const path = await target.write(checkpoint);
        metrics.checkpointWrites.inc({ result: 'ok' });
        log.info({ round: checkpoint.round, path }, 'checkpoint written');
        return { round: checkpoint.round, path };
      } catch (error) {
        metrics.checkpointWrites.inc({ result: 'error' });
        log.error({ round: checkpoint.round, err: error }, 'checkpoint write failed');
        throw error;
      }
    });
    queue = result.catch(() => undefined);
    return result;
  };

  return {
    afterRound(closedRound) {
      if (store === undefined || (closedRound + 1) % everyRounds !== 0) return;
      // Snapshots are taken as rounds close, never later: later rounds must not leak into them. When
      // writes fall behind the rounds, the newest snapshot replaces the one still waiting instead of
      // queueing behind it, so the backlog (and what a crash loses) stays one write deep.
      if (waiting !== undefined) {
        waiting.checkpoint = current();
        return;
      }
      waiting = { checkpoint: current() };
      // A failed periodic write is logged and counted; training goes on.
      write(store, waiting).catch(() => undefined);
    },
    writeNow() {
      if (store === undefined) return Promise.reject(new NotConfiguredError('not_configured', 'the server was started without --checkpoint-dir'));
      return write(store, { checkpoint: current() });
    },
  };
}
