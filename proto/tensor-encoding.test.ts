import { describe, expect, it } from 'vitest';
import { toBfloat16, widenBfloat16 } from './tensor-encoding.js';

/** bfloat16 by the definition, with exact rational arithmetic: the float32 nearest-even-rounded to 8 bits of significand. */
function referenceBfloat16(value: number): number {
  if (Number.isNaN(value) || !Number.isFinite(value) || value === 0) return value;
  const exponent = Math.floor(Math.log2(Math.abs(value)));
  const ulp = 2 ** (Math.max(exponent, -126) - 7);
  const scaled = value / ulp;
  const floor = Math.floor(scaled);
  const rest = scaled - floor;
  const rounded = rest > 0.5 || (rest === 0.5 && floor % 2 !== 0) ? floor + 1 : floor;
  const result = rounded * ulp;
  return Math.abs(result) > 3.3895313892515355e38 ? Math.sign(result) * Infinity : result;
}

function roundTrip(values: Float32Array): Float32Array {
  const bits = toBfloat16(values);
  const out = new Float32Array(values.length);
  widenBfloat16(new Uint8Array(bits.buffer), out, 0);
  return out;
}

describe('bfloat16 on the wire', () => {
  it('rounds to nearest even with 8 bits of significand, as the definition does, over random and edge values', () => {
    const values = new Float32Array(20_000);
    let state = 12345;
    for (let i = 0; i < values.length; i++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      values[i] = (state / 2 ** 32 - 0.5) * 2 ** ((i % 80) - 40);
    }
    values.set([1, -1, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 1 + 2 ** -9, 3.4028234663852886e38, 1.1754943508222875e-38, 1e-40, -0, 65504]);
    const widened = roundTrip(values);
    values.forEach((value, i) => {
      expect(widened[i], `value ${value}`).toBe(referenceBfloat16(value));
    });
  });

  it('keeps NaN a NaN, ±Infinity itself, and the largest float32 becomes Infinity', () => {
    const nanWithLowPayload = new Float32Array(new Uint32Array([0x7f800001]).buffer)[0]!;
    const widened = roundTrip(Float32Array.from([NaN, nanWithLowPayload, Infinity, -Infinity, 3.4028234663852886e38]));
    expect(Number.isNaN(widened[0])).toBe(true);
    expect(Number.isNaN(widened[1])).toBe(true);
    expect(Array.from(widened.subarray(2))).toEqual([Infinity, -Infinity, Infinity]);
  });

  it('widens bytes at an odd address, into any coordinate of the target', () => {
    const bits = toBfloat16(Float32Array.from([1.5, -2, 0.25]));
    const odd = new Uint8Array(7);
    odd.set(new Uint8Array(bits.buffer), 1);
    const target = new Float32Array(5);
    widenBfloat16(odd.subarray(1), target, 2);
    expect(Array.from(target)).toEqual([0, 0, 1.5, -2, 0.25]);
  });
});
