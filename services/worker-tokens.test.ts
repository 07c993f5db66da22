import { describe, expect, it } from 'vitest';
import { ConfigError } from '../runtime/errors.js';
import { parseWorkerTokens } from './worker-tokens.js';

describe('worker tokens file', () => {
  it('reads one name and token per line, skipping blanks and comments', () => {
    const tokens = parseWorkerTokens('# cluster A\nw1 aaa\n\n  w2\tbbb  \n', 'tokens.txt');
    expect([...tokens]).toEqual([['w1', 'aaa'], ['w2', 'bbb']]);
  });

  it('names the file and line of every problem', () => {
    const parse = () => parseWorkerTokens('w1 aaa\nw1 ccc\nw3 aaa\nbad name here\nw/4 ddd\n', 'tokens.txt');
    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(/tokens\.txt:2: worker w1 is listed twice[\s\S]*tokens\.txt:3: worker w3 has the same token as worker w1[\s\S]*tokens\.txt:4: expected[\s\S]*tokens\.txt:5: worker name "w\/4"/);
  });

  it('refuses a file that lists no worker', () => {
    expect(() => parseWorkerTokens('# nothing\n', 'empty.txt')).toThrow(/empty\.txt: lists no worker/);
  });
});
