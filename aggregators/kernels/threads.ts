import { availableParallelism } from 'node:os';
import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import { AggregationError } from '../errors.js';
import { gradientMemory, type GradientMemory } from './gradient-memory.js';
import { KernelInstance, loadKernelModule } from './kernel-instance.js';
import type { Kernels } from './kernels.js';
import { splitRange } from './range-split.js';
import { createSimdKernels, type RangeExecutor } from './simd.js';
import { startReadyThread } from './start-thread.js';
import { Control, writeJob } from './thread-control.js';
import type { KernelThreadData } from './thread-worker.js';

/** SIMD kernels that split d across threads; close() stops the threads. */
export interface ThreadedKernels extends Kernels {
  readonly threads: number;
  close(): Promise<void>;
}

export interface ThreadOptions {
  /** Threads in total, the calling one included; defaults to the available parallelism. */
  readonly threads?: number;
  /** Memory the rows live in; defaults to the process-wide gradient memory. */
  readonly memory?: GradientMemory;
}

function startWorker(workerData: KernelThreadData, transferList: MessagePort[]): Promise<Worker> {
  return startReadyThread(import.meta.url, './thread-worker', { workerData, transferList });
}

/**
 * Starts threads−1 kernel threads over the shared gradient memory. Each call splits the coordinates
 * at multiples of the Gram block, runs the first share on the calling thread and waits
 * (Atomics.wait) for the others, so calls stay synchronous and results equal one thread's.
 * The threads are unref'd: they never keep the process alive.
 */
export async function createThreadedKernels(options: ThreadOptions = {}): Promise<ThreadedKernels> {
  const memory = options.memory ?? gradientMemory();
  const threads = options.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) throw new AggregationError(`threads must be a positive integer, got ${threads}`);
  const module = loadKernelModule();
  if (module === undefined) throw new AggregationError('kernels.wasm is missing; run npm run build:wasm');
  const control = new Int32Array(new SharedArrayBuffer(Control.words * 4));
  const errorChannels = Array.from({ length: threads - 1 }, () => new MessageChannel());
  const workers = await Promise.all(
    errorChannels.map(({ port1, port2 }, index) => {
      port1.unref();
      const workerData: KernelThreadData = { memory: memory.memory, control: control.buffer, slot: index + 1, slots: threads, errors: port2 };
      return startWorker(workerData, [port2]);
    }),
  );
  workers.forEach((worker) => { worker.unref(); });

  const instance = new KernelInstance(module, memory.memory);
  const executor: RangeExecutor = {
    slots: threads,
    run(job, length) {
      const ranges = splitRange(length, threads);
      const first = ranges[0];
      if (first === undefined) return;
      if (ranges.length === 1 || workers.length === 0) {
        instance.run(job, 0, length, 0);
        return;
      }
      writeJob(control, job, length);
      Atomics.store(control, Control.done, 0);
      Atomics.add(control, Control.generation, 1);
      Atomics.notify(control, Control.generation);
      instance.run(job, first[0], first[1], 0);
      for (let done = Atomics.load(control, Control.done); done < workers.length; done = Atomics.load(control, Control.done)) {
        Atomics.wait(control, Control.done, done);
      }
      if (Atomics.exchange(control, Control.failed, 0) !== 0) {
        const messages = errorChannels.flatMap(({ port1 }) => (receiveMessageOnPort(port1)?.message as string | undefined) ?? []);
        throw new AggregationError(`a kernel thread failed: ${messages.join('; ')}`);
      }
    },
  };
  return {
    ...createSimdKernels(`simd×${threads}`, memory, executor),
    threads,
    async close() {
      Atomics.store(control, Control.stop, 1);
      Atomics.add(control, Control.generation, 1);
      Atomics.notify(control, Control.generation);
      await Promise.all(workers.map((worker) => worker.terminate()));
      errorChannels.forEach(({ port1 }) => { port1.close(); });
    },
  };
}
