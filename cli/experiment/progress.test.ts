import { describe, expect, it } from 'vitest';
import { Progress } from './progress.js';

/** Collects what the progress writes, as a terminal or a log file would receive it. */
function sink(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, output: { isTTY, columns: 200, write: (text: string) => writes.push(text) } };
}

const CLEAR_LINE = '\r\x1b[K';

/** The text of a redraw: it must start by returning to the line's start and clearing it. */
function redrawn(write: string | undefined): string {
  expect(write?.startsWith(CLEAR_LINE)).toBe(true);
  return write!.slice(CLEAR_LINE.length);
}

describe('Progress', () => {
  it('writes one plain line per cell event when not on a terminal', () => {
    const { writes, output } = sink(false);
    const progress = new Progress(output, 3, 2, 50);
    progress.cellStarted('mean × none f=1 seed=1');
    progress.cellRound('mean × none f=1 seed=1', 10);
    progress.cellFinished('mean × none f=1 seed=1', 'accuracy 70.0% in 12 s', 12);
    progress.cellSkipped('median × none f=1 seed=1');
    progress.cellFailed('krum × none f=1 seed=1', 'a worker stopped');
    progress.finish();
    expect(writes).toEqual([
      'started  mean × none f=1 seed=1\n',
      '[1/3] mean × none f=1 seed=1: accuracy 70.0% in 12 s\n',
      '[2/3] median × none f=1 seed=1: finished meanwhile by another run; skipped\n',
      '[3/3] krum × none f=1 seed=1 FAILED: a worker stopped\n',
    ]);
  });

  it('redraws one bar in place on a terminal, with cells done, an ETA once a cell finished, and the running cells', () => {
    const { writes, output } = sink(true);
    const progress = new Progress(output, 4, 2, 50);
    progress.cellStarted('a');
    progress.cellStarted('b');
    expect(redrawn(writes.at(-1))).toMatch(/^\[\.{24}\] 0\/4 cells · \d+s · ETA \? · a r0\/50, b r0\/50$/);
    progress.cellFinished('a', 'done', 60);
    expect(writes.at(-2)).toBe('\r\x1b[K[1/4] a: done\n');
    // Three cells' worth of work left (b not yet started on its rounds, two waiting) at 60 s each, two at a time.
    expect(redrawn(writes.at(-1))).toMatch(/^\[#{6}\.{18}\] 1\/4 cells · \d+s · ETA 1m30s · b r0\/50$/);
    progress.finish();
    expect(writes.at(-1)).toBe('\r\x1b[K');
  });
});
