import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { KernelInstance, loadKernelModule } from './kernel-instance.js';
import { splitRange } from './range-split.js';
import { Control, readJob } from './thread-control.js';
import type { WasmMemory } from './wasm-api.js';

/** What the pool hands each kernel thread. */
export interface KernelThreadData {
  readonly memory: WasmMemory;
  readonly control: SharedArrayBuffer;
  readonly slot: number;
  readonly slots: number;
  readonly errors: MessagePort;
}

// A kernel thread: waits for the generation counter to move, runs its share of the job, reports done.
const { memory, control: controlBuffer, slot, slots, errors } = workerData as KernelThreadData;
const control = new Int32Array(controlBuffer);
const module = loadKernelModule();
if (module === undefined) throw new Error('kernels.wasm is missing; run npm run build:wasm');
const instance = new KernelInstance(module, memory);
parentPort!.postMessage('ready');

let seen = Atomics.load(control, Control.generation);
for (;;) {
  Atomics.wait(control, Control.generation, seen);
  seen = Atomics.load(control, Control.generation);
  if (Atomics.load(control, Control.stop) !== 0) break;
  try {
    const { job, length } = readJob(control);
    const range = splitRange(length, slots)[slot];
    if (range !== undefined) instance.run(job, range[0], range[1], slot);
  } catch (error) {
    Atomics.add(control, Control.failed, 1);
    errors.postMessage(error instanceof Error ? error.message : String(error));
  }
  if (Atomics.add(control, Control.done, 1) + 1 === slots - 1) Atomics.notify(control, Control.done);
}
