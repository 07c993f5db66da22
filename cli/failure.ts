/** The command line was wrong: an unknown flag, a missing or malformed value. Exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The command line was fine but the data was not: a missing file, malformed JSON or .npy. Exit code 1. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/** Exit codes of every byzps command, as documented in `byzps --help`. */
export const exitCodes = { ok: 0, domain: 1, usage: 2, internal: 70 } as const;
