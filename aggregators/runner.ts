import { type AggregationResult, type Aggregator, createAggregator, gradientMemory, type RuleSpec } from './index.js';
import { GRAM_BLOCK, GRAM_SCRATCH_BYTES } from './kernels/kernel-instance.js';
import { startReadyThread } from './kernels/start-thread.js';
import type { AggregationReply, AggregationRequest } from './runner-thread.js';

/**
 * Builds rules and runs them on one round's gradients: the one place the server calls a rule.
 * Values were checked finite on ingest, so rules skip their own scan.
 */
export interface RuleRunner {
  /** Builds and validates a rule on the calling thread, so a bad spec fails where it was given. */
  build(spec: RuleSpec): Aggregator;
  aggregate(aggregator: Aggregator, gradients: readonly Float32Array[]): Promise<RunnerResult>;
  close(): Promise<void>;
}

/** A rule's result; its output stays valid until `release` gives its memory back. */
export interface RunnerResult extends AggregationResult<Float32Array> {
  release(): void;
}

const nothingToRelease = () => undefined;

/** Runs rules on the calling thread: simplest, but a rule at large d blocks the event loop while it runs. */
export const inProcessRunner: RuleRunner = {
  build: (spec) => createAggregator(spec),
  aggregate: (aggregator, gradients) => Promise.resolve({ ...aggregator.aggregate(gradients, { assumeFinite: true }), release: nothingToRelease }),
  close: () => Promise.resolve(),
};

/**
 * Scratch the SIMD kernels may need during one aggregation of n rows of length d: an output row,
 * the per-block partial Gram matrix, row tables and per-thread counts, with room for alignment.
 */
export function scratchBytes(n: number, d: number): number {
  const pairs = (n * (n + 1)) / 2;
  return 4 * d + 8 * pairs * Math.ceil(d / GRAM_BLOCK) + GRAM_SCRATCH_BYTES + 64 * n + 64 * 1024;
}

interface Pending {
  resolve(reply: AggregationReply): void;
  reject(error: Error): void;
}

/**
 * Runs rules on a worker thread (docs/ARCHITECTURE.md §2), so gRPC and HTTP keep answering while a rule works
 * at large d. The gradients stay where ingest put them, in the shared gradient memory: the thread
 * reads them in place, and for each call this thread reserves a scratch region of that memory for
 * the thread's kernels and the region the thread writes the output to. The thread rebuilds the rule from its spec every call and gets the rule's
 * state (centered clipping's previous aggregate) with it, so the rule object here stays the one
 * the server checkpoints and a runtime rule change takes effect at the next call. Results equal
 * the in-process path's bit for bit: the same SIMD kernels run on the same rows. Gradients outside
 * the shared memory (custom buffers), and every call after the thread has died, are aggregated in
 * process; a rule not built by this runner is an error.
 */
export async function startAggregationThread(): Promise<RuleRunner> {
  const memory = gradientMemory();
  const thread = await startReadyThread(import.meta.url, './runner-thread', { workerData: { memory: memory.memory } });
  const specs = new WeakMap<Aggregator, RuleSpec>();
  const pending = new Map<number, Pending>();
  let nextId = 0;
  /** Set once the thread is dead or dying; calls in flight are rejected only once it has exited, so their scratch is no longer in use. */
  let failure: Error | undefined;
  thread.on('message', (reply: AggregationReply) => {
    const call = pending.get(reply.id);
    pending.delete(reply.id);
    call?.resolve(reply);
  });
  thread.on('error', (error) => {
    failure ??= error;
  });
  thread.on('exit', (code) => {
    failure ??= new Error(`the aggregation thread exited (code ${code})`);
    for (const call of pending.values()) call.reject(failure);
    pending.clear();
  });
  thread.unref();

  const send = (request: AggregationRequest) =>
    new Promise<AggregationReply>((resolve, reject) => {
      pending.set(request.id, { resolve, reject });
      thread.postMessage(request);
    });

  return {
    build(spec) {
      const aggregator = createAggregator(spec);
      specs.set(aggregator, spec);
      return aggregator;
    },
    async aggregate(aggregator, gradients) {
      const spec = specs.get(aggregator);
      // The thread rebuilds rules from their specs: one built elsewhere would silently run here instead.
      if (spec === undefined) throw new Error(`rule ${aggregator.name} was not built by this runner's build(); it cannot run on the aggregation thread`);
      const offsets = gradients.map((gradient) => memory.offsetOf(gradient));
      // After the thread died (its error failed the round it was on) rules run here, slower but on;
      // so do gradients outside the shared memory (a server given buffers of its own).
      if (failure !== undefined || gradients.length === 0 || offsets.some((offset) => offset === undefined)) {
        return inProcessRunner.aggregate(aggregator, gradients);
      }
      const d = gradients[0]!.length;
      const bytes = scratchBytes(gradients.length, d);
      const scratch = memory.allocate(bytes);
      const output = memory.allocate(d * 4);
      let reply: AggregationReply;
      try {
        reply = await send({ id: nextId++, spec, state: aggregator.getState(), offsets: offsets as number[], dimension: d, output, scratch: { start: scratch, end: scratch + bytes } });
      } catch (error) {
        memory.release(output);
        throw error;
      } finally {
        memory.release(scratch);
      }
      if ('error' in reply) {
        memory.release(output);
        throw Object.assign(new Error(reply.error.message), { name: reply.error.name });
      }
      if (reply.state !== undefined) aggregator.setState(reply.state);
      return { output: memory.float32(output, d), diagnostics: reply.diagnostics, release: () => { memory.release(output); } };
    },
    async close() {
      failure ??= new Error('the aggregation thread was closed');
      await thread.terminate();
    },
  };
}
