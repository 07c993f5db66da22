import type { CellResult, CellSettings } from './cell.js';
import { runCell } from './run-cell.js';

/** What a cell process tells its parent over the IPC channel. */
export type CellMessage =
  | { readonly kind: 'round'; readonly roundsDone: number }
  | { readonly kind: 'result'; readonly result: CellResult }
  | { readonly kind: 'failed'; readonly error: string };

// One cell per process: the grid runs cells side by side, and a cell that crashes takes only itself down.
// A cell whose grid has gone (killed, interrupted) has no one to report to: it ends rather than train on.
process.once('disconnect', () => {
  process.exit();
});
const send = (message: CellMessage) =>
  new Promise<void>((resolve) => {
    process.send!(message, () => {
      resolve();
    });
  });
try {
  const settings = JSON.parse(process.argv[2] ?? '') as CellSettings;
  let lastSent = 0;
  const result = await runCell(settings, (roundsDone) => {
    // Progress at most every 200 ms: the parent only redraws a bar.
    if (performance.now() - lastSent < 200) return;
    lastSent = performance.now();
    void send({ kind: 'round', roundsDone });
  });
  await send({ kind: 'result', result });
} catch (error) {
  await send({ kind: 'failed', error: error instanceof Error ? error.message : String(error) });
  process.exitCode = 1;
}
process.disconnect();
