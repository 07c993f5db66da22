import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../server-harness.js';
import { buildLocalPrometheusImage, ComposeProject, LOCAL_PROMETHEUS_IMAGE } from './compose-project.js';
import { BASE_IMAGE, BYZPS_IMAGE, ensureByzpsImage, PREPARE_LIMIT_MS } from './image.js';

const HONEST_WORKERS = 3;
const BYZANTINE_WORKERS = 1;
const ADMIN_TOKEN = randomBytes(12).toString('hex');

/** The compose file's settings, small: a 784-16-10 MLP, an evaluation and a checkpoint every two rounds. */
const project = new ComposeProject(`byzps-e2e-${String(process.pid)}-${Date.now().toString(36)}`, {
  BYZPS_IMAGE,
  BYZPS_BASE_IMAGE: BASE_IMAGE,
  PROMETHEUS_IMAGE: LOCAL_PROMETHEUS_IMAGE,
  PUBLISH_ADDRESS: '127.0.0.1',
  PS_PORT: '0',
  PROMETHEUS_PORT: '0',
  GRAFANA_PORT: '0',
  WORKER_REPLICAS: String(HONEST_WORKERS),
  BYZANTINE_REPLICAS: String(BYZANTINE_WORKERS),
  BYZPS_RULE: 'flag',
  BYZPS_F: String(BYZANTINE_WORKERS),
  BYZPS_HIDDEN: '16',
  BYZPS_EVAL_EVERY_ROUNDS: '2',
  BYZPS_CHECKPOINT_EVERY_ROUNDS: '2',
  BYZPS_ROUND_DEADLINE_MS: '3000',
  BYZPS_ADMIN_TOKEN: ADMIN_TOKEN,
  LOG_LEVEL: 'warn',
});

const dashboard = JSON.parse(readFileSync(new URL('../../deploy/grafana/dashboards/byzps.json', import.meta.url), 'utf8')) as Dashboard;
const datasourceProvisioning = readFileSync(new URL('../../deploy/grafana/provisioning/datasources/prometheus.yml', import.meta.url), 'utf8');

interface Target {
  readonly refId: string;
  readonly expr: string;
  readonly datasource?: { readonly uid?: string };
}

interface Panel {
  readonly title: string;
  readonly type: string;
  readonly datasource?: { readonly uid?: string };
  readonly targets?: readonly Target[];
  readonly panels?: readonly Panel[];
}

interface Dashboard {
  readonly uid: string;
  readonly panels: readonly Panel[];
}

/** Every panel, including those inside collapsed rows. */
function allPanels(panels: readonly Panel[]): Panel[] {
  return panels.flatMap((panel) => [panel, ...allPanels(panel.panels ?? [])]);
}

/**
 * Grafana's built-in interval variables as Grafana fills them in for Prometheus' 5 s scrape
 * interval: $__rate_interval is at least four scrapes, so a rate always spans two samples.
 */
const GRAFANA_VARIABLES: Readonly<Record<string, string>> = { $__rate_interval: '20s', $__interval: '5s', $__range: '5m' };

/** A panel's query as Prometheus receives it; a variable this test does not know stays in and fails the query's check. */
function promql(expr: string): string {
  return expr.replace(/\$__[a-z_]+/g, (variable) => GRAFANA_VARIABLES[variable] ?? variable);
}

interface Sample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

let prometheusPort = 0;

/** An instant query through Prometheus' HTTP API. */
async function query(expression: string): Promise<Sample[]> {
  const response = await fetch(`http://127.0.0.1:${String(prometheusPort)}/api/v1/query?${new URLSearchParams({ query: expression }).toString()}`);
  const body = (await response.json()) as { status: string; error?: string; data?: { resultType: string; result: Sample[] } };
  if (body.status !== 'success') throw new Error(`Prometheus refused ${expression}: ${body.error ?? response.statusText}`);
  if (body.data?.resultType !== 'vector') throw new Error(`${expression} gave a ${String(body.data?.resultType)}, not an instant vector`);
  return body.data.result;
}

/**
 * The row whose panels read only what a sharded server exports (the `shard` label,
 * byzps_shard_exchange_seconds); the compose cluster runs one unsharded server, so they have no
 * data here. test/dashboard.test.ts checks that the metrics and labels they read are defined and
 * that a shard labels every series; test/sharded-cluster.test.ts that the coordinator exports the exchange time.
 */
const SHARDED_ONLY_ROW = 'Shards';
const shardedOnly = new Set(allPanels(dashboard.panels.filter((panel) => panel.type === 'row' && panel.title === SHARDED_ONLY_ROW)));

/**
 * The dashboard queries that return no series, or only NaN and infinities (what a panel shows as
 * "No data"); the Shards row's queries need only be accepted by Prometheus.
 */
async function queriesWithoutData(): Promise<string[]> {
  const empty: string[] = [];
  for (const panel of allPanels(dashboard.panels)) {
    for (const target of panel.targets ?? []) {
      const expression = promql(target.expr);
      if (shardedOnly.has(panel)) {
        await query(expression);
        continue;
      }
      const samples = await query(expression).catch(() => []);
      if (!samples.some((sample) => Number.isFinite(Number(sample.value[1])))) empty.push(`${panel.title} ${target.refId}: ${expression}`);
    }
  }
  return empty;
}

/** Polls `condition` every two seconds until it holds or `limitMs` passes; the assertions after it say what was wrong. */
async function settle(condition: () => Promise<boolean>, limitMs: number): Promise<void> {
  await eventually(condition, 'the condition holds', limitMs, 2000).catch(() => undefined);
}

/** The host name of a service's replica: the name the worker joined under. */
async function workerName(service: 'worker' | 'byzantine', index = 1): Promise<string> {
  const result = await project.exec(service, ['node', '-p', "require('node:os').hostname()"], '', index);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.trim();
}

/** The worker name README.md's fault-injection commands use, which the tests replace by a real one. */
const README_WORKER = '3f2a9c1d0b7e';

/** The command lines of README.md's fault-injection block ("Inject an attack or a fault"), as written there. */
function readmeInjectCommands(): string[] {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.split('**Inject an attack or a fault**')[1] ?? '';
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block.split('\n').filter((line) => line.trim() !== '');
}

/** `byzps COMMAND …` inside the ps container, in the README's form: `docker-compose exec -T ps byzps …`. */
function byzpsInPs(args: readonly string[]) {
  return project.shell(['docker-compose exec -T ps byzps', ...args, '--server 127.0.0.1:50051'].join(' '));
}

/** Whether Compose v2 (`docker compose`, the docker CLI plugin) is installed; Debian 12 packages only Compose 1.29. */
const composeV2 = spawnSync('docker', ['compose', 'version'], { stdio: 'ignore', timeout: 20_000 }).status === 0;

/** The exposition text of a service's /metrics, fetched inside its container (the port is not published). */
async function metricsText(service: string, port: number): Promise<string> {
  const fetchScript = `fetch('http://127.0.0.1:${String(port)}/metrics').then((response) => response.text()).then((text) => process.stdout.write(text))`;
  const result = await project.exec(service, ['node', '-e', fetchScript]);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

/**
 * prom-client's default metrics include three gauges named `…_total` (active handles, requests and
 * resources), which promtool's lint flags; byzps cannot rename them. Nothing else may be flagged.
 */
const PROM_CLIENT_GAUGES_NAMED_TOTAL = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** The lint problems `promtool check metrics` finds in `text`, beyond prom-client's known ones; a parse failure throws. */
async function promtoolProblems(text: string): Promise<string[]> {
  const result = await project.exec('prometheus', ['promtool', 'check', 'metrics'], text);
  const lines = `${result.stdout}\n${result.stderr}`.split('\n').filter((line) => line.trim() !== '');
  // promtool exits 3 when it only found lint problems and 1 when it could not parse the text.
  if (result.code !== 0 && result.code !== 3) throw new Error(`promtool check metrics exited with ${String(result.code)}: ${lines.join('\n')}`);
  return lines.filter((line) => !PROM_CLIENT_GAUGES_NAMED_TOTAL.some((name) => line.startsWith(`${name} `)));
}

describe('Grafana dashboard', () => {
  it('the dashboard has a fixed uid and every panel reads the provisioned datasource', () => {
    const datasourceUid = /^\s*uid:\s*(\S+)\s*$/m.exec(datasourceProvisioning)?.[1];
    expect(datasourceUid).toBe('byzps-prometheus');
    expect(dashboard.uid).toBe('byzps-cluster');
    const panels = allPanels(dashboard.panels).filter((panel) => panel.type !== 'row');
    expect(panels.length).toBeGreaterThan(10);
    expect([...shardedOnly].filter((panel) => panel.type !== 'row').length, `panels in the ${SHARDED_ONLY_ROW} row`).toBeGreaterThan(0);
    for (const panel of panels) {
      expect(panel.datasource?.uid, panel.title).toBe(datasourceUid);
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) expect(target.datasource?.uid, `${panel.title} ${target.refId}`).toBe(datasourceUid);
    }
  });
});

describe('docker-compose cluster', () => {
  beforeAll(async () => {
    await ensureByzpsImage();
    await buildLocalPrometheusImage(BASE_IMAGE);
    await project.up(['ps', 'worker', 'byzantine', 'prometheus']);
    prometheusPort = await project.hostPort('prometheus', 9090);
  }, PREPARE_LIMIT_MS + 30 * 60_000);

  afterAll(async () => {
    await project.down();
  }, 5 * 60_000);

  it('Prometheus scrapes the server and every worker replica, found by service name', async () => {
    const expected = { ps: 1, worker: HONEST_WORKERS, byzantine: BYZANTINE_WORKERS };
    let health: Record<string, string[]> = {};
    const allUp = async () => {
      const response = await fetch(`http://127.0.0.1:${String(prometheusPort)}/api/v1/targets?state=active`);
      const body = (await response.json()) as { data: { activeTargets: { labels: { job: string }; health: string }[] } };
      health = {};
      for (const target of body.data.activeTargets) (health[target.labels.job] ??= []).push(target.health);
      return Object.entries(expected).every(([job, count]) => health[job]?.length === count && health[job].every((state) => state === 'up'));
    };
    await eventually(allUp, 'every target is up', 240_000, 1000).catch(async (error: unknown) => {
      throw new Error(`targets by job: ${JSON.stringify(health)}\n${await project.logs()}`, { cause: error });
    });
  }, 300_000);

  it('Prometheus refuses the dashboard queries that hold $__rate_interval, and runs them once it is replaced as Grafana does', async () => {
    const targets = allPanels(dashboard.panels).flatMap((panel) => panel.targets ?? []);
    const withRateInterval = targets.filter((target) => target.expr.includes('$__rate_interval'));
    expect(withRateInterval.length).toBeGreaterThan(0);
    for (const target of withRateInterval) {
      await expect(query(target.expr), target.expr).rejects.toThrow(/parse error/);
      await expect(query(promql(target.expr)), target.expr).resolves.toBeInstanceOf(Array);
    }
  }, 60_000);

  /** Runs README.md's fault-injection commands in order against an honest worker, `docker-compose` replaced by `compose`. */
  async function runReadmeInjectCommands(compose: string): Promise<void> {
    const honest = await workerName('worker');
    const attacker = await workerName('byzantine');
    const commands = readmeInjectCommands();
    expect(commands.length, 'commands in the README block').toBeGreaterThanOrEqual(4);
    for (const line of commands) {
      expect(line, 'a README command').toMatch(/^docker-compose exec -T ps byzps (status|inject) /);
      const command = line.replace(/^docker-compose /, `${compose} `).replaceAll(README_WORKER, honest);
      const result = await project.shell(command);
      expect(result.code, `${command}\n${result.stdout}${result.stderr}`).toBe(0);
      if (/ byzps status /.test(command)) {
        expect(result.stdout).toContain(honest);
        expect(result.stdout).toContain(attacker);
      } else {
        expect(result.stdout, command).toMatch(new RegExp(`^queued \\S+.* for ${honest}; `));
      }
    }
  }

  it("README's fault-injection commands work as written, with Debian's Compose 1.29 (docker-compose)", async () => {
    await runReadmeInjectCommands('docker-compose');
  }, 180_000);

  it("README's fault-injection commands work with Compose v2 (docker compose)", async (context) => {
    if (!composeV2) {
      const reason = 'Compose v2 is not installed here (docker compose version fails; Debian 12 has no package for it)';
      console.log(`skipped: README's commands with docker compose: ${reason}`);
      context.skip(reason);
    }
    await runReadmeInjectCommands('docker compose');
  }, 180_000);

  it("every query of the Grafana dashboard returns data, and the attacker has FA's lowest coefficient over a minute", async () => {
    const honest = await workerName('worker');
    const attacker = await workerName('byzantine');
    const status = await byzpsInPs(['status']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(honest);
    expect(status.stdout).toContain(attacker);

    // Two rounds of NaN gradients from an honest worker: the rejections and the worker's push
    // failures are series the dashboard plots, which a clean run never creates.
    const injected = await byzpsInPs(['inject', '--worker', honest, '--fault', 'nan-payload', '--rounds', '2']);
    expect(injected.code, injected.stderr).toBe(0);
    expect(injected.stdout).toMatch(/^queued nan-payload/);

    let empty: string[] = [];
    await settle(async () => (empty = await queriesWithoutData()).length === 0, 180_000);
    expect(empty).toEqual([]);

    let coefficients: Sample[] = [];
    const attackerLowest = async () => {
      // Averaged over a minute, as the dashboard's table shows it: one round's coefficients are noisy.
      coefficients = await query('sort(avg_over_time(byzps_worker_influence{quantity="coefficient"}[1m]))');
      return coefficients.length === HONEST_WORKERS + BYZANTINE_WORKERS && coefficients[0]?.metric.worker === attacker;
    };
    await settle(attackerLowest, 60_000);
    const byWorker = coefficients.map((sample) => `${String(sample.metric.worker)}=${sample.value[1]}`).join(', ');
    expect(coefficients, byWorker).toHaveLength(HONEST_WORKERS + BYZANTINE_WORKERS);
    expect(coefficients[0]?.metric.worker, byWorker).toBe(attacker);
  }, 300_000);

  it('promtool accepts the Prometheus config and the server’s and a worker’s /metrics', async () => {
    const config = await project.exec('prometheus', ['promtool', 'check', 'config', '/etc/prometheus/prometheus.yml']);
    expect(config.code, `${config.stdout}${config.stderr}`).toBe(0);
    expect(await promtoolProblems(await metricsText('ps', 9090))).toEqual([]);
    expect(await promtoolProblems(await metricsText('worker', 9091))).toEqual([]);
  }, 120_000);
});
