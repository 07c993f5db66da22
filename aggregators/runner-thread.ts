import { parentPort, workerData } from 'node:worker_threads';
import { createAggregator, type Diagnostics, type Kernels, plainKernels, type RuleSpec, type RuleState } from './index.js';
import { GradientMemory } from './kernels/gradient-memory.js';
import { loadKernelModule } from './kernels/kernel-instance.js';
import { createSimdKernels, singleThreadExecutor } from './kernels/simd.js';
import type { WasmMemory } from './kernels/wasm-api.js';

/** One round's aggregation, as the server thread asks for it. */
export interface AggregationRequest {
  readonly id: number;
  readonly spec: RuleSpec;
  readonly state: RuleState | undefined;
  /** Byte offsets of the gradients in the shared memory, in the order the rule sees them. */
  readonly offsets: readonly number[];
  readonly dimension: number;
  /** Byte offset in the shared memory of the d float32 values the rule's output is written to. */
  readonly output: number;
  /** Bytes [start, end) of the shared memory reserved for this call's kernel scratch. */
  readonly scratch: { readonly start: number; readonly end: number };
}

/** The rule's diagnostics and state after the call (its output is in the request's output region); or why it failed. */
export type AggregationReply =
  | { readonly id: number; readonly diagnostics: Diagnostics; readonly state: RuleState | undefined }
  | { readonly id: number; readonly error: { readonly name: string; readonly message: string } };

// The aggregation thread: builds the requested rule over SIMD kernels that read the server's gradient memory in place.
const { memory } = workerData as { memory: WasmMemory };
const module = loadKernelModule();
const executor = module === undefined ? undefined : singleThreadExecutor(module, GradientMemory.region(memory, 0, 0));

function kernelsFor(scratch: AggregationRequest['scratch']): Kernels {
  if (executor === undefined) return plainKernels;
  return createSimdKernels('simd', GradientMemory.region(memory, scratch.start, scratch.end), executor);
}

function aggregate(request: AggregationRequest): AggregationReply {
  const aggregator = createAggregator(request.spec, { kernels: kernelsFor(request.scratch) });
  if (request.state !== undefined) aggregator.setState(request.state);
  const rows = request.offsets.map((offset) => new Float32Array(memory.buffer, offset, request.dimension));
  // Written in place in the shared memory: no fresh d-length array (whose first touch costs page
  // faults that outweigh a fast rule) and nothing to copy or transfer back.
  const output = new Float32Array(memory.buffer, request.output, request.dimension);
  const result = aggregator.aggregate(rows, { assumeFinite: true, output });
  // A rule may return one of its input rows as is.
  if (result.output !== output) output.set(result.output);
  return { id: request.id, diagnostics: result.diagnostics, state: aggregator.getState() };
}

const port = parentPort!;
port.on('message', (request: AggregationRequest) => {
  let reply: AggregationReply;
  try {
    reply = aggregate(request);
  } catch (error) {
    const { name, message } = error instanceof Error ? error : new Error(String(error));
    reply = { id: request.id, error: { name, message } };
  }
  port.postMessage(reply);
});
port.postMessage('ready');
