import { createAttack } from '../worker/attacks/registry.js';
import { CLEAR_KIND, ROUNDS_PARAM } from '../worker/behaviour.js';
import { createSystemFault, isSystemFaultKind, parseInstructions, systemFaultHelp, systemFaultKinds, type Instruction } from '../worker/faults.js';
import { runWithFlags, type Command } from './command.js';
import { ControlConnection, controlFlags } from './control-client.js';
import { exitCodes, UsageError } from './failure.js';
import { formatFlagHelp, type FlagValues } from './flags.js';
import { writeStdout } from './output.js';

const flags = {
  ...controlFlags,
  worker: { kind: 'string', valueName: 'NAME', description: 'the worker to instruct, by the name it joined with (required)' },
  attack: { kind: 'string', valueName: 'NAME', description: 'switch the worker to this attack' },
  'attack-param': { kind: 'list', valueName: 'KEY=VALUE', description: 'a parameter of --attack' },
  fault: { kind: 'list', valueName: 'KIND[:KEY=VALUE,...]', description: 'a system fault (see below)' },
  rounds: { kind: 'string', valueName: 'K', description: 'the attack and faults last K rounds, then the worker reverts' },
  clear: { kind: 'switch', description: 'back to honest: clear the attack and every fault' },
} as const;

function help(): string {
  return `Usage: byzps inject --server HOST:PORT --worker NAME
                    (--attack NAME [--attack-param KEY=VALUE ...] | --fault KIND[:KEY=VALUE,...] ... | --clear)
                    [--rounds K] [--admin-token TOKEN] [--tls-ca-file FILE]

Queues instructions for a running worker through the server's control service; the worker picks
them up with its next pull, so they take effect from its next round on. An attack replaces the
worker's current one; faults add to the ones in force; --clear makes it honest again. With
--rounds K the instructions expire after K rounds (an attack gives way to the one it replaced).

Flags:
${formatFlagHelp(flags)}

System faults (KIND:KEY=DEFAULT,...):
${systemFaultHelp()}

Attacks: see byzps worker --help.
`;
}

function pairs(items: readonly string[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--attack-param expects KEY=VALUE, got ${JSON.stringify(item)}`);
    result[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return result;
}

/** Runs a check from the worker's modules; whatever it finds wrong is a usage error here. */
function check(validate: () => unknown): void {
  try {
    validate();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The instructions the flags ask for, checked here as the worker would check them, so a typo fails before anything is sent. */
function instructionsFromFlags(values: FlagValues<typeof flags>): Instruction[] {
  const timed = (params: Readonly<Record<string, string>>) => (values.rounds === undefined ? params : { ...params, [ROUNDS_PARAM]: values.rounds });
  if (values.rounds !== undefined && !/^[1-9]\d*$/.test(values.rounds)) throw new UsageError(`--rounds must be a positive integer, got ${JSON.stringify(values.rounds)}`);
  if (values.clear) {
    if (values.attack !== undefined || values.fault.length > 0 || values.rounds !== undefined) throw new UsageError('--clear goes alone: it clears the attack and every fault');
    return [{ kind: CLEAR_KIND, params: {} }];
  }
  if (values['attack-param'].length > 0 && values.attack === undefined) throw new UsageError('--attack-param needs --attack');
  const instructions: Instruction[] = [];
  if (values.attack !== undefined) {
    const params = pairs(values['attack-param']);
    check(() => createAttack({ name: values.attack!, params }));
    instructions.push({ kind: values.attack, params: timed(params) });
  }
  for (const text of values.fault) {
    let parsedFaults: Instruction[] = [];
    check(() => (parsedFaults = parseInstructions(text)));
    for (const instruction of parsedFaults) {
      if (!isSystemFaultKind(instruction.kind)) throw new UsageError(`unknown system fault "${instruction.kind}"; known: ${systemFaultKinds.join(', ')} (attacks go in --attack)`);
      check(() => createSystemFault(instruction.kind, instruction.params));
      instructions.push({ kind: instruction.kind, params: timed(instruction.params) });
    }
  }
  if (instructions.length === 0) throw new UsageError('nothing to inject: give --attack, --fault or --clear');
  return instructions;
}

/** `byzps inject`: switches a running worker's attack or faults through the control service. */
export const injectCommand: Command = {
  name: 'inject',
  summary: 'switch a running worker to an attack or system fault, or back to honest (control service)',
  run: (argv) => runWithFlags(flags, argv, help, async (values) => {
    if (values.worker === undefined || values.worker === '') throw new UsageError('--worker NAME is required');
    const instructions = instructionsFromFlags(values);
    const control = new ControlConnection(values, process.env);
    try {
      for (const instruction of instructions) {
        await control.injectFault(values.worker, instruction);
        const params = Object.entries(instruction.params).map(([key, value]) => `${key}=${value}`);
        await writeStdout(`queued ${instruction.kind}${params.length > 0 ? ` (${params.join(', ')})` : ''} for ${values.worker}; it applies from the worker's next pull\n`);
      }
    } finally {
      control.close();
    }
    return exitCodes.ok;
  }),
};
