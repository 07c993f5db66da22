/**
 * Errors every byzps process shares: a configuration that cannot be used, a name that does not
 * exist, a parameter out of range. Callers switch on the class (the CLI turns them into exit
 * code 2), never on the text.
 */

/** A configuration that cannot be used; the message lists every problem. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** A parameter of a task, attack, fault or data split that is malformed or out of range. */
export class ParameterError extends Error {
  override readonly name: string = 'ParameterError';
}

/** No task, attack or fault of that name exists. */
export class UnknownNameError extends ParameterError {
  override readonly name = 'UnknownNameError';
  constructor(readonly kind: string, readonly given: string, readonly known: readonly string[]) {
    super(`unknown ${kind} "${given}"; known: ${known.join(', ')}`);
  }
}
