/**
 * With this variable set to 1, a byzps process stops as on SIGTERM once its stdin reaches end of
 * file. A supervisor (`byzps start`) spawns its children with a stdin pipe it never writes to: the
 * kernel closes that pipe however the supervisor ends, SIGKILL included, so no child outlives it.
 */
export const EXIT_WITH_PARENT_ENV = 'BYZPS_EXIT_WITH_PARENT';

/** A graceful stop that takes longer than this ends with an immediate exit instead. */
const GRACEFUL_STOP_LIMIT_MS = 15_000;
const EXIT_CODE_FORCED = 1;

/** Arms the stdin watch when the environment asks for it; call once, before the command runs. */
export function exitWithParentWhenAsked(env: Readonly<Record<string, string | undefined>>): void {
  if (env[EXIT_WITH_PARENT_ENV] !== '1') return;
  const stdin = process.stdin;
  stdin.on('data', () => undefined);
  stdin.once('end', () => {
    // A real signal, not an emitted event: the command's own SIGTERM handling runs, and a process
    // that has not installed any yet is ended by the default action.
    process.kill(process.pid, 'SIGTERM');
    setTimeout(() => process.exit(EXIT_CODE_FORCED), GRACEFUL_STOP_LIMIT_MS).unref();
  });
  // Watching the pipe must not keep a process alive that has finished its work.
  stdin.unref();
}
