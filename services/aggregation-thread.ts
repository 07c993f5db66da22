import { parentPort, workerData } from 'node:worker_threads';
import { createAggregator, plainKernels, type Diagnostics, type Kernels, type RuleSpec, type RuleState } from '../aggregators/index.js';
import { GradientMemory } from '../aggregators/kernels/gradient-memory.js';
import { loadKernelModule } from '../aggregators/kernels/kernel-instance.js';
import { createSimdKernels, singleThreadExecutor } from '../aggregators/kernels/simd.js';
import type { WasmMemory } from '../aggregators/kernels/wasm-api.js';

/** One round's aggregation, as the server thread asks for it. */
export interface AggregationRequest {
  readonly id: number;
  readonly spec: RuleSpec;
  readonly state: RuleState | undefined;
  /** Byte offsets of the gradients in the shared memory, in the order the rule sees them. */
  readonly offsets: readonly number[];
  readonly dimension: number;
  /** Bytes [start, end) of the shared memory reserved for this call's kernel scratch. */
  readonly scratch: { readonly start: number; readonly end: number };
}

/** The rule's output (transferred, not copied), diagnostics and state after the call; or why it failed. */
export type AggregationReply =
  | { readonly id: number; readonly output: Float32Array; readonly diagnostics: Diagnostics; readonly state: RuleState | undefined }
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
  const { output, diagnostics } = aggregator.aggregate(rows, { assumeFinite: true });
  // A view of the shared memory (an input row the rule returned as is) cannot be transferred: copy it out.
  const buffer: ArrayBufferLike = output.buffer;
  const ownsWholeBuffer = output.byteOffset === 0 && output.byteLength === buffer.byteLength && !(buffer instanceof SharedArrayBuffer);
  return { id: request.id, output: ownsWholeBuffer ? output : output.slice(), diagnostics, state: aggregator.getState() };
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
  const transfer = 'output' in reply ? [reply.output.buffer as ArrayBuffer] : [];
  port.postMessage(reply, transfer);
});
port.postMessage('ready');
