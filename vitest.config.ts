import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';
import { NotRunReporter } from './test/setup/not-run-reporter.js';
import { notRunLine, unavailablePrerequisites } from './test/setup/prerequisites.js';

/**
 * What `npm run test:fast` (BYZPS_TEST_TIER=fast) leaves out: the container tests and the suites
 * that run for minutes. Everything else (unit tests and the tests over real sockets and processes)
 * is the fast tier; `npm test` runs both.
 */
export const LONG_SUITES = ['test/containers/**', 'test/load.test.ts', 'test/chaos.test.ts', 'test/sharded-chaos.test.ts', 'test/sharded-start.test.ts', 'test/fuzz.test.ts', 'test/worker-robustness.test.ts', 'test/liveness.test.ts', 'test/connection-hygiene.test.ts'];

// Test files whose prerequisite is missing and cannot be installed here are left out, each group
// with one line saying why and how to get it; BYZPS_TEST_REQUIRE_ALL=1 (CI) makes that an error.
const unavailable = unavailablePrerequisites();
const notRun = unavailable.map(notRunLine);
if (notRun.length > 0 && process.env.BYZPS_TEST_REQUIRE_ALL === '1') throw new Error(`BYZPS_TEST_REQUIRE_ALL=1: ${notRun.join('; ')}`);

export default defineConfig({
  test: {
    include: ['aggregators/**/*.test.ts', 'cli/**/*.test.ts', 'proto/*.test.ts', 'runtime/**/*.test.ts', 'services/**/*.test.ts', 'tasks/**/*.test.ts', 'worker/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: [
      ...configDefaults.exclude,
      ...unavailable.flatMap(({ prerequisite }) => prerequisite.files),
      ...(process.env.BYZPS_TEST_TIER === 'fast' ? LONG_SUITES : []),
    ],
    globalSetup: ['test/setup/global-setup.ts'],
    reporters: ['default', new NotRunReporter(notRun)],
    testTimeout: 60_000,
    // Most test files wait on sockets and child processes more than they compute, so two files at a
    // time keep a 2-core machine busy, where the default (cores − 1) would run one: 353 s → 172 s.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
