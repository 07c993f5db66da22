import { describe, expect, it } from 'vitest';
import { prettyJson, shortestFloat32 } from './pretty-json.js';

describe('prettyJson', () => {
  it('indents objects and keeps arrays of numbers on one line', () => {
    const text = prettyJson({ output: [1, 2.5], diagnostics: { perWorker: { weight: [0.5, 0.5] }, summary: {} }, note: 'x' });
    expect(text).toBe(
      ['{', '  "output": [1, 2.5],', '  "diagnostics": {', '    "perWorker": {', '      "weight": [0.5, 0.5]', '    },', '    "summary": {}', '  },', '  "note": "x"', '}'].join('\n'),
    );
  });

  it('parses back to the same value, nested arrays and nulls included, and drops undefined keys', () => {
    const kept = { a: [[1, 2], [3]], b: [], c: null, d: [{ e: true }, { f: 'g"h' }] };
    const text = prettyJson({ ...kept, skipped: undefined });
    expect(JSON.parse(text)).toEqual(kept);
    expect(text).not.toContain('skipped');
  });
});

describe('shortestFloat32', () => {
  it('prints common float32 values as written', () => {
    expect(shortestFloat32(Math.fround(0.1))).toBe(0.1);
    expect(shortestFloat32(Math.fround(-3.14159))).toBe(-3.14159);
    expect(shortestFloat32(Math.fround(1e-20))).toBe(1e-20);
  });

  it('always reads back to the same float32, with no shorter decimal that would', () => {
    let state = 12345;
    for (let k = 0; k < 2000; k++) {
      state = (state * 1103515245 + 12345) % 2147483648;
      const value = Math.fround((state / 2147483648 - 0.5) * 10 ** ((k % 40) - 20));
      const short = shortestFloat32(value);
      expect(Math.fround(short)).toBe(value);
      const digits = short === 0 ? 1 : short.toExponential().replace(/e.*$/, '').replace(/[-.]/g, '').length;
      if (digits > 1) expect(Math.fround(Number(value.toPrecision(digits - 1)))).not.toBe(value);
    }
  });

  it('passes non-finite values through', () => {
    expect(shortestFloat32(Infinity)).toBe(Infinity);
    expect(shortestFloat32(NaN)).toBeNaN();
  });
});
