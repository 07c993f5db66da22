/**
 * A `byzps` subcommand. Each lives in its own module and is listed once in main.ts; it parses its
 * own flags (with parseFlags), prints its own help, and throws UsageError, InputError or an
 * aggregation error when it cannot do its job — main.ts turns those into messages and exit codes.
 * It resolves to the exit code, 0 unless it has already reported a failure itself.
 */
export interface Command {
  /** The word after `byzps`. */
  readonly name: string;
  /** One line for `byzps --help`. */
  readonly summary: string;
  run(argv: readonly string[]): Promise<number>;
}
