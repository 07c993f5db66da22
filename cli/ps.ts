import { loadServerConfig, serveUntilSignal, serverConfigHelp } from '../services/index.js';
import type { Command } from './command.js';
import { writeStdout } from './output.js';

function help(): string {
  return `Usage: byzps ps [--setting value …]

Runs the parameter server until SIGTERM or SIGINT, then abandons the open round, writes a last
checkpoint (with --checkpoint-dir) and exits 0. Logs are JSON lines on stdout; where the server
listens is also printed as one line on stderr.

Every setting is a flag and an environment variable (flags win), with its default:
${serverConfigHelp()}
`;
}

/** `byzps ps`: the parameter server, configured from flags and BYZPS_* variables through the one server schema. */
export const psCommand: Command = {
  async run(argv) {
    if (argv.includes('--help') || argv.includes('-h')) {
      await writeStdout(help());
      return 0;
    }
    // Configuration problems (flags, environment, task data) are ConfigErrors: exit 2 with one line.
    const config = loadServerConfig(argv, process.env);
    await serveUntilSignal(config, {
      onStarted: (handle) => {
        process.stderr.write(`byzps ps: gRPC on ${config.grpcHost}:${handle.grpcPort}, metrics on http://${config.httpHost}:${handle.httpPort}/metrics\n`);
      },
    });
    return 0;
  },
};
