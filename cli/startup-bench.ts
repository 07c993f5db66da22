/**
 * `npm run bench:startup`: how long the command line takes to be useful, as whole processes — the
 * start every user and every restarted worker pays. Prints medians and the targets next to them.
 */
import { spawn, spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from '../aggregators/bench/measure.js';
import { formatTable } from '../aggregators/bench/table.js';
import { makeServerConfig } from '../services/config.js';
import { startServer, type ServerHandle } from '../services/server.js';

const usage = `usage: npm run bench:startup -- [--runs 9]

Times node doing nothing, \`byzps --help\`, \`byzps --version\` and \`byzps aggregate --rule flag --f 3 --example\` to
their exit, and a \`byzps worker\` from its spawn until the server sees its Join; the runs of all
of them interleaved, so load changes hit all alike.`;

const mainScript = fileURLToPath(new URL('./main.js', import.meta.url));

interface Probe {
  readonly name: string;
  /** The target on an idle machine, in seconds, if there is one. */
  readonly targetSeconds?: number;
  time(server: ServerHandle): Promise<number>;
}

/** Seconds from spawn to exit of `node args`, or an error naming the command. */
function timeToExit(args: readonly string[]): Promise<number> {
  const start = performance.now();
  const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${result.stderr.trim().split('\n').pop() ?? `exit ${result.status}`}`);
  return Promise.resolve((performance.now() - start) / 1000);
}

/** Seconds from spawning a worker until the server's workerJoined event; the worker is stopped afterwards. */
async function timeToJoin(server: ServerHandle, name: string): Promise<number> {
  const joined = new Promise<number>((resolve) => {
    const unsubscribe = server.events.on('workerJoined', (event) => {
      if (event.worker !== name) return;
      unsubscribe();
      resolve(performance.now());
    });
  });
  const start = performance.now();
  const child = spawn(process.execPath, [mainScript, 'worker', '--server', `127.0.0.1:${server.grpcPort}`, '--name', name, '--http-port', '0', '--log-level', 'silent'], { stdio: 'ignore' });
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => { reject(new Error(`worker ${name} exited with ${code} before it joined`)); }));
  const end = await Promise.race([joined, exited]);
  child.removeAllListeners('exit');
  const closed = new Promise((resolve) => child.once('close', resolve));
  child.kill('SIGTERM');
  await closed;
  return (end - start) / 1000;
}

let workers = 0;
const probes: readonly Probe[] = [
  { name: 'node -e 0', time: () => timeToExit(['-e', '0']) },
  { name: 'byzps --help', targetSeconds: 0.15, time: () => timeToExit([mainScript, '--help']) },
  { name: 'byzps --version', time: () => timeToExit([mainScript, '--version']) },
  { name: 'byzps aggregate --rule flag --f 3 --example', targetSeconds: 0.3, time: () => timeToExit([mainScript, 'aggregate', '--rule', 'flag', '--f', '3', '--example']) },
  { name: 'byzps worker, spawn to Join', targetSeconds: 0.4, time: (server) => timeToJoin(server, `startup-${++workers}`) },
];

const formatLoad = (): string => loadavg().map((value) => value.toFixed(2)).join(' ');

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { runs: { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help === true) {
    console.log(usage);
    return 0;
  }
  const runs = Number(values.runs ?? '9');
  if (!Number.isInteger(runs) || runs < 1) {
    console.error(`byzps bench:startup: --runs takes a positive integer\n\n${usage}`);
    return 2;
  }
  const server = await startServer(makeServerConfig({ grpcHost: '127.0.0.1', grpcPort: 0, httpHost: '127.0.0.1', httpPort: 0, logLevel: 'silent' }));
  try {
    const loadBefore = formatLoad();
    // One untimed round warms the page cache and the compile cache.
    for (const probe of probes) await probe.time(server);
    const times = probes.map((): number[] => []);
    for (let run = 0; run < runs; run++) {
      for (const [k, probe] of probes.entries()) times[k]!.push(await probe.time(server));
    }
    const rows = probes.map((probe, k) => {
      const seconds = median(times[k]!);
      const verdict = probe.targetSeconds === undefined ? '' : `≤ ${probe.targetSeconds} s: ${seconds <= probe.targetSeconds ? 'met' : 'not met'}`;
      return [probe.name, seconds.toFixed(3), Math.min(...times[k]!).toFixed(3), verdict];
    });
    console.log(`Whole processes, ${runs} runs each (median and fastest, seconds). Load average before: ${loadBefore}; after: ${formatLoad()}.`);
    console.log('The targets are for an idle machine.\n');
    console.log(formatTable(['process', 'median s', 'fastest s', 'target (idle machine)'], rows));
    return 0;
  } finally {
    await server.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
