/** Every block starts on, and is sized in, multiples of this many bytes (one cache line, any SIMD width). */
export const BLOCK_ALIGNMENT = 64;

interface FreeRange {
  start: number;
  size: number;
}

/**
 * First-fit allocator over the byte range [base, limit) of a memory it does not own: it hands out
 * aligned offsets, merges neighbouring free ranges, and can be extended when the memory grows.
 */
export class BlockAllocator {
  private readonly free: FreeRange[] = [];
  private readonly sizes = new Map<number, number>();

  constructor(base: number, private limit: number) {
    const start = alignUp(base);
    if (limit > start) this.free.push({ start, size: limit - start });
  }

  /** Bytes currently handed out. */
  get allocatedBytes(): number {
    let total = 0;
    for (const size of this.sizes.values()) total += size;
    return total;
  }

  /** An aligned offset of at least `bytes` (≥ 1) bytes, or undefined when no free range is large enough. */
  allocate(bytes: number): number | undefined {
    const size = alignUp(Math.max(bytes, 1));
    const index = this.free.findIndex((range) => range.size >= size);
    const range = this.free[index];
    if (range === undefined) return undefined;
    const start = range.start;
    if (range.size === size) this.free.splice(index, 1);
    else {
      range.start += size;
      range.size -= size;
    }
    this.sizes.set(start, size);
    return start;
  }

  /** Returns a block; freeing an offset that is not allocated is a programming error and throws. */
  release(start: number): void {
    const size = this.sizes.get(start);
    if (size === undefined) throw new RangeError(`no allocated block starts at byte ${start}`);
    this.sizes.delete(start);
    this.insertFree(start, size);
  }

  /** Adds [old limit, newLimit) to the free space after the memory grew. */
  extend(newLimit: number): void {
    if (newLimit <= this.limit) return;
    this.insertFree(this.limit, newLimit - this.limit);
    this.limit = newLimit;
  }

  /** Size of the free range touching the end of the memory, which growing would enlarge. */
  freeAtEnd(): number {
    const last = this.free[this.free.length - 1];
    return last !== undefined && last.start + last.size === this.limit ? last.size : 0;
  }

  private insertFree(start: number, size: number): void {
    let index = this.free.findIndex((range) => range.start > start);
    if (index === -1) index = this.free.length;
    const before = this.free[index - 1];
    const after = this.free[index];
    if (before !== undefined && before.start + before.size === start) {
      before.size += size;
      if (after !== undefined && before.start + before.size === after.start) {
        before.size += after.size;
        this.free.splice(index, 1);
      }
    } else if (after !== undefined && start + size === after.start) {
      after.start = start;
      after.size += size;
    } else {
      this.free.splice(index, 0, { start, size });
    }
  }
}

function alignUp(bytes: number): number {
  return Math.ceil(bytes / BLOCK_ALIGNMENT) * BLOCK_ALIGNMENT;
}
