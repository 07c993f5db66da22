import type { FaultInstruction } from '../proto/protocol.js';

/** Faults an operator injected, per worker name, waiting for that worker's next Pull. */
export class FaultQueue {
  private readonly pending = new Map<string, FaultInstruction[]>();

  add(workerName: string, fault: FaultInstruction): void {
    const queue = this.pending.get(workerName) ?? [];
    queue.push(fault);
    this.pending.set(workerName, queue);
  }

  /** Hands out and forgets the worker's pending faults, oldest first. */
  take(workerName: string): FaultInstruction[] {
    const queue = this.pending.get(workerName) ?? [];
    this.pending.delete(workerName);
    return queue;
  }
}
