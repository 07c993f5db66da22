import type { Command } from './command.js';

/** `byzps bench`: the aggregation benchmark, which parses its own flags, prints its own table and returns its exit code. */
export const benchCommand: Command = {
  async run(argv) {
    // Loaded on demand: the benchmark pulls in worker threads and the Wasm kernels, which no other command needs.
    const { main } = await import('../aggregators/bench/bench.js');
    return main([...argv]);
  },
};
