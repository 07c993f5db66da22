import { AggregationError, InvalidParameterError, UnknownRuleError } from '../aggregators/index.js';
import { ConfigError, ParameterError, UnknownNameError } from '../runtime/errors.js';
import { didYouMean } from '../runtime/suggest.js';
import { exitCodes, InputError, UsageError } from './failure.js';

export interface Failure {
  readonly exitCode: number;
  /** One line, without the `byzps <command>:` prefix. */
  readonly message: string;
  /** Whether to point the user at `--help`. */
  readonly showHelpHint: boolean;
}

/**
 * The one place where errors become exit codes. Unknown rules, attacks and tasks and bad parameters
 * come from flag values, so they are usage errors; everything the rule finds wrong with the data is a domain error.
 */
export function describeFailure(error: unknown): Failure {
  const suggestion = error instanceof UnknownRuleError ? didYouMean(error.ruleName, error.known) : error instanceof UnknownNameError ? didYouMean(error.given, error.known) : '';
  if (suggestion !== '') return { exitCode: exitCodes.usage, message: `${oneLine((error as Error).message)}${suggestion}`, showHelpHint: false };
  if (error instanceof UsageError || error instanceof ConfigError || error instanceof UnknownRuleError || error instanceof InvalidParameterError || error instanceof ParameterError) {
    return { exitCode: exitCodes.usage, message: oneLine(error.message), showHelpHint: error instanceof UsageError || error instanceof ConfigError };
  }
  if (error instanceof InputError || error instanceof AggregationError) {
    return { exitCode: exitCodes.domain, message: oneLine(error.message), showHelpHint: false };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { exitCode: exitCodes.internal, message: `internal error: ${oneLine(message)}`, showHelpHint: false };
}

/** Error texts can quote input (JSON.parse does); stderr must still get exactly one line. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
