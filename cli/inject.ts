import { atLeast, inheritSettings, parseInteger, parseSwitch, type Setting, SettingsSchema, settingsOf, text } from '../runtime/settings.js';
import { formatSpec, parsePairs, type Spec } from '../runtime/spec.js';
import { createAttack } from '../worker/attacks/registry.js';
import { CLEAR_KIND, ROUNDS_PARAM } from '../worker/behaviour.js';
import { createSystemFault, type Instruction, isSystemFaultKind, parseInstructions, systemFaultHelp, systemFaultKinds } from '../worker/faults.js';
import { runWithSettings, type Command } from './command.js';
import { ControlConnection, controlSettings, type ControlSettings } from './control-client.js';
import { exitCodes, UsageError } from './failure.js';
import { writeStdout } from './output.js';

interface InjectSettings extends ControlSettings {
  readonly worker: string;
  readonly attack: string;
  readonly attackParam: Readonly<Record<string, string>>;
  readonly fault: readonly Instruction[];
  /** 0: until changed. */
  readonly rounds: number;
  readonly clear: boolean;
}

const setting = settingsOf<InjectSettings>();

const schema = new SettingsSchema<InjectSettings>(
  [
    ...inheritSettings<ControlSettings, InjectSettings>(controlSettings as readonly Setting<ControlSettings, keyof ControlSettings>[]),
    setting({ key: 'worker', description: 'the worker to instruct, by the name it joined with', default: '', parse: text, required: true }),
    setting({ key: 'attack', description: 'switch the worker to this attack', default: '', shownDefault: 'none', parse: text }),
    setting({ key: 'attackParam', description: 'a parameter of --attack, KEY=VALUE', default: {}, shownDefault: 'none', parse: (value) => parsePairs(value, '--attack-param'), joinRepeatsWith: ',' }),
    setting({ key: 'fault', description: 'a system fault KIND[:KEY=VALUE,...] (see below)', default: [], shownDefault: 'none', parse: parseInstructions, joinRepeatsWith: ',' }),
    setting({ key: 'rounds', description: 'the attack and faults last this many rounds, then the worker reverts (0: until changed)', default: 0, parse: parseInteger, check: atLeast(0) }),
    setting({ key: 'clear', description: 'back to honest: clear the attack and every fault', default: false, parse: parseSwitch, switch: true }),
  ] as readonly Setting<InjectSettings, keyof InjectSettings>[],
  'inject',
);

function help(): string {
  return `Usage: byzps inject --server HOST:PORT --worker NAME
                    (--attack NAME [--attack-param KEY=VALUE ...] | --fault KIND[:KEY=VALUE,...] ... | --clear)
                    [--rounds K] [--admin-token TOKEN] [--tls-ca-file FILE]

Queues instructions for a running worker through the server's control service; the worker picks
them up with its next pull, so they take effect from its next round on. An attack replaces the
worker's current one; faults add to the ones in force; --clear makes it honest again. With
--rounds K the instructions expire after K rounds (an attack gives way to the one it replaced).

Every setting is a flag and an environment variable (flags win):
${schema.help()}

System faults (KIND:KEY=DEFAULT,...):
${systemFaultHelp()}

Attacks: see byzps worker --help.
`;
}

/** The instructions the settings ask for, checked here as the worker would check them, so a typo fails before anything is sent. */
function instructionsOf(settings: InjectSettings): Instruction[] {
  const timed = (params: Readonly<Record<string, string>>) => (settings.rounds === 0 ? params : { ...params, [ROUNDS_PARAM]: String(settings.rounds) });
  if (settings.clear) {
    if (settings.attack !== '' || settings.fault.length > 0 || settings.rounds !== 0) throw new UsageError('--clear goes alone: it clears the attack and every fault');
    return [{ kind: CLEAR_KIND, params: {} }];
  }
  if (Object.keys(settings.attackParam).length > 0 && settings.attack === '') throw new UsageError('--attack-param needs --attack');
  const instructions: Instruction[] = [];
  if (settings.attack !== '') {
    createAttack({ name: settings.attack, params: settings.attackParam });
    instructions.push({ kind: settings.attack, params: timed(settings.attackParam) });
  }
  for (const fault of settings.fault) {
    if (!isSystemFaultKind(fault.kind)) throw new UsageError(`unknown system fault "${fault.kind}"; known: ${systemFaultKinds.join(', ')} (attacks go in --attack)`);
    createSystemFault(fault.kind, fault.params);
    instructions.push({ kind: fault.kind, params: timed(fault.params) });
  }
  if (instructions.length === 0) throw new UsageError('nothing to inject: give --attack, --fault or --clear');
  return instructions;
}

function describe(instruction: Instruction): Spec {
  return { name: instruction.kind, params: instruction.params };
}

/** `byzps inject`: switches a running worker's attack or faults through the control service. */
export const injectCommand: Command = {
  run: (argv) => runWithSettings(schema, argv, help, async (settings) => {
    const instructions = instructionsOf(settings);
    const control = await ControlConnection.open(settings);
    try {
      for (const instruction of instructions) {
        await control.injectFault(settings.worker, instruction);
        await writeStdout(`queued ${formatSpec(describe(instruction))} for ${settings.worker}; it applies from the worker's next pull\n`);
      }
    } finally {
      control.close();
    }
    return exitCodes.ok;
  }),
};
