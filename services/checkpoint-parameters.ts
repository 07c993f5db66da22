import { readdir } from 'node:fs/promises';
import { type Checkpoint, CheckpointStore, shardCheckpointDirectory } from './checkpoint.js';

/** θ of one round, whole, as a server's checkpoints hold it. */
export interface CheckpointedParameters {
  readonly round: number;
  readonly parameters: Float32Array;
  /** 1 for an unsharded server's directory. */
  readonly shards: number;
  readonly task: string;
  /** Newer common rounds passed over, and why (a checkpoint that did not verify). */
  readonly skipped: readonly string[];
}

/** A directory that holds no usable checkpoints, or checkpoints that do not fit together; the message says which. */
export class CheckpointLayoutError extends Error {}

/**
 * θ of the newest round whose checkpoint every shard holds, from a directory of an unsharded
 * server's checkpoints or one with a `shard-i` directory per shard (shardCheckpointDirectory). A
 * checkpoint that does not verify is passed over for the next older common round; nothing is written.
 */
export async function readCheckpointedParameters(directory: string, onlyRound?: number): Promise<CheckpointedParameters> {
  const own = new CheckpointStore(directory);
  const ownRounds = await own.rounds().catch((error: unknown) => {
    throw new CheckpointLayoutError(`cannot read ${directory}: ${(error as Error).message}`);
  });
  const wanted = (rounds: readonly number[]) => (onlyRound === undefined ? rounds : rounds.filter((round) => round === onlyRound));
  if (ownRounds.length > 0) {
    if (wanted(ownRounds).length === 0) throw new CheckpointLayoutError(`${directory} holds no checkpoint of round ${onlyRound!} (it holds ${ownRounds.join(', ')})`);
    return readUnsharded(own, wanted(ownRounds));
  }
  const entries = await readdir(directory).catch(() => [] as string[]);
  if (!entries.includes('shard-0')) throw new CheckpointLayoutError(`${directory} holds no checkpoint files (checkpoint-*.bin) and no shard-0 directory of a sharded server's`);
  const first = new CheckpointStore(shardCheckpointDirectory(directory, 0));
  const [newest] = await first.rounds();
  if (newest === undefined) throw new CheckpointLayoutError(`${first.directory} holds no checkpoint files`);
  const count = (await loadOrExplain(first, newest)).shard?.count;
  if (count === undefined) throw new CheckpointLayoutError(`${first.directory} holds an unsharded server's checkpoints`);
  const stores = Array.from({ length: count }, (_, index) => new CheckpointStore(shardCheckpointDirectory(directory, index)));
  const rounds = await Promise.all(stores.map((store) => store.rounds()));
  rounds.forEach((held, index) => {
    if (held.length === 0) throw new CheckpointLayoutError(`the checkpoints are of ${count} shards, but ${stores[index]!.directory} holds none`);
  });
  const common = wanted(rounds[0]!.filter((round) => rounds.every((held) => held.includes(round))));
  if (common.length === 0) throw new CheckpointLayoutError(`${onlyRound === undefined ? 'no round has' : `round ${onlyRound} has no`} checkpoint in every shard's directory (${rounds.map((held, index) => `shard ${index}: ${held.join(' ')}`).join('; ')})`);
  const { round, parts, skipped } = await newestReadable(common, (candidate) => Promise.all(stores.map((store) => loadOrExplain(store, candidate))), "no round has a readable checkpoint in every shard's directory");
  return { round, parameters: joinShards(parts, count), shards: count, task: parts[0]!.task, skipped };
}

async function readUnsharded(store: CheckpointStore, rounds: readonly number[]): Promise<CheckpointedParameters> {
  const { round, parts, skipped } = await newestReadable(rounds, async (candidate) => [await loadOrExplain(store, candidate)], `no checkpoint in ${store.directory} is readable`);
  const checkpoint = parts[0]!;
  if (checkpoint.shard !== undefined) {
    throw new CheckpointLayoutError(`${store.directory} holds shard ${checkpoint.shard.index} of ${checkpoint.shard.count}'s checkpoints; give the directory that holds shard-0 … shard-${checkpoint.shard.count - 1}`);
  }
  return { round, parameters: checkpoint.parameters, shards: 1, task: checkpoint.task, skipped };
}

/** The first of `rounds` (newest first) whose checkpoints all load, with the newer ones passed over and why; throws `none` and the reasons when none does. */
async function newestReadable(rounds: readonly number[], load: (round: number) => Promise<Checkpoint[]>, none: string): Promise<{ round: number; parts: Checkpoint[]; skipped: string[] }> {
  const skipped: string[] = [];
  for (const round of rounds) {
    try {
      return { round, parts: await load(round), skipped };
    } catch (error) {
      skipped.push(`round ${round}: ${(error as Error).message}`);
    }
  }
  throw new CheckpointLayoutError(`${none}: ${skipped.join('; ')}`);
}

async function loadOrExplain(store: CheckpointStore, round: number): Promise<Checkpoint> {
  try {
    return await store.load(round);
  } catch (error) {
    throw new CheckpointLayoutError((error as Error).message);
  }
}

/** The shards' ranges put together; they must be shards 0…S−1 of one run and tile [0, d). */
function joinShards(parts: readonly Checkpoint[], count: number): Float32Array {
  const { task, dimension, seed } = parts[0]!;
  const whole = new Float32Array(dimension);
  let next = 0;
  parts.forEach((part, index) => {
    const shard = part.shard;
    if (shard?.index !== index || shard.count !== count) throw new CheckpointLayoutError(`the checkpoint in shard-${index} is not shard ${index} of ${count}'s`);
    if (part.task !== task || part.dimension !== dimension || part.seed !== seed) throw new CheckpointLayoutError(`shard ${index}'s checkpoint is of ${part.task} (d = ${part.dimension}, seed ${part.seed}), shard 0's of ${task} (d = ${dimension}, seed ${seed})`);
    if (shard.start !== next || shard.end - shard.start !== part.parameters.length) throw new CheckpointLayoutError(`shard ${index} holds coordinates [${shard.start}, ${shard.end}), where [${next}, …) was due`);
    whole.set(part.parameters, shard.start);
    next = shard.end;
  });
  if (next !== dimension) throw new CheckpointLayoutError(`the shards cover [0, ${next}) of ${dimension} coordinates`);
  return whole;
}
