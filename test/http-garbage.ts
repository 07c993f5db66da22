import { connect, type Socket } from 'node:net';
import type { SeededRandom } from '../aggregators/index.js';

/** How the server answered a malformed HTTP request: its status code, or that it closed the connection without one. */
export type HttpGarbageOutcome = `HTTP ${number}` | 'closed without a response' | 'no answer';

/** The kinds of malformed request sent to the /metrics port. */
export const HTTP_GARBAGE_KINDS = ['random bytes', 'bad request line', 'huge header', 'bad header'] as const;
export type HttpGarbageKind = (typeof HTTP_GARBAGE_KINDS)[number];

/** The bytes of one malformed request of `kind`. */
export function httpGarbage(random: SeededRandom, kind: HttpGarbageKind): Buffer {
  const text = (length: number) => Array.from({ length }, () => String.fromCharCode(32 + Math.floor(random.next() * 95))).join('');
  switch (kind) {
    case 'random bytes':
      return Buffer.from(Array.from({ length: 1 + Math.floor(random.next() * 512) }, () => Math.floor(random.next() * 256)));
    case 'bad request line':
      return Buffer.from([`${text(8)} /metrics HTTP/1.1\r\n\r\n`, `GET ${text(20)}\r\n\r\n`, 'GET /metrics HTTP/9.9\r\n\r\n', `GET /metrics HTTP/1.1 ${text(4)}\r\n\r\n`, '\r\n\r\n'][Math.floor(random.next() * 5)]!);
    case 'huge header':
      return Buffer.from(`GET /metrics HTTP/1.1\r\nHost: x\r\nX-Filler: ${'a'.repeat(64 * 1024 + Math.floor(random.next() * 64 * 1024))}\r\n\r\n`);
    case 'bad header':
      return Buffer.from([`GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: -${Math.floor(random.next() * 100)}\r\n\r\n`, `GET /metrics HTTP/1.1\r\n${text(30)}\r\n\r\n`, 'GET /metrics HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\nzz'][Math.floor(random.next() * 3)]!);
  }
}

/** Sends `bytes` on a fresh connection and reports the status line the server answered with, if any, within `limitMs`. */
export function sendHttpGarbage(port: number, bytes: Buffer, limitMs: number): Promise<HttpGarbageOutcome> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const finish = (outcome: HttpGarbageOutcome) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => {
      finish('no answer');
    }, limitMs);
    socket.on('data', (data: Buffer) => {
      received += data.toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(received);
      if (status !== null) finish(`HTTP ${Number(status[1])}`);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      finish('closed without a response');
    });
    socket.write(bytes);
  });
}

/**
 * A slowloris client: opens a request and sends its headers one byte at a time, never finishing.
 * Resolves with how long the server let it hang on before closing the connection.
 */
export function slowloris(port: number, byteEveryMs: number): { readonly closedAfterMs: Promise<number>; stop(): void } {
  const socket: Socket = connect(port, '127.0.0.1');
  const started = Date.now();
  const header = Buffer.from('GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
  socket.write(header);
  const drip = setInterval(() => {
    socket.write('a');
  }, byteEveryMs);
  socket.on('error', () => undefined);
  const closedAfterMs = new Promise<number>((resolve) => {
    socket.on('close', () => {
      clearInterval(drip);
      resolve(Date.now() - started);
    });
  });
  return {
    closedAfterMs,
    stop: () => {
      clearInterval(drip);
      socket.destroy();
    },
  };
}
