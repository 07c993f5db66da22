import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RuleState } from '../aggregators/index.js';

/** Everything a restarted server needs to continue where it stopped. */
export interface Checkpoint {
  /** The round open when the checkpoint was taken: θ is θ_round. */
  readonly round: number;
  readonly task: string;
  readonly dimension: number;
  readonly seed: number;
  readonly rule: string;
  readonly parameters: Float32Array;
  readonly velocity: Float32Array | undefined;
  readonly ruleState: RuleState | undefined;
  /** Worker ids by name, so workers keep their ids across a restart. */
  readonly workers: readonly { readonly id: number; readonly name: string }[];
  /** A shard's checkpoint: parameters, velocity and the rule state's vectors are its range [start, end) of the coordinates. */
  readonly shard?: ShardOfCheckpoint;
}

/** Which shard of how many wrote a checkpoint, its range, and the round whose aggregate its rule state holds (−1: none). */
export interface ShardOfCheckpoint {
  readonly index: number;
  readonly count: number;
  readonly start: number;
  readonly end: number;
  readonly stateRound: number;
}

/** Where shard `index` of a sharded server keeps its checkpoints, when the shards share one directory (byzps start, checkpoint export). */
export function shardCheckpointDirectory(directory: string, index: number): string {
  return join(directory, `shard-${index}`);
}

/** A checkpoint file that was skipped, and why. */
export interface SkippedCheckpoint {
  readonly file: string;
  readonly problem: string;
}

const MAGIC = Buffer.from('BYZPSCK1', 'ascii');
const DIGEST_BYTES = 32;
const FILE_PATTERN = /^checkpoint-(\d{10})\.bin$/;
/** How many checkpoints stay on disk by default: the newest and one to fall back on if it is damaged. */
const KEEP = 2;

type ArrayKind = 'float32' | 'float64';
interface ArrayEntry {
  readonly name: string;
  readonly kind: ArrayKind;
  readonly length: number;
}

function fileName(round: number): string {
  return `checkpoint-${String(round).padStart(10, '0')}.bin`;
}

function bytesOf(array: Float32Array | Float64Array): Buffer {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}

/**
 * Layout: magic, header length (u32 LE), JSON header, the arrays' raw little-endian bytes in header
 * order, then SHA-256 of everything before it.
 */
export function encodeCheckpoint(checkpoint: Checkpoint): Buffer {
  const arrays: { entry: ArrayEntry; data: Float32Array | Float64Array }[] = [{ entry: { name: 'parameters', kind: 'float32', length: checkpoint.parameters.length }, data: checkpoint.parameters }];
  if (checkpoint.velocity !== undefined) arrays.push({ entry: { name: 'velocity', kind: 'float32', length: checkpoint.velocity.length }, data: checkpoint.velocity });
  const scalars: Record<string, number> = {};
  for (const [key, value] of Object.entries(checkpoint.ruleState ?? {})) {
    if (typeof value === 'number') scalars[key] = value;
    else arrays.push({ entry: { name: `rule.${key}`, kind: value instanceof Float32Array ? 'float32' : 'float64', length: value.length }, data: value });
  }
  const header = Buffer.from(
    JSON.stringify({
      round: checkpoint.round,
      task: checkpoint.task,
      dimension: checkpoint.dimension,
      seed: checkpoint.seed,
      rule: checkpoint.rule,
      hasRuleState: checkpoint.ruleState !== undefined,
      ruleScalars: scalars,
      workers: checkpoint.workers,
      ...(checkpoint.shard === undefined ? {} : { shard: checkpoint.shard }),
      arrays: arrays.map((array) => array.entry),
    }),
    'utf8',
  );
  const headerLength = Buffer.alloc(4);
  headerLength.writeUInt32LE(header.length);
  const body = Buffer.concat([MAGIC, headerLength, header, ...arrays.map((array) => bytesOf(array.data))]);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

/** Decodes and verifies a checkpoint; throws a message saying what is wrong with it. */
export function decodeCheckpoint(file: Buffer): Checkpoint {
  if (file.length < MAGIC.length + 4 + DIGEST_BYTES || !file.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('not a byzps checkpoint');
  const body = file.subarray(0, file.length - DIGEST_BYTES);
  if (!createHash('sha256').update(body).digest().equals(file.subarray(file.length - DIGEST_BYTES))) throw new Error('checksum mismatch (truncated or corrupt)');
  const headerLength = body.readUInt32LE(MAGIC.length);
  const headerStart = MAGIC.length + 4;
  const header = JSON.parse(body.subarray(headerStart, headerStart + headerLength).toString('utf8')) as {
    round: number;
    task: string;
    dimension: number;
    seed: number;
    rule: string;
    hasRuleState: boolean;
    ruleScalars: Record<string, number>;
    workers: { id: number; name: string }[];
    shard?: ShardOfCheckpoint;
    arrays: ArrayEntry[];
  };
  let position = headerStart + headerLength;
  const arrays = new Map<string, Float32Array | Float64Array>();
  for (const entry of header.arrays) {
    const bytesPer = entry.kind === 'float32' ? 4 : 8;
    const slice = body.subarray(position, position + entry.length * bytesPer);
    // Copy into a fresh, aligned buffer: the slice may sit at any offset of the file buffer.
    const aligned = new Uint8Array(slice.length);
    aligned.set(slice);
    arrays.set(entry.name, entry.kind === 'float32' ? new Float32Array(aligned.buffer) : new Float64Array(aligned.buffer));
    position += slice.length;
  }
  if (position !== body.length) throw new Error('array sizes do not match the file size');
  const ruleState: Record<string, number | Float32Array | Float64Array> = { ...header.ruleScalars };
  for (const [name, array] of arrays) if (name.startsWith('rule.')) ruleState[name.slice('rule.'.length)] = array;
  return {
    round: header.round,
    task: header.task,
    dimension: header.dimension,
    seed: header.seed,
    rule: header.rule,
    parameters: arrays.get('parameters') as Float32Array,
    velocity: arrays.get('velocity') as Float32Array | undefined,
    ruleState: header.hasRuleState ? ruleState : undefined,
    workers: header.workers,
    ...(header.shard === undefined ? {} : { shard: header.shard }),
  };
}

/**
 * Checkpoints in one directory, written atomically (temp file, fsync, rename, fsync of the
 * directory) so a crash leaves either the old set or the new one; the newest `keep` are kept.
 */
export class CheckpointStore {
  constructor(
    readonly directory: string,
    private readonly keep = KEEP,
  ) {}

  /** Writes the checkpoint and prunes older ones; returns the file's path. */
  async write(checkpoint: Checkpoint): Promise<string> {
    await mkdir(this.directory, { recursive: true });
    const finalPath = join(this.directory, fileName(checkpoint.round));
    const tempPath = join(this.directory, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
    const handle = await open(tempPath, 'w');
    try {
      await handle.writeFile(encodeCheckpoint(checkpoint));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tempPath, finalPath);
    await this.syncDirectory();
    await this.prune();
    return finalPath;
  }

  /**
   * The newest checkpoint that verifies, and the newer files that did not, each with its problem.
   * Those are renamed to `<name>.corrupt`: kept for inspection, out of the way of later writes.
   */
  async loadNewest(): Promise<{ checkpoint: Checkpoint | undefined; skipped: SkippedCheckpoint[] }> {
    const skipped: SkippedCheckpoint[] = [];
    for (const file of await this.files()) {
      const path = join(this.directory, file);
      try {
        return { checkpoint: decodeCheckpoint(await readFile(path)), skipped };
      } catch (error) {
        skipped.push({ file, problem: (error as Error).message });
        await rename(path, `${path}.corrupt`);
      }
    }
    return { checkpoint: undefined, skipped };
  }

  /** The rounds of the checkpoint files on disk, newest first, unverified. */
  async rounds(): Promise<number[]> {
    return (await this.files()).map((file) => Number(FILE_PATTERN.exec(file)![1]));
  }

  /** The checkpoint of `round`, verified; throws when there is none or it does not verify. */
  async load(round: number): Promise<Checkpoint> {
    const file = join(this.directory, fileName(round));
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${this.directory} holds no checkpoint of round ${round}`);
      throw error;
    }
    try {
      return decodeCheckpoint(bytes);
    } catch (error) {
      throw new Error(`${file}: ${(error as Error).message}`);
    }
  }

  /** The path of the newest checkpoint file, unverified; undefined when there is none. */
  async newestPath(): Promise<string | undefined> {
    const [newest] = await this.files();
    return newest === undefined ? undefined : join(this.directory, newest);
  }

  /** Checkpoint file names, newest first. */
  private async files(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return names.filter((name) => FILE_PATTERN.test(name)).sort().reverse();
  }

  private async prune(): Promise<void> {
    for (const file of (await this.files()).slice(this.keep)) await rm(join(this.directory, file), { force: true });
  }

  /** Makes the rename itself durable. */
  private async syncDirectory(): Promise<void> {
    const directory = await open(this.directory, 'r');
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
  }
}
