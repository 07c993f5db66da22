import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { closeSync, createWriteStream, openSync, type WriteStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { EXIT_WITH_PARENT_ENV } from '../exit-with-parent.js';

/** How a child ended: its exit code, or the signal that ended it. */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Lines of stderr kept to explain an unexpected exit. */
const STDERR_LINES_KEPT = 5;

/**
 * One `byzps` subcommand run as a child process of this one. It gets a stdin pipe this process
 * never writes to and BYZPS_EXIT_WITH_PARENT=1, so it stops by itself when this process ends,
 * however it ends; it runs in its own process group, so a Ctrl-C in the terminal reaches only this
 * process, which then stops the children in its own order. Its stdout (the JSON log) goes straight
 * to `logFile`, not through this process: a logger whose stdout reader has died can hang while
 * flushing at exit. Its stderr, where a byzps process says where it listens, comes here and is
 * appended to the same file.
 */
export class ByzpsChild {
  readonly pid: number;
  /** Resolves once the process has ended and its output is read to the end. */
  readonly exited: Promise<ChildExit>;
  /** Set once this process asked the child to stop; an exit before that is unexpected. */
  stopping = false;
  private ended = false;
  private readonly stderrTail: string[] = [];
  private readonly process: ChildProcessByStdio<Writable, null, Readable>;
  private readonly log: WriteStream;

  /**
   * @param env the child's whole environment, on top of which the exit-with-parent switch is set.
   * @param entry the byzps entry point; by default the one running this process, with the same
   *   Node and loader flags.
   */
  constructor(
    readonly name: string,
    args: readonly string[],
    env: Readonly<Record<string, string>>,
    readonly logFile: string,
    entry: string = process.argv[1]!,
  ) {
    const logFd = openSync(logFile, 'a');
    try {
      this.process = spawn(process.execPath, [...process.execArgv, entry, ...args], {
        env: { ...env, [EXIT_WITH_PARENT_ENV]: '1' },
        stdio: ['pipe', logFd, 'pipe'],
        detached: true,
        // Node's typings give a file descriptor in stdio no overload of their own.
      }) as ChildProcessByStdio<Writable, null, Readable>;
    } finally {
      closeSync(logFd);
    }
    this.pid = this.process.pid ?? -1;
    this.log = createWriteStream(logFile, { flags: 'a' });
    forEachLine(this.process.stderr, (line) => {
      this.log.write(`${line}\n`);
      this.stderrTail.push(line);
      if (this.stderrTail.length > STDERR_LINES_KEPT) this.stderrTail.shift();
    });
    // A child that dies first closes its end of the pipe; writes never happen, but the error must not crash this process.
    this.process.stdin.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      this.process.once('error', () => {
        this.ended = true;
        resolve({ code: null, signal: null });
      });
      this.process.once('close', (code, signal) => {
        this.ended = true;
        this.log.end();
        resolve({ code, signal });
      });
    });
  }

  hasEnded(): boolean {
    return this.ended;
  }

  /** The child's last lines of stderr, newest last. */
  lastStderrLines(): readonly string[] {
    return this.stderrTail;
  }

  /** Waits until a stderr line matches (the address line a `byzps` process prints once it listens). */
  async waitForStderrLine(pattern: RegExp, limitMs: number): Promise<RegExpExecArray> {
    const deadline = Date.now() + limitMs;
    for (;;) {
      for (const line of this.stderrTail) {
        const match = pattern.exec(line);
        if (match !== null) return match;
      }
      if (this.ended) throw new Error(`${this.name} exited before it was ready${describeTail(this.stderrTail)}`);
      if (Date.now() > deadline) throw new Error(`${this.name} was not ready after ${limitMs / 1000} s${describeTail(this.stderrTail)}`);
      await sleep(50);
    }
  }

  /** SIGTERM, then SIGKILL if the child has not ended within `graceMs`; resolves with how it ended. */
  async stop(graceMs: number): Promise<ChildExit> {
    this.stopping = true;
    if (!this.ended) {
      this.process.kill('SIGTERM');
      const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    return this.exited;
  }

  /** Ends the child at once (a second Ctrl-C). */
  kill(): void {
    this.stopping = true;
    if (!this.ended) this.process.kill('SIGKILL');
  }
}

/** ` : <the last stderr line>`, or nothing when there is none. */
export function describeTail(lines: readonly string[]): string {
  const last = lines.at(-1);
  return last === undefined ? '' : `: ${last}`;
}

/** How an exit reads in a message: `code 1` or `signal SIGKILL`. */
export function describeExit(exit: ChildExit): string {
  return exit.signal !== null ? `signal ${exit.signal}` : `code ${String(exit.code)}`;
}

function forEachLine(stream: Readable, handle: (line: string) => void): void {
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!;
    for (const line of lines) handle(line);
  });
  stream.on('end', () => {
    if (partial !== '') handle(partial);
  });
}
