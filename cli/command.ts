import type { SettingsSchema } from '../runtime/settings.js';
import { exitCodes } from './failure.js';
import { writeStdout } from './output.js';

/**
 * A `byzps` subcommand. Each lives in its own module, which main.ts lists by name and summary and
 * loads only to run it; it loads its own settings (runWithSettings), prints its own help, and
 * throws UsageError, InputError, a ConfigError or a domain error when it cannot do its job —
 * main.ts turns those into messages and exit codes (describe-failure.ts). It resolves to the exit
 * code, 0 unless it has already reported a failure itself.
 */
export interface Command {
  run(argv: readonly string[]): Promise<number>;
}

/**
 * Loads a command's settings from its flags and BYZPS_* variables (runtime/settings.ts); `--help`
 * prints `help()` and succeeds. A bad setting throws a ConfigError, which main.ts reports as a
 * usage error.
 */
export async function runWithSettings<C extends object>(schema: SettingsSchema<C>, argv: readonly string[], help: () => string, execute: (settings: C) => Promise<number>): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    await writeStdout(help());
    return exitCodes.ok;
  }
  return execute(schema.load(argv, process.env));
}
