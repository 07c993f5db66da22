/**
 * Protocol Buffers wire encoding written out by hand (varints, keys, fields), independent of the
 * server's codec, so tests can build well-formed messages and also ones no encoder would produce.
 */

/** Wire types of the encoding. */
export const WireType = { varint: 0, fixed64: 1, lengthDelimited: 2, fixed32: 5 } as const;

/** Base-128 varint of a non-negative integer (up to 2^64 − 1). */
export function varint(value: number | bigint): Buffer {
  let rest = BigInt(value);
  if (rest < 0n) throw new RangeError('varints here are unsigned');
  const bytes: number[] = [];
  do {
    const low = Number(rest & 0x7fn);
    rest >>= 7n;
    bytes.push(rest === 0n ? low : low | 0x80);
  } while (rest !== 0n);
  return Buffer.from(bytes);
}

export function fieldKey(field: number, wireType: number): Buffer {
  return varint((field << 3) | wireType);
}

export function varintField(field: number, value: number | bigint): Buffer {
  return Buffer.concat([fieldKey(field, WireType.varint), varint(value)]);
}

export function bytesField(field: number, bytes: Uint8Array): Buffer {
  return Buffer.concat([fieldKey(field, WireType.lengthDelimited), varint(bytes.length), bytes]);
}

/** A GradientChunk (worker_id = 1, round = 2, offset = 3, data = 4) as a well-behaved encoder writes it. */
export function gradientChunk(workerId: number, round: number, offset: number, data: Uint8Array): Buffer {
  return Buffer.concat([varintField(1, workerId), varintField(2, round), varintField(3, offset), bytesField(4, data)]);
}

/** A JoinRequest (worker_name = 1). */
export function joinRequest(name: string): Buffer {
  return bytesField(1, Buffer.from(name, 'utf8'));
}

/** A PullRequest (worker_id = 1). */
export function pullRequest(workerId: number): Buffer {
  return varintField(1, workerId);
}
