import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CellResult, CellSettings } from './cell.js';
import type { CellMessage } from './cell-process.js';

/** The cell process's module, beside this one (both compiled to dist/cli/experiment/). */
const CELL_PROCESS = fileURLToPath(new URL('./cell-process.js', import.meta.url));

/**
 * Runs one cell in a child process and resolves with its result; rejects with the child's one-line
 * reason, or its exit code when it died without one (out of memory, killed).
 */
export function runCellProcess(settings: CellSettings, onRound: (roundsDone: number) => void): Promise<CellResult> {
  return new Promise((resolve, reject) => {
    const child = fork(CELL_PROCESS, [JSON.stringify(settings)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-2000);
    });
    let outcome: CellMessage | undefined;
    child.on('message', (message: CellMessage) => {
      if (message.kind === 'round') onRound(message.roundsDone);
      else outcome = message;
    });
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (outcome?.kind === 'result') resolve(outcome.result);
      else if (outcome?.kind === 'failed') reject(new Error(outcome.error));
      else reject(new Error(`the cell process ended with ${signal ?? `exit code ${code}`}${stderr.trim() === '' ? '' : `: ${stderr.trim().split('\n').at(-1)}`}`));
    });
  });
}
