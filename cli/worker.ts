import { listAttacks } from '../worker/attacks/registry.js';
import { CLEAR_KIND, ROUNDS_PARAM } from '../worker/behaviour.js';
import { RpcError } from '../worker/client.js';
import { loadWorkerConfig, workerConfigHelp } from '../worker/config.js';
import { systemFaultHelp } from '../worker/faults.js';
import { startWorker } from '../worker/worker.js';
import type { Command } from './command.js';
import { exitCodes, InputError } from './failure.js';
import { writeStdout } from './output.js';

function help(): string {
  const attacks = listAttacks().map((attack) => {
    const params = Object.entries(attack.params).map(([name, spec]) => (spec.default === undefined ? name : `${name}=${String(spec.default)}`));
    return `  ${attack.name}${params.length > 0 ? ` [${params.join(', ')}]` : ''}\n      ${attack.summary}`;
  });
  return `Usage: byzps worker --server HOST:PORT --name NAME [--attack NAME [--attack-param KEY=VALUE ...]]
                    [--fault KIND[:KEY=VALUE,...] ...] [settings]

Runs one training worker: it joins the parameter server under NAME (joining again after a restart
returns the same worker id), then each round pulls θ, computes a mini-batch gradient on its shard
of the data (shard = worker id − 1 of --workers, drawn from --data-seed), applies its attack, and
pushes the result. When the server goes away it reconnects with exponential backoff and jitter.
Logs are JSON lines on stdout; /metrics and /healthz are served on --http-port, whose address is
also printed as one line on stderr.

Every setting is a flag and an environment variable (flags win):
${workerConfigHelp()}

Attacks (--attack NAME, parameters as --attack-param KEY=VALUE; defaults shown):
${attacks.join('\n')}

System faults (--fault KIND[:KEY=VALUE,...], repeatable; in BYZPS_FAULT separate them with ","):
${systemFaultHelp()}

An operator can change the attack and faults of a running worker with byzps inject; instructions
arrive with the worker's next pull. "${CLEAR_KIND}" clears everything, and any instruction may carry
${ROUNDS_PARAM}=K to last K rounds only.

Exit codes: 0 stopped by SIGTERM/SIGINT or --max-steps, 1 stopped for good (refused by the server,
e.g. a wrong token, or given a task or attack it cannot run),
2 bad settings, the crash fault's exit-code when it crashes.
`;
}

/** `byzps worker`: one training worker, honest or Byzantine, until SIGTERM/SIGINT. */
export const workerCommand: Command = {
  async run(argv) {
    if (argv.includes('--help') || argv.includes('-h')) {
      await writeStdout(help());
      return exitCodes.ok;
    }
    const config = loadWorkerConfig(argv, process.env);
    const handle = await startWorker(config);
    // Also on stderr so scripts find the bound port whatever the log level.
    process.stderr.write(`byzps worker: ${config.name} training against ${config.server}, metrics on http://${config.httpHost}:${handle.httpPort}/metrics\n`);
    const stop = () => {
      void handle.close();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    try {
      await handle.done;
    } catch (error) {
      // A refusal no retry can fix (a wrong token, a task this worker cannot train): one line and exit 1.
      throw new InputError(error instanceof RpcError ? error.message : (error as Error).message);
    } finally {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      await handle.close();
    }
    return exitCodes.ok;
  },
};
