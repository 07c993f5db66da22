import { gradientMemory } from './gradient-memory.js';
import { loadKernelModule } from './kernel-instance.js';
import type { Kernels } from './kernels.js';
import { plainKernels } from './plain.js';
import { createSimdKernels, singleThreadExecutor } from './simd.js';

const module = loadKernelModule();

/**
 * WebAssembly SIMD kernels on the calling thread, reading rows in place from the process-wide
 * gradient memory (see allocateGradient); undefined when kernels.wasm has not been built.
 */
export const simdKernels: Kernels | undefined =
  module === undefined ? undefined : createSimdKernels('simd', gradientMemory(), singleThreadExecutor(module, gradientMemory()));

/**
 * The backend rules use unless told otherwise: SIMD for float32 rows in the gradient memory,
 * the plain loops for any other rows (same results either way).
 */
export const defaultKernels: Kernels = simdKernels ?? plainKernels;
