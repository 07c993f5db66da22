import type { SeededRandom } from '../aggregators/index.js';
import { bytesField, fieldKey, gradientChunk, joinRequest, pullRequest, varint, varintField, WireType } from './protobuf-wire.js';
import type { RawCall } from './raw-grpc-client.js';

/** The kinds of malformed input the fuzz suite sends, each a generator below. */
export const FUZZ_CATEGORIES = ['random-bytes', 'mutated-protobuf', 'unknown-method', 'huge-length', 'bad-offset', 'wrong-wire-type', 'truncated-stream', 'interleaved'] as const;
export type FuzzCategory = (typeof FUZZ_CATEGORIES)[number];

const SERVICE = '/byzps.v1.ParameterServer';
const METHODS = [
  { path: `${SERVICE}/Join`, kind: 'unary' },
  { path: `${SERVICE}/Pull`, kind: 'server_stream' },
  { path: `${SERVICE}/Push`, kind: 'client_stream' },
] as const;

/** A push whose gradient is valid: if the server accepts it, it is part of that round's aggregate. */
export interface ValidPush {
  readonly workerId: number;
  readonly round: number;
  readonly gradient: Float32Array;
}

/** One fuzz input: the call to make, its category, and the valid push it carries, if any. */
export interface FuzzInput extends RawCall {
  readonly category: FuzzCategory;
  readonly validPush?: ValidPush;
}

/** What the generators need to know about the run they attack. */
export interface FuzzTarget {
  readonly dimension: number;
  readonly workerToken: string;
  /** Ids of workers the fuzzer joined; valid pushes use only these. */
  readonly fuzzWorkerIds: readonly number[];
  /** Ids of the honest workers; only invalid pushes use these. */
  readonly honestWorkerIds: readonly number[];
  /** The round the server has open, as last seen. */
  readonly openRound: () => number;
}

/** The gradient a known worker pushes for a round: distinct per worker and round, finite, of order 1. */
export function knownGradient(workerId: number, round: number, dimension: number): Float32Array {
  return Float32Array.from({ length: dimension }, (_, j) => Math.sin(1 + 0.37 * j + 1.3 * round + 2.1 * workerId));
}

/**
 * Seeded generators of malformed calls. By construction none of them but `interleaved` can carry a
 * complete gradient (mutations only remove or change bytes of pushes that cover half of d, random
 * messages are shorter than d·4 bytes), so only pushes the suite knows can ever be accepted.
 */
export class FuzzInputs {
  constructor(private readonly random: SeededRandom, private readonly target: FuzzTarget) {}

  /** The next input of `category`. */
  next(category: FuzzCategory): FuzzInput {
    const token = this.token();
    switch (category) {
      case 'random-bytes': {
        const method = this.pick(METHODS);
        const count = method.kind === 'client_stream' ? 1 + this.int(4) : 1;
        return { category, ...method, token, messages: Array.from({ length: count }, () => this.bytes(this.int(this.target.dimension * 3))) };
      }
      case 'mutated-protobuf': {
        const method = this.pick(METHODS);
        const messages = this.wellFormed(method.path).map((message) => this.mutate(message));
        return { category, ...method, token, messages };
      }
      case 'unknown-method':
        return { category, path: this.unknownPath(), kind: this.pick(METHODS).kind, token, messages: [this.bytes(this.int(64))] };
      case 'huge-length':
        return { category, ...this.hugeLength(), token };
      case 'bad-offset':
        return { category, path: `${SERVICE}/Push`, kind: 'client_stream', token, messages: this.badOffsets() };
      case 'wrong-wire-type':
        return { category, ...this.wrongWireType(), token };
      case 'truncated-stream': {
        const chunks = this.halfGradient(this.pick(this.target.fuzzWorkerIds), this.target.openRound(), 4);
        return { category, path: `${SERVICE}/Push`, kind: 'client_stream', token, messages: chunks, cancelAfter: this.int(chunks.length) };
      }
      case 'interleaved':
        return this.interleaved();
    }
  }

  private int(bound: number): number {
    return Math.floor(this.random.next() * bound);
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  private bytes(length: number): Buffer {
    return Buffer.from(Array.from({ length }, () => this.int(256)));
  }

  /** Mostly the worker token, so inputs get past authentication into decoding and validation. */
  private token(): string | undefined {
    const draw = this.random.next();
    return draw < 0.02 ? undefined : draw < 0.04 ? 'not-the-token' : this.target.workerToken;
  }

  private anyWorkerId(): number {
    const draw = this.random.next();
    if (draw < 0.1) return this.int(2 ** 32);
    return this.pick(draw < 0.3 ? this.target.honestWorkerIds : this.target.fuzzWorkerIds);
  }

  /** Chunks covering the first half of d only (never a complete gradient), `perChunk` values each. */
  private halfGradient(workerId: number, round: number, chunks: number): Buffer[] {
    const half = this.target.dimension / 2;
    const values = knownGradient(workerId, round, half);
    const perChunk = Math.ceil(half / chunks);
    const messages: Buffer[] = [];
    for (let offset = 0; offset < half; offset += perChunk) {
      messages.push(gradientChunk(workerId, round, offset, new Uint8Array(values.buffer, offset * 4, Math.min(perChunk, half - offset) * 4)));
    }
    return messages;
  }

  private wellFormed(path: string): Buffer[] {
    if (path.endsWith('/Join')) return [joinRequest(`fuzz-${this.int(1000)}`)];
    if (path.endsWith('/Pull')) return [pullRequest(this.anyWorkerId())];
    return this.halfGradient(this.anyWorkerId(), this.target.openRound(), 1 + this.int(3));
  }

  /** Flips bits, overwrites bytes, cuts out a range or truncates; never makes a message longer. */
  private mutate(message: Buffer): Buffer {
    let bytes = Buffer.from(message);
    for (let step = 1 + this.int(4); step > 0 && bytes.length > 0; step--) {
      const at = this.int(bytes.length);
      const operation = this.int(4);
      if (operation === 0) bytes[at] = bytes[at]! ^ (1 << this.int(8));
      else if (operation === 1) bytes[at] = this.int(256);
      else if (operation === 2) bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1 + this.int(8))]);
      else bytes = bytes.subarray(0, at);
    }
    return bytes;
  }

  private unknownPath(): string {
    const name = this.bytes(1 + this.int(12)).toString('base64url');
    return this.pick([`${SERVICE}/${name}`, `/byzps.v1.Control/${name}`, `/byzps.v2.ParameterServer/Push`, `/${name}/${name}`, `/grpc.health.v1.Health/${name}`]);
  }

  /** Length prefixes claiming up to terabytes in front of a few bytes, and varints that never end. */
  private hugeLength(): Pick<RawCall, 'path' | 'kind' | 'messages'> {
    const claimed = 2 ** (31 + this.int(10)) + this.int(1000);
    const tail = this.bytes(this.int(32));
    const endless = Buffer.alloc(11 + this.int(8), 0xff);
    const round = this.target.openRound();
    const options = [
      { ...METHODS[2], messages: [Buffer.concat([varintField(1, this.anyWorkerId()), varintField(2, round), varintField(3, 0), fieldKey(4, WireType.lengthDelimited), varint(claimed), tail])] },
      { ...METHODS[2], messages: [Buffer.concat([varintField(1, this.anyWorkerId()), fieldKey(2, WireType.varint), endless])] },
      { ...METHODS[0], messages: [Buffer.concat([fieldKey(1, WireType.lengthDelimited), varint(claimed), tail])] },
      { ...METHODS[1], messages: [Buffer.concat([fieldKey(1, WireType.varint), endless])] },
    ];
    return this.pick(options);
  }

  /** Pushes whose chunks are individually decodable but do not form [0, d) once: out of range, misaligned, overlapping, gapped, too long. */
  private badOffsets(): Buffer[] {
    const d = this.target.dimension;
    const id = this.anyWorkerId();
    const round = this.target.openRound();
    const values = (count: number) => new Uint8Array(knownGradient(id, round, count).buffer);
    const chunk = (offset: number | bigint, data: Uint8Array) => Buffer.concat([varintField(1, id), varintField(2, round), varintField(3, offset), bytesField(4, data)]);
    const half = d / 2;
    const cases: (() => Buffer[])[] = [
      () => [chunk(2 ** 32 - 1 - this.int(8), values(1 + this.int(4)))],
      // uint32 fields keep the low 32 bits of a longer varint (as protobuf specifies), so this offset may
      // read as 0..d−1: the second chunk stops one short of d so that the pair is never complete.
      () => [chunk(BigInt(2 ** 32) + BigInt(this.int(d)), values(half)), chunk(half, values(half - 1))],
      () => [chunk(d - this.int(4), values(8))],
      () => [chunk(0, this.bytes(1 + 4 * this.int(4) + this.pick([1, 2, 3])))],
      () => [chunk(0, new Uint8Array(0))],
      () => [chunk(0, values(half + 1)), chunk(half, values(half))],
      () => [chunk(0, values(half - 1)), chunk(half, values(half))],
      () => [chunk(0, values(d + 1 + this.int(d)))],
      () => [chunk(half, values(half)), chunk(half, values(half))],
    ];
    return this.pick(cases)();
  }

  /** Valid field numbers with the wrong wire types, and the wire types protobuf never defined. */
  private wrongWireType(): Pick<RawCall, 'path' | 'kind' | 'messages'> {
    const id = this.anyWorkerId();
    const round = this.target.openRound();
    const short = this.bytes(this.int(16));
    const options = [
      { ...METHODS[2], messages: [Buffer.concat([bytesField(1, short), varintField(2, round), varintField(3, 0), bytesField(4, short)])] },
      { ...METHODS[2], messages: [Buffer.concat([varintField(1, id), varintField(2, round), varintField(3, 0), varintField(4, this.int(2 ** 31))])] },
      { ...METHODS[2], messages: [Buffer.concat([varintField(1, id), fieldKey(2, WireType.fixed64), this.bytes(8), fieldKey(3, WireType.fixed32), this.bytes(4)])] },
      { ...METHODS[2], messages: [Buffer.concat([varintField(1, id), fieldKey(1 + this.int(6), this.pick([3, 4, 6, 7])), short])] },
      { ...METHODS[0], messages: [Buffer.concat([varintField(1, this.int(2 ** 31))])] },
      { ...METHODS[1], messages: [Buffer.concat([bytesField(1, short)])] },
    ];
    return this.pick(options);
  }

  /**
   * Valid and invalid pushes from the fuzzer's joined workers, mixed: a complete gradient (which
   * the server may accept), one with a NaN, a closed or far-future round, a stream that switches worker
   * id halfway, and repeats.
   */
  private interleaved(): FuzzInput {
    const base = { category: 'interleaved' as const, path: `${SERVICE}/Push`, kind: 'client_stream' as const, token: this.target.workerToken };
    const workerId = this.pick(this.target.fuzzWorkerIds);
    const round = this.target.openRound();
    const d = this.target.dimension;
    const gradient = knownGradient(workerId, round, d);
    const split = 1 + this.int(d - 1);
    const chunks = (id: number, r: number, values: Float32Array, secondId = id) => [
      gradientChunk(id, r, 0, new Uint8Array(values.buffer, 0, split * 4)),
      gradientChunk(secondId, r, split, new Uint8Array(values.buffer, split * 4)),
    ];
    const variant = this.int(5);
    if (variant === 0 || variant === 1) return { ...base, messages: chunks(workerId, round, gradient), validPush: { workerId, round, gradient } };
    if (variant === 2) {
      const poisoned = gradient.slice();
      poisoned[this.int(d)] = this.pick([NaN, Infinity, -Infinity]);
      return { ...base, messages: chunks(workerId, round, poisoned) };
    }
    if (variant === 3) {
      // The server may be rounds ahead of the round last seen, never behind it: so round − 1 is surely closed, and only far ahead is surely not open.
      const wrongRound = round === 0 || this.random.next() < 0.5 ? round + 1000 + this.int(1000) : round - 1;
      return { ...base, messages: chunks(workerId, wrongRound, gradient) };
    }
    return { ...base, messages: chunks(workerId, round, gradient, this.pick([...this.target.honestWorkerIds, ...this.target.fuzzWorkerIds].filter((id) => id !== workerId))) };
  }
}
