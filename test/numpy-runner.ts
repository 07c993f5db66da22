import { spawnSync } from 'node:child_process';

/**
 * Runs a Python script with numpy, passing `args` as sys.argv[1:], and returns its stdout. The
 * numpy checks are the independent reference for the .npy codec, so a missing numpy fails loudly.
 */
export function runNumpy(script: string, args: readonly string[] = []): string {
  const result = spawnSync('python3', ['-c', `import numpy as np, sys, json\n${script}`, ...args], { encoding: 'utf8' });
  if (result.error !== undefined || /No module named .?numpy/.test(result.stderr)) {
    throw new Error(`these tests need python3 with numpy (e.g. apt-get install python3-numpy): ${result.error?.message ?? result.stderr}`);
  }
  if (result.status !== 0) throw new Error(`python3 failed: ${result.stderr}`);
  return result.stdout;
}
