import { describe, expect, it } from 'vitest';
import { BLOCK_ALIGNMENT, BlockAllocator } from './block-allocator.js';

describe('BlockAllocator', () => {
  it('hands out aligned, non-overlapping blocks above the base', () => {
    const allocator = new BlockAllocator(100, 10_000);
    const a = allocator.allocate(1)!;
    const b = allocator.allocate(65)!;
    const c = allocator.allocate(64)!;
    expect([a, b, c]).toEqual([128, 192, 320]);
    expect([a, b, c].every((offset) => offset % BLOCK_ALIGNMENT === 0)).toBe(true);
    expect(allocator.allocatedBytes).toBe(64 + 128 + 64);
  });

  it('reuses a freed block and merges neighbours into one range', () => {
    const allocator = new BlockAllocator(0, 640);
    const blocks = [0, 1, 2, 3, 4].map(() => allocator.allocate(128)!);
    expect(allocator.allocate(64)).toBeUndefined();
    allocator.release(blocks[1]!);
    allocator.release(blocks[3]!);
    expect(allocator.allocate(256)).toBeUndefined();
    allocator.release(blocks[2]!);
    expect(allocator.allocate(384)).toBe(blocks[1]);
  });

  it('grows into an extended limit, contiguous with the free space at the end', () => {
    const allocator = new BlockAllocator(0, 256);
    allocator.allocate(128);
    expect(allocator.freeAtEnd()).toBe(128);
    expect(allocator.allocate(256)).toBeUndefined();
    allocator.extend(512);
    expect(allocator.freeAtEnd()).toBe(384);
    expect(allocator.allocate(384)).toBe(128);
  });

  it('refuses to free an offset it did not hand out', () => {
    const allocator = new BlockAllocator(0, 1024);
    const offset = allocator.allocate(64)!;
    allocator.release(offset);
    expect(() => { allocator.release(offset); }).toThrow(/no allocated block starts at byte 0/);
  });
});
