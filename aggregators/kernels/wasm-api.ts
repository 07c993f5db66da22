/**
 * The few WebAssembly JS-API calls the kernels use, typed here because the project compiles
 * against ES2022 and Node's types, neither of which declares the WebAssembly global.
 */
export interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
  grow(pages: number): number;
}

export type WasmModule = object;

export interface WasmInstance {
  readonly exports: Readonly<Record<string, unknown>>;
}

interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum: number; shared: true }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => WasmInstance;
}

/** The runtime's WebAssembly namespace. */
export const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Bytes in one WebAssembly page. */
export const WASM_PAGE_BYTES = 65536;

/** The largest 32-bit memory, in pages (4 GiB); a shared memory must declare its maximum up front. */
export const WASM_MAX_PAGES = 65536;

/** Instantiates a module against the shared memory, the only import the kernels have. */
export function instantiate(module: WasmModule, memory: WasmMemory): WasmInstance {
  return new wasm.Instance(module, { env: { memory } });
}
