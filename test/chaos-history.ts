/** What one run of a server process did, read from its JSON log lines. */
export interface ServerLife {
  /** The round it opened first: the round of the checkpoint it resumed from, or 0. */
  readonly startRound: number;
  /** Rounds in the order its "round closed" lines report them. */
  readonly closedRounds: readonly number[];
  /** Its "checkpoint written" lines: the checkpoint's round and the newest round closed before the line. */
  readonly checkpointsWritten: readonly { readonly round: number; readonly newestClosedBefore: number }[];
}

/** A killed server's life and the newest valid checkpoint on disk once it was dead. */
export interface KilledLife {
  readonly life: ServerLife;
  readonly durableRound: number;
}

/** Reads a server's life from its stdout (pino JSON lines; anything else is ignored). */
export function readServerLife(stdoutLines: readonly string[]): ServerLife {
  let startRound = 0;
  const closedRounds: number[] = [];
  const checkpointsWritten: { round: number; newestClosedBefore: number }[] = [];
  for (const line of stdoutLines) {
    if (!line.startsWith('{')) continue;
    const record = JSON.parse(line) as { msg?: string; round?: number };
    if (record.round === undefined) continue;
    if (record.msg === 'resumed from checkpoint') startRound = record.round;
    else if (record.msg === 'round closed') closedRounds.push(record.round);
    else if (record.msg === 'checkpoint written') checkpointsWritten.push({ round: record.round, newestClosedBefore: Math.max(-1, ...closedRounds) });
  }
  return { startRound, closedRounds, checkpointsWritten };
}

/** Rounds must close one after the other from the round the server started at: no gap, no repeat. */
export function sequenceProblems(life: ServerLife): string[] {
  const problems: string[] = [];
  life.closedRounds.forEach((round, i) => {
    if (round !== life.startRound + i) problems.push(`closed round ${round} where round ${life.startRound + i} was due`);
  });
  return problems;
}

/**
 * A periodic checkpoint stores the newest round when its write starts, and a write starts as soon
 * as the previous one is done: so each checkpoint is newer than every round closed before the
 * previous one was logged. A backlog of queued writes breaks this.
 */
export function checkpointLagProblems(life: ServerLife): string[] {
  const problems: string[] = [];
  for (let i = 1; i < life.checkpointsWritten.length; i++) {
    const previous = life.checkpointsWritten[i - 1]!;
    const { round } = life.checkpointsWritten[i]!;
    if (round <= previous.newestClosedBefore) problems.push(`checkpoint of round ${round} was written after round ${previous.newestClosedBefore} had closed: writes fell behind`);
  }
  return problems;
}

/**
 * Across kills: the next server resumes exactly at the newest checkpoint on disk, which is no
 * older than the killed server's start or its last logged write, and no newer than its last close.
 */
export function restartProblems(killed: readonly KilledLife[], lives: readonly ServerLife[]): string[] {
  const problems: string[] = [];
  killed.forEach(({ life, durableRound }, k) => {
    const next = lives[k + 1]!;
    const lastClosed = life.closedRounds.at(-1) ?? life.startRound - 1;
    const lastLogged = life.checkpointsWritten.at(-1)?.round ?? life.startRound;
    if (next.startRound !== durableRound) problems.push(`server ${k + 2} started at round ${next.startRound}, not at the newest checkpoint's round ${durableRound}`);
    if (durableRound < Math.max(life.startRound, lastLogged)) problems.push(`after kill ${k + 1} the newest checkpoint is of round ${durableRound}, older than round ${Math.max(life.startRound, lastLogged)} that server ${k + 1} started at or logged as written`);
    if (durableRound > lastClosed + 1) problems.push(`after kill ${k + 1} a checkpoint of round ${durableRound} exists although server ${k + 1} closed rounds only up to ${lastClosed}`);
  });
  return problems;
}

/**
 * The rounds that count: each server's closes below the round the next one resumed at (later
 * ones were lost with it and redone), then everything the last server closed.
 */
export function survivingHistory(lives: readonly ServerLife[]): number[] {
  return lives.flatMap((life, k) => {
    const next = lives[k + 1];
    return next === undefined ? [...life.closedRounds] : life.closedRounds.filter((round) => round < next.startRound);
  });
}
