#!/usr/bin/env node
import { didYouMean } from '../runtime/suggest.js';
import type { Command } from './command.js';
import { exitWithParentWhenAsked } from './exit-with-parent.js';
import { exitCodes } from './failure.js';
import { handleStdoutErrorsInWrites, writeStdout } from './output.js';
import { byzpsVersion } from './version.js';

/** A subcommand as `byzps --help` lists it; its module (and whatever it needs) is loaded only to run it. */
interface CommandEntry {
  /** The word after `byzps`. */
  readonly name: string;
  /** One line for `byzps --help`. */
  readonly summary: string;
  load(): Promise<Command>;
}

/** Every subcommand, in the order `byzps --help` lists them. A new subcommand is one entry here and its module. */
const commands: readonly CommandEntry[] = [
  { name: 'aggregate', summary: 'aggregate gradients (JSON or .npy) with a robust rule and print the result and diagnostics', load: async () => (await import('./aggregate/command.js')).aggregateCommand },
  { name: 'bench', summary: 'time every rule and kernel on one thread, on all threads and in numpy, and print a table', load: async () => (await import('./bench.js')).benchCommand },
  { name: 'ps', summary: 'run the parameter server (gRPC, /metrics, /healthz) until SIGTERM or SIGINT', load: async () => (await import('./ps.js')).psCommand },
  { name: 'worker', summary: 'run a training worker (honest, or with an attack or system fault) against a parameter server', load: async () => (await import('./worker.js')).workerCommand },
  { name: 'inject', summary: 'switch a running worker to an attack or system fault, or back to honest (control service)', load: async () => (await import('./inject.js')).injectCommand },
  { name: 'checkpoint', summary: 'export θ of the newest round every shard checkpointed as .npy (byzps checkpoint export DIR --output theta.npy)', load: async () => (await import('./checkpoint.js')).checkpointCommand },
  { name: 'status', summary: "print the parameter server's round, rule and workers (control service)", load: async () => (await import('./status.js')).statusCommand },
  { name: 'start', summary: 'run a local training cluster (server + workers, some Byzantine) with live progress', load: async () => (await import('./start/command.js')).startCommand },
  { name: 'experiment', summary: 'train the grid rules × attacks × f × seeds for real and write results.csv, results.json and plots', load: async () => (await import('./experiment/command.js')).experimentCommand },
];

function globalHelp(): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  return `byzps — a Byzantine-robust parameter server and its aggregation rules.

Usage: byzps <command> [flags]
       byzps --version

Commands:
${commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join('\n')}

Run \`byzps <command> --help\` for a command's flags.
Flags are --kebab-case and take their value as --flag value or --flag=value.
Exit codes: ${exitCodes.ok} success, ${exitCodes.domain} bad input data or a rule's precondition failed, ${exitCodes.usage} usage error, ${exitCodes.internal} internal error.
`;
}

/** Runs one command line (without `node` and the script path) and returns the exit code; errors go to stderr as one line. */
async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h') {
    await writeStdout(globalHelp());
    return exitCodes.ok;
  }
  if (name === '--version' || name === '-V') {
    await writeStdout(`byzps ${byzpsVersion()}\n`);
    return exitCodes.ok;
  }
  const entry = commands.find((candidate) => candidate.name === name);
  if (entry === undefined) {
    const names = commands.map((known) => known.name);
    const problem = name === undefined ? 'no command given' : `unknown command ${JSON.stringify(name)}${didYouMean(name, names)}`;
    process.stderr.write(`byzps: ${problem}; commands: ${names.join(', ')} (see byzps --help)\n`);
    return exitCodes.usage;
  }
  try {
    return await (await entry.load()).run(rest);
  } catch (error) {
    // Loaded only now: the mapping knows every error class, and with them the modules that throw them.
    const { describeFailure } = await import('./describe-failure.js');
    const failure = describeFailure(error);
    const hint = failure.showHelpHint ? ` (see byzps ${entry.name} --help)` : '';
    process.stderr.write(`byzps ${entry.name}: ${failure.message}${hint}\n`);
    return failure.exitCode;
  }
}

handleStdoutErrorsInWrites();
exitWithParentWhenAsked(process.env);
process.exitCode = await main(process.argv.slice(2));
