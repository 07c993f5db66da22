import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['aggregators/**/*.test.ts', 'cli/**/*.test.ts', 'proto/*.test.ts', 'runtime/**/*.test.ts', 'services/**/*.test.ts', 'tasks/**/*.test.ts', 'worker/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
