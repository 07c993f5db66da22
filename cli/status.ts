import type { StatusReply__Output } from '../proto/generated/byzps/v1/StatusReply.js';
import { type Setting, SettingsSchema } from '../runtime/settings.js';
import { runWithSettings, type Command } from './command.js';
import { ControlConnection, controlSettings, type ControlSettings } from './control-client.js';
import { exitCodes } from './failure.js';
import { writeStdout } from './output.js';

const schema = new SettingsSchema<ControlSettings>(controlSettings as readonly Setting<ControlSettings, keyof ControlSettings>[], 'status');

function help(): string {
  return `Usage: byzps status --server HOST:PORT [--admin-token TOKEN] [--tls-ca-file FILE]

Prints the parameter server's state through its control service: the open round, the rule, the
task, whether rounds are paused, how many workers the open round waits for, and every joined
worker with its place (awaited, or the pushes its probation still needs) and its last push.

Every setting is a flag and an environment variable (flags win):
${schema.help()}
`;
}

/** Lays rows out in left-aligned columns separated by two spaces. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ')).join('\n');
}

function ago(unixMs: number, nowMs: number): string {
  if (unixMs === 0) return 'never';
  const seconds = Math.max(0, (nowMs - unixMs) / 1000);
  return seconds < 60 ? `${seconds.toFixed(1)} s ago` : `${Math.round(seconds / 60)} min ago`;
}

/** The Status reply as a few header lines and a table of workers. */
export function formatStatus(status: StatusReply__Output, nowMs: number): string {
  const header = [
    `round     ${status.round}${status.paused ? ' (paused)' : ''}`,
    `rule      ${status.rule} (f=${status.byzantineBound})`,
    `task      ${status.task}, d=${status.dimension}`,
    `gradients ${status.gradientsReceived} in for this round, quorum ${status.quorum}, waiting for ${status.awaited} awaited worker${status.awaited === 1 ? '' : 's'}`,
    ...(status.shards.length === 0
      ? []
      : [
          `shards    ${status.shards.length}, this is shard ${status.shardIndex}; shard 0 coordinates`,
          ...status.shards.map((shard) => `  shard ${shard.index}${shard.index === 0 ? ' (coordinator)' : ''}  ${shard.address}  coordinates [${shard.start}, ${shard.end})`),
        ]),
  ];
  const workers = [...status.workers].sort((a, b) => a.workerId - b.workerId);
  const place = (worker: (typeof workers)[number]) => (worker.awaited ? 'yes' : `no (${worker.probation} push${worker.probation === 1 ? '' : 'es'} to go)`);
  const rows = [
    ['ID', 'WORKER', 'AWAITED', 'PUSHED THIS ROUND', 'LAST PUSH'],
    ...workers.map((worker) => [String(worker.workerId), worker.name, place(worker), worker.pushedThisRound ? 'yes' : 'no', ago(worker.lastPushUnixMs, nowMs)]),
  ];
  const body = workers.length === 0 ? 'no workers have joined' : table(rows);
  return `${header.join('\n')}\n\n${body}\n`;
}

/** `byzps status`: the control service's Status as a readable table. */
export const statusCommand: Command = {
  run: (argv) => runWithSettings(schema, argv, help, async (settings) => {
    const control = await ControlConnection.open(settings);
    try {
      await writeStdout(formatStatus(await control.status(), Date.now()));
    } finally {
      control.close();
    }
    return exitCodes.ok;
  }),
};
