import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pythonWith } from './python.js';

/*
 * worker/python/examples/fashion_cnn.sh at a small size: a real `byzps ps --task external`, an
 * evaluator and four PyTorch workers (one sign-flipping) train the CNN on Fashion-MNIST under the
 * Flag Aggregator; the run prints its progress and ends with the final evaluation's accuracy.
 */

const SCRIPT = fileURLToPath(new URL('../worker/python/examples/fashion_cnn.sh', import.meta.url));
const interpreter = pythonWith(['torch', 'grpc', 'grpc_tools', 'numpy'], ['python3-torch', 'python3-grpcio', 'python3-grpc-tools', 'python3-numpy']);
if ('missing' in interpreter) throw new Error(`the example test ${interpreter.missing}`);
const python = interpreter.python;

describe('worker/python/examples/fashion_cnn.sh', () => {
  it('trains 20 rounds with 4 workers (1 sign-flip) under FA and ends with "accuracy 0.NN"', async () => {
    const start = Date.now();
    const child = spawn('bash', [SCRIPT, '--rounds', '20', '--workers', '4', '--byzantine', '1', '--every', '10', '--test-size', '500'], {
      env: { ...process.env, PYTHON: python },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => {
      child.once('close', resolve);
    });
    expect(code, `${stdout}\n${stderr}`).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[1]).toMatch(/^server on 127\.0\.0\.1:\d+ .*rule flag, f=1; 4 workers, 1 of them sign-flip:k=4; 20 rounds$/);
    expect(lines.filter((line) => /^round \d+: test loss [\d.]+, accuracy 0\.\d+$/.test(line)).length).toBeGreaterThanOrEqual(2);
    const last = /accuracy (0\.\d\d)\d*$/.exec(lines.at(-1)!);
    expect(last, lines.at(-1)).not.toBeNull();
    expect(lines.at(-1)).toMatch(/^rule flag, 4 workers \(1 sign-flip:k=4\), [\d.]+ s wall time: round 20: /);
    // Twenty rounds of FA take the CNN well past chance (0.10): 0.49–0.58 in trials; six rounds gave 0.10–0.39.
    expect(Number(last![1]), stdout).toBeGreaterThan(0.3);
    console.log(`fashion_cnn.sh at 20 rounds: ${lines.at(-1)!} (${((Date.now() - start) / 1000).toFixed(1)} s in all)`);
  }, 120_000);
});
