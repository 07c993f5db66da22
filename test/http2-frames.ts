import { connect } from 'node:net';
import type { SeededRandom } from '../aggregators/index.js';

/**
 * HTTP/2 frames written out by hand (RFC 9113 §4, HPACK literals of RFC 7541 §6.2.2), so tests can
 * open connections that end in a connection error of the peer's choosing, below any gRPC library.
 */

export const CLIENT_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export const FrameType = { data: 0x0, headers: 0x1, settings: 0x4, goaway: 0x7 } as const;
export const FrameFlag = { endStream: 0x1, endHeaders: 0x4 } as const;

/** One frame; `declaredLength` overrides the length field, for headers that lie about their payload. */
export function frame(type: number, flags: number, streamId: number, payload: Uint8Array = Buffer.alloc(0), declaredLength = payload.length): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(declaredLength, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId, 5);
  return Buffer.concat([header, payload]);
}

/** An HPACK integer with an `prefixBits`-bit prefix, OR-ed into `firstByteFlags` (RFC 7541 §5.1). */
function hpackInteger(value: number, prefixBits: number, firstByteFlags: number): Buffer {
  const limit = (1 << prefixBits) - 1;
  if (value < limit) return Buffer.from([firstByteFlags | value]);
  const bytes = [firstByteFlags | limit];
  let rest = value - limit;
  while (rest >= 128) {
    bytes.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

/** A header field as a literal without indexing, with a literal name and no Huffman coding. */
function hpackLiteral(name: string, value: string): Buffer {
  const string = (text: string) => Buffer.concat([hpackInteger(Buffer.byteLength(text), 7, 0), Buffer.from(text, 'latin1')]);
  return Buffer.concat([Buffer.from([0x00]), string(name), string(value)]);
}

/** The header block of a gRPC request to `path`, as a client with no compression context writes it. */
export function grpcRequestHeaders(path: string): Buffer {
  return Buffer.concat([
    hpackLiteral(':method', 'POST'),
    hpackLiteral(':scheme', 'http'),
    hpackLiteral(':path', path),
    hpackLiteral(':authority', 'byzps-test'),
    hpackLiteral('content-type', 'application/grpc'),
    hpackLiteral('te', 'trailers'),
  ]);
}

/** A gRPC length-prefixed message (uncompressed). */
export function grpcMessage(body: Uint8Array): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(body.length, 1);
  return Buffer.concat([prefix, body]);
}

/** The ways a connection is made to end in an HTTP/2 connection error. */
export const PROTOCOL_ERROR_KINDS = ['oversized frame header', 'bad HPACK', 'DATA on stream 0', 'garbage after the preface', 'error with a call open'] as const;
export type ProtocolErrorKind = (typeof PROTOCOL_ERROR_KINDS)[number];

/** A call that stays open until the connection ends: the health service streams status changes. */
const OPEN_CALL_PATH = '/grpc.health.v1.Health/Watch';

/** What a client sends, from the preface on, to end its connection in an error of `kind`. */
export function protocolErrorBytes(kind: ProtocolErrorKind, random: SeededRandom): Buffer {
  const settings = frame(FrameType.settings, 0, 0);
  const pick = <T>(choices: readonly T[]) => choices[Math.floor(random.next() * choices.length)]!;
  const stream = 1 + 2 * Math.floor(random.next() * 1000);
  switch (kind) {
    case 'oversized frame header':
      // Beyond SETTINGS_MAX_FRAME_SIZE (16 KiB unless raised): FRAME_SIZE_ERROR before any payload.
      return Buffer.concat([CLIENT_PREFACE, settings, frame(pick([FrameType.data, FrameType.headers]), 0, stream, Buffer.alloc(0), 0x4000 + 1 + Math.floor(random.next() * (0xffffff - 0x4000)))]);
    case 'bad HPACK':
      // Index 0 is invalid; the others point past the static and (empty) dynamic tables, or overflow the integer.
      return Buffer.concat([
        CLIENT_PREFACE,
        settings,
        frame(FrameType.headers, FrameFlag.endHeaders | FrameFlag.endStream, stream, pick([Buffer.from([0x80]), Buffer.from([0xbf]), hpackInteger(5000, 7, 0x80), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])])),
      ]);
    case 'DATA on stream 0':
      return Buffer.concat([CLIENT_PREFACE, settings, frame(FrameType.data, 0, 0, Buffer.from(Array.from({ length: 1 + Math.floor(random.next() * 64) }, () => Math.floor(random.next() * 256))))]);
    case 'garbage after the preface': {
      const garbage = Buffer.from(Array.from({ length: 9 + Math.floor(random.next() * 128) }, () => Math.floor(random.next() * 256)));
      // Not a SETTINGS frame, which a client must send first.
      if (garbage[3] === FrameType.settings) garbage[3] = 0xff;
      return Buffer.concat([CLIENT_PREFACE, garbage]);
    }
    case 'error with a call open':
      // A well-formed call the server keeps open, then DATA on stream 0: the call's stream is still open when the error comes.
      return Buffer.concat([
        CLIENT_PREFACE,
        settings,
        frame(FrameType.headers, FrameFlag.endHeaders, 1, grpcRequestHeaders(OPEN_CALL_PATH)),
        frame(FrameType.data, FrameFlag.endStream, 1, grpcMessage(Buffer.alloc(0))),
        frame(FrameType.data, 0, 0, Buffer.from('after the call')),
      ]);
  }
}

/** How the server answered: the error code of its GOAWAY (undefined without one) and whether it closed the TCP connection. */
export interface ProtocolErrorOutcome {
  readonly goawayCode: number | undefined;
  readonly closedByServer: boolean;
}

/** Reads the server's frames until a GOAWAY arrives or the server closes; `onFrame` sees each frame type. */
function watchFrames(onFrame: (type: number, payload: Buffer) => void): (data: Buffer) => void {
  let pending = Buffer.alloc(0);
  return (data) => {
    pending = Buffer.concat([pending, data]);
    while (pending.length >= 9) {
      const length = pending.readUIntBE(0, 3);
      if (pending.length < 9 + length) return;
      onFrame(pending[3]!, pending.subarray(9, 9 + length));
      pending = pending.subarray(9 + length);
    }
  };
}

/**
 * Connects to `port` on 127.0.0.1, sends `bytes`, and waits (at most `limitMs`) for the server's
 * GOAWAY or for it to close the connection. With `close: 'after GOAWAY'` the client then closes its
 * end; with `'wait for server'` it waits (within the same limit) for the server to close the TCP
 * connection, as RFC 9113 §5.4.1 requires after a connection error.
 */
export function provokeProtocolError(port: number, bytes: Buffer, close: 'after GOAWAY' | 'wait for server', limitMs: number): Promise<ProtocolErrorOutcome> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let goawayCode: number | undefined;
    let closedByServer = false;
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ goawayCode, closedByServer });
    };
    const timer = setTimeout(finish, limitMs);
    socket.on(
      'data',
      watchFrames((type, payload) => {
        if (type !== FrameType.goaway || goawayCode !== undefined) return;
        goawayCode = payload.readUInt32BE(4);
        if (close === 'after GOAWAY') finish();
      }),
    );
    socket.on('end', () => {
      closedByServer = true;
      finish();
    });
    socket.on('error', () => {
      closedByServer = true;
      finish();
    });
    socket.write(bytes);
  });
}
