import { GRAM_BLOCK } from './kernel-instance.js';

/**
 * Splits [0, length) into at most `parts` consecutive ranges that start on multiples of the Gram
 * block, so every thread's Gram blocks are the blocks one thread would use.
 */
export function splitRange(length: number, parts: number): [number, number][] {
  const blocks = Math.ceil(length / GRAM_BLOCK);
  const ranges: [number, number][] = [];
  for (let part = 0; part < parts; part++) {
    const start = Math.min(Math.floor((blocks * part) / parts) * GRAM_BLOCK, length);
    const end = Math.min(Math.floor((blocks * (part + 1)) / parts) * GRAM_BLOCK, length);
    if (end > start) ranges.push([start, end]);
  }
  return ranges;
}
