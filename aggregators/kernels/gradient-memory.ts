import { AggregationError } from '../errors.js';
import { BlockAllocator } from './block-allocator.js';
import { wasm, WASM_MAX_PAGES, WASM_PAGE_BYTES, type WasmMemory } from './wasm-api.js';

/** The first page is left to the kernels' static data; gradients start above it. */
export const RESERVED_BYTES = WASM_PAGE_BYTES;

const INITIAL_PAGES = 256;

/**
 * One shared WebAssembly memory that gradients are allocated in, so the SIMD kernels (and their
 * worker threads) read them in place instead of copying them in first.
 */
export class GradientMemory {
  readonly memory: WasmMemory;
  private readonly allocator: BlockAllocator;
  /** Every SharedArrayBuffer object this memory has shown; growing yields a new one over the same bytes. */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  /** Set when this object manages only part of a memory that another thread owns (see region). */
  private readonly regionBytes: number | undefined;

  constructor(initialPages = INITIAL_PAGES, region?: { readonly memory: WasmMemory; readonly start: number; readonly end: number }) {
    this.memory = region?.memory ?? new wasm.Memory({ initial: initialPages, maximum: WASM_MAX_PAGES, shared: true });
    this.allocator = region === undefined ? new BlockAllocator(RESERVED_BYTES, this.memory.buffer.byteLength) : new BlockAllocator(region.start, region.end);
    this.regionBytes = region === undefined ? undefined : region.end - region.start;
    this.buffers.add(this.memory.buffer);
  }

  /**
   * Allocates only within bytes [start, end) of a shared memory that another thread allocates the
   * rest of (that thread reserved the range), so kernels on this thread can read that thread's
   * gradients in place. It never grows the memory.
   */
  static region(memory: WasmMemory, start: number, end: number): GradientMemory {
    return new GradientMemory(0, { memory, start, end });
  }

  /** A zeroed 64-byte-aligned Float32Array(d) inside this memory; give it back with freeGradient. */
  allocateGradient(d: number): Float32Array {
    if (!Number.isInteger(d) || d < 1) throw new AggregationError(`a gradient needs a positive integer length, got ${d}`);
    const offset = this.allocate(d * 4);
    const row = new Float32Array(this.memory.buffer, offset, d);
    row.fill(0);
    return row;
  }

  /** Returns a gradient from allocateGradient to the free space. */
  freeGradient(row: Float32Array): void {
    const offset = this.offsetOf(row);
    if (offset === undefined) throw new AggregationError('this Float32Array was not allocated in the gradient memory');
    this.allocator.release(offset);
  }

  /** Raw aligned allocation of `bytes` bytes, growing the memory when needed; returns the byte offset. */
  allocate(bytes: number): number {
    const offset = this.tryAllocate(bytes);
    if (offset === undefined) throw new AggregationError(this.whyNot(bytes));
    return offset;
  }

  /** Like allocate, but undefined when the memory cannot provide the bytes (a region's end, or the 4 GiB limit). */
  tryAllocate(bytes: number): number | undefined {
    const offset = this.allocator.allocate(bytes);
    if (offset !== undefined || !this.grow(bytes)) return offset;
    return this.allocator.allocate(bytes);
  }

  release(offset: number): void {
    this.allocator.release(offset);
  }

  /** Byte offset of a view that lives in this memory, or undefined for any other view. */
  offsetOf(view: ArrayBufferView): number | undefined {
    // Another thread may have grown the memory since this one last looked: the current buffer is ours too.
    if (view.buffer === this.memory.buffer) this.buffers.add(view.buffer);
    return this.buffers.has(view.buffer) ? view.byteOffset : undefined;
  }

  /** Bytes currently allocated (gradients and kernel scratch). */
  get allocatedBytes(): number {
    return this.allocator.allocatedBytes;
  }

  float32(offset: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, offset, length);
  }

  float64(offset: number, length: number): Float64Array {
    return new Float64Array(this.memory.buffer, offset, length);
  }

  int32(offset: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, offset, length);
  }

  /** Grows by at least what a request of `bytes` lacks, and by half the current size to keep growth rare; false when it cannot. */
  private grow(bytes: number): boolean {
    if (this.regionBytes !== undefined) return false;
    const current = this.memory.buffer.byteLength;
    const lacking = this.lacking(bytes);
    const pages = Math.min(Math.ceil(Math.max(lacking, current / 2) / WASM_PAGE_BYTES), WASM_MAX_PAGES - current / WASM_PAGE_BYTES);
    if (pages * WASM_PAGE_BYTES < lacking) return false;
    this.memory.grow(pages);
    this.buffers.add(this.memory.buffer);
    this.allocator.extend(this.memory.buffer.byteLength);
    return true;
  }

  /** Bytes the memory must grow by before a request of `bytes` fits at its end. */
  private lacking(bytes: number): number {
    return bytes + WASM_PAGE_BYTES - this.allocator.freeAtEnd();
  }

  private whyNot(bytes: number): string {
    if (this.regionBytes !== undefined) {
      return `a scratch region of ${this.regionBytes} bytes cannot provide ${bytes} more bytes; the thread that owns the memory must reserve more`;
    }
    if (this.memory.buffer.byteLength + this.lacking(bytes) > WASM_MAX_PAGES * WASM_PAGE_BYTES) {
      return `gradient memory cannot hold ${bytes} more bytes: the 4 GiB limit of 32-bit WebAssembly memory is reached`;
    }
    return `gradient memory could not provide ${bytes} bytes`;
  }
}

let defaultMemory: GradientMemory | undefined;

/** The process-wide gradient memory that the default kernels read from, created on first use. */
export function gradientMemory(): GradientMemory {
  defaultMemory ??= new GradientMemory();
  return defaultMemory;
}

/** Allocates a Float32Array(d) in the process-wide gradient memory, where the SIMD kernels read it in place. */
export function allocateGradient(d: number): Float32Array {
  return gradientMemory().allocateGradient(d);
}

/** Frees a gradient from allocateGradient. */
export function freeGradient(row: Float32Array): void {
  gradientMemory().freeGradient(row);
}
