import { CheckpointLayoutError, readCheckpointedParameters } from '../services/checkpoint-parameters.js';
import { encodeNpy } from '../runtime/npy.js';
import { atLeast, parseInteger, SettingsSchema, type Setting, settingsOf, text } from '../runtime/settings.js';
import { runWithSettings, type Command } from './command.js';
import { exitCodes, InputError, UsageError } from './failure.js';
import { writeOutputFile } from './files.js';
import { writeStdout } from './output.js';

interface ExportSettings {
  readonly output: string;
  readonly round: number;
}

const setting = settingsOf<ExportSettings>();

const schema = new SettingsSchema<ExportSettings>(
  [
    setting({ key: 'output', description: 'the .npy file to write θ to (float32, shape [d])', default: '', parse: text, required: true, check: (value) => (value.toLowerCase().endsWith('.npy') ? undefined : `writes .npy; name the file *.npy, got ${JSON.stringify(value)}`) }),
    setting({ key: 'round', description: 'the round to export, which every shard must hold a checkpoint of (-1: the newest such round)', default: -1, parse: parseInteger, check: atLeast(-1) }),
  ] as readonly Setting<ExportSettings, keyof ExportSettings>[],
  'checkpoint export',
);

function help(): string {
  return `Usage: byzps checkpoint export DIR --output THETA.npy [--round R]

Writes θ of the newest round that every shard completed to THETA.npy (float32, shape [d]), read
from the checkpoints in DIR: an unsharded server's --checkpoint-dir, or a directory holding one
directory per shard, shard-0 … shard-(S−1) (as byzps start --shards S lays them out). A checkpoint
that does not verify is passed over for the next older round every shard holds. Nothing in DIR
is changed.

${schema.help()}
`;
}

/** `byzps checkpoint export`: θ whole from a server's (or every shard's) checkpoints, as .npy for numpy or torch. */
export const checkpointCommand: Command = {
  async run(argv) {
    const [action, directory, ...flags] = argv;
    if (action === '--help' || action === '-h') {
      await writeStdout(help());
      return exitCodes.ok;
    }
    if (action !== 'export') throw new UsageError(action === undefined ? 'byzps checkpoint needs an action: export' : `unknown action ${JSON.stringify(action)}; byzps checkpoint knows export`);
    // DIR comes first; a flag in its place means it was left out.
    const given = directory !== undefined && !directory.startsWith('-') ? directory : undefined;
    return runWithSettings(schema, given === undefined ? argv.slice(1) : flags, help, async ({ output, round }) => {
      if (given === undefined) throw new UsageError('byzps checkpoint export needs the checkpoint directory: byzps checkpoint export DIR --output THETA.npy');
      const found = await readCheckpointedParameters(given, round === -1 ? undefined : round).catch((error: unknown) => {
        throw error instanceof CheckpointLayoutError ? new InputError(error.message) : error;
      });
      await writeOutputFile(output, encodeNpy(found.parameters));
      for (const passed of found.skipped) process.stderr.write(`byzps checkpoint export: passed over ${passed}\n`);
      await writeStdout(`wrote θ of round ${found.round} (${found.task}, d = ${found.parameters.length}${found.shards > 1 ? `, from ${found.shards} shards` : ''}) to ${output}\n`);
      return exitCodes.ok;
    });
  },
};
