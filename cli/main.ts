#!/usr/bin/env node
import { didYouMean } from '../runtime/suggest.js';
import { aggregateCommand } from './aggregate/command.js';
import { benchCommand } from './bench.js';
import type { Command } from './command.js';
import { exitWithParentWhenAsked } from './exit-with-parent.js';
import { experimentCommand } from './experiment/command.js';
import { describeFailure, exitCodes } from './failure.js';
import { injectCommand } from './inject.js';
import { handleStdoutErrorsInWrites, writeStdout } from './output.js';
import { psCommand } from './ps.js';
import { startCommand } from './start/command.js';
import { statusCommand } from './status.js';
import { byzpsVersion } from './version.js';
import { workerCommand } from './worker.js';

/** Every subcommand, in the order `byzps --help` lists them. A new subcommand is one module added here. */
const commands: readonly Command[] = [aggregateCommand, benchCommand, psCommand, workerCommand, injectCommand, statusCommand, startCommand, experimentCommand];

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
  const command = commands.find((candidate) => candidate.name === name);
  if (command === undefined) {
    const names = commands.map((known) => known.name);
    const problem = name === undefined ? 'no command given' : `unknown command ${JSON.stringify(name)}${didYouMean(name, names)}`;
    process.stderr.write(`byzps: ${problem}; commands: ${names.join(', ')} (see byzps --help)\n`);
    return exitCodes.usage;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    const failure = describeFailure(error);
    const hint = failure.showHelpHint ? ` (see byzps ${command.name} --help)` : '';
    process.stderr.write(`byzps ${command.name}: ${failure.message}${hint}\n`);
    return failure.exitCode;
  }
}

handleStdoutErrorsInWrites();
exitWithParentWhenAsked(process.env);
process.exitCode = await main(process.argv.slice(2));
