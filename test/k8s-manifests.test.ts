import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { loadServerConfig, type ServerConfig, serverConfigHelp } from '../services/config.js';
import { WORKER_NAME } from '../services/worker-name.js';
import { loadWorkerConfig, type WorkerConfig, workerConfigHelp } from '../worker/config.js';

/**
 * The Kubernetes manifests (deploy/kustomization.yml and deploy/k8s/), checked offline: no cluster
 * runs them here. Every document is validated against the Kubernetes API schemas
 * (kubernetes-models), and every byzps container's arguments and environment go through the
 * settings parsers `byzps ps` and `byzps worker` use, once per shard ordinal, so an unknown flag,
 * a bad value or a shard count that disagrees with the peers fails here as it would in the pod.
 * Then the wiring between the documents: the headless Service and the peer names, the ports the
 * probes, Services and Prometheus targets use, the workload selectors, the generated ConfigMaps.
 */

const root = fileURLToPath(new URL('../', import.meta.url));
const deployDir = join(root, 'deploy');

// ---- The parts of the documents this test reads. kubernetes-models validates the whole of each.

interface Metadata {
  readonly name: string;
  readonly labels?: Record<string, string>;
}
interface Document {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: Metadata;
}
interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: { readonly fieldRef?: { readonly fieldPath: string }; readonly secretKeyRef?: { readonly name: string; readonly key: string } };
}
interface Probe {
  readonly httpGet?: { readonly path?: string; readonly port: number | string };
}
interface Container {
  readonly name: string;
  readonly image?: string;
  readonly imagePullPolicy?: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: readonly EnvVar[];
  readonly ports?: readonly { readonly name?: string; readonly containerPort: number }[];
  readonly readinessProbe?: Probe;
  readonly livenessProbe?: Probe;
  readonly startupProbe?: Probe;
  readonly volumeMounts?: readonly { readonly name: string; readonly mountPath: string }[];
}
interface PodTemplate {
  readonly metadata: Metadata;
  readonly spec: {
    readonly containers: readonly Container[];
    readonly securityContext?: { readonly runAsUser?: number; readonly runAsNonRoot?: boolean };
    readonly volumes?: readonly { readonly name: string; readonly configMap?: { readonly name: string } }[];
  };
}
interface Workload extends Document {
  readonly kind: 'StatefulSet' | 'Deployment';
  readonly metadata: Metadata;
  readonly spec: { readonly replicas?: number; readonly serviceName?: string; readonly selector: { readonly matchLabels: Record<string, string> }; readonly template: PodTemplate };
}
interface ServiceDocument extends Document {
  readonly kind: 'Service';
  readonly spec: { readonly clusterIP?: string; readonly publishNotReadyAddresses?: boolean; readonly selector: Record<string, string>; readonly ports: readonly { readonly port: number; readonly targetPort?: number | string }[] };
}
interface ConfigMapDocument extends Document {
  readonly kind: 'ConfigMap';
  readonly data: Record<string, string>;
}
interface Kustomization {
  readonly resources: readonly string[];
  readonly generatorOptions?: { readonly disableNameSuffixHash?: boolean };
  readonly configMapGenerator: readonly { readonly name: string; readonly files: readonly string[]; readonly options?: { readonly labels?: Record<string, string> } }[];
}
interface PrometheusConfig {
  readonly scrape_configs: readonly {
    readonly job_name: string;
    readonly static_configs?: readonly { readonly targets: readonly string[] }[];
    readonly dns_sd_configs?: readonly { readonly names: readonly string[]; readonly type: string; readonly port: number }[];
  }[];
}

/** The schema class of each kind the manifests may hold; another kind fails the validation test. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
};

// ---- deploy/kustomization.yml, built as `kubectl apply -k deploy` builds it (the parts it uses).

/** A path the kustomization names, which kustomize loads only from inside its own folder. */
function insideDeploy(path: string): string {
  const full = resolve(deployDir, path);
  if (!full.startsWith(deployDir + sep)) throw new Error(`deploy/kustomization.yml names ${path}, outside deploy/: kustomize refuses files outside the kustomization's folder`);
  return full;
}

const kustomization = parse(readFileSync(join(deployDir, 'kustomization.yml'), 'utf8')) as Kustomization;

/** `KEY=PATH` or `PATH` (the key is the file's name), as configMapGenerator reads a files entry. */
function generatedEntry(entry: string): { key: string; path: string } {
  const at = entry.indexOf('=');
  return at < 0 ? { key: basename(entry), path: entry } : { key: entry.slice(0, at), path: entry.slice(at + 1) };
}

const generated: ConfigMapDocument[] = kustomization.configMapGenerator.map((generator) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: generator.name, ...(generator.options?.labels === undefined ? {} : { labels: generator.options.labels }) },
  data: Object.fromEntries(generator.files.map(generatedEntry).map(({ key, path }) => [key, readFileSync(insideDeploy(path), 'utf8')])),
}));

const resourceDocuments: Document[] = kustomization.resources.flatMap((resource) =>
  parseAllDocuments(readFileSync(insideDeploy(resource), 'utf8'))
    .map((document) => document.toJS() as Document | null)
    .filter((document) => document !== null),
);

const documents: Document[] = [...resourceDocuments, ...generated];
const workloads = documents.filter((document): document is Workload => document.kind === 'StatefulSet' || document.kind === 'Deployment');
const services = documents.filter((document): document is ServiceDocument => document.kind === 'Service');

interface Kinds {
  readonly ConfigMap: ConfigMapDocument;
  readonly Deployment: Workload;
  readonly Service: ServiceDocument;
  readonly StatefulSet: Workload;
}

function named<K extends keyof Kinds>(kind: K, name: string): Kinds[K] {
  const found = documents.find((document) => document.kind === kind && document.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name} in the manifests`);
  return found as Kinds[K];
}

// ---- A byzps container's settings, as its process would load them.

/** The image's own environment (deploy/Dockerfile's ENV lines), which the manifests' variables add to. */
const dockerfile = readFileSync(join(deployDir, 'Dockerfile'), 'utf8');
const imageEnv = Object.fromEntries([...dockerfile.matchAll(/^ENV (\w+)=(\S+)$/gm)].map(([, name, value]) => [name!, value!]));

/** What the Secret byzps-tokens holds once made as the README says: two different tokens. */
const TOKENS_SECRET = 'byzps-tokens';
const secretValues: Record<string, string> = { 'admin-token': 'admin-secret-for-the-test', 'worker-token': 'worker-secret-for-the-test' };

/** A pod of a workload, as the kubelet would fill in the downward API: its name and labels. */
interface Pod {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** Ordinal i of a StatefulSet, or one pod of a Deployment (its name has the ReplicaSet's hash and a suffix). */
function podOf(workload: Workload, ordinal: number): Pod {
  const labels = workload.spec.template.metadata.labels ?? {};
  if (workload.kind === 'StatefulSet') {
    const name = `${workload.metadata.name}-${ordinal}`;
    return { name, labels: { ...labels, 'apps.kubernetes.io/pod-index': String(ordinal), 'statefulset.kubernetes.io/pod-name': name } };
  }
  return { name: `${workload.metadata.name}-5d8c7b9f4d-x2x7k`, labels: { ...labels, 'pod-template-hash': '5d8c7b9f4d' } };
}

/** The container's environment in `pod`: the image's, then its env entries with field and secret references resolved. */
function environment(container: Container, pod: Pod): Record<string, string> {
  const env: Record<string, string> = { ...imageEnv };
  for (const variable of container.env ?? []) {
    const field = variable.valueFrom?.fieldRef?.fieldPath;
    const secret = variable.valueFrom?.secretKeyRef;
    if (field !== undefined) {
      const label = /^metadata\.labels\['(.+)'\]$/.exec(field)?.[1];
      const value = field === 'metadata.name' ? pod.name : label === undefined ? undefined : pod.labels[label];
      if (value === undefined) throw new Error(`${variable.name}: the test does not know the pod field ${field}`);
      env[variable.name] = value;
    } else if (secret !== undefined) {
      const value = secretValues[secret.key];
      if (secret.name !== TOKENS_SECRET || value === undefined) throw new Error(`${variable.name}: secret ${secret.name} key ${secret.key}; the README's secret is ${TOKENS_SECRET} with ${Object.keys(secretValues).join(' and ')}`);
      env[variable.name] = value;
    } else {
      env[variable.name] = variable.value ?? '';
    }
  }
  return env;
}

/** The environment variables a settings schema reads, from its help lines: `--flag (BYZPS_FLAG, …)`. */
function settingVariables(help: string): Set<string> {
  return new Set([...help.matchAll(/^ {2}--[a-z0-9-]+ \((\w+),/gm)].map(([, name]) => name!));
}
const variablesOf = { ps: settingVariables(serverConfigHelp()), worker: settingVariables(workerConfigHelp()) };

function byzpsContainers(workload: Workload): Container[] {
  return workload.spec.template.spec.containers.filter((container) => container.image?.startsWith('byzps:') === true);
}

function byzpsContainer(workload: Workload): Container {
  const containers = byzpsContainers(workload);
  expect(containers, `${workload.metadata.name}: byzps containers`).toHaveLength(1);
  return containers[0]!;
}

/** What a workload's byzps container runs (ps, worker), or '' for a workload without one. */
function commandOf(workload: Workload): string {
  return byzpsContainers(workload)[0]?.args?.[0] ?? '';
}

/** The settings of `byzps ps` in ordinal `ordinal` of the shards' StatefulSet, through the server's own parser. */
function serverSettings(workload: Workload, ordinal: number): ServerConfig {
  const container = byzpsContainer(workload);
  return loadServerConfig(container.args!.slice(1), environment(container, podOf(workload, ordinal)));
}

function workerSettings(workload: Workload): WorkerConfig {
  const container = byzpsContainer(workload);
  return loadWorkerConfig(container.args!.slice(1), environment(container, podOf(workload, 0)));
}

/** The number a container port (by name or number) stands for, or undefined when the container exposes no such port. */
function containerPort(container: Container, port: number | string | undefined): number | undefined {
  const ports = container.ports ?? [];
  return typeof port === 'number' ? ports.find((candidate) => candidate.containerPort === port)?.containerPort : ports.find((candidate) => candidate.name === port)?.containerPort;
}

function matches(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>> | undefined): boolean {
  return Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}

const shardSets = workloads.filter((workload) => workload.kind === 'StatefulSet' && commandOf(workload) === 'ps');
const workerDeployments = workloads.filter((workload) => workload.kind === 'Deployment' && commandOf(workload) === 'worker');

describe('Kubernetes manifests (deploy/kustomization.yml, deploy/k8s/)', () => {
  it('the kustomization lists every manifest in deploy/k8s/ and generates its ConfigMaps under fixed names', () => {
    const manifests = readdirSync(join(deployDir, 'k8s')).filter((file) => /\.ya?ml$/.test(file)).map((file) => `k8s/${file}`);
    expect([...kustomization.resources].sort()).toEqual(manifests.sort());
    // The Deployments name the generated ConfigMaps as they are: no hash suffix to rewrite.
    expect(kustomization.generatorOptions?.disableNameSuffixHash).toBe(true);
    expect(documents.length).toBeGreaterThanOrEqual(10);
  });

  it.each(documents.map((document) => [`${document.kind} ${document.metadata.name}`, document] as const))('%s validates against the Kubernetes API schema', (_, document) => {
    const Model = MODELS[`${document.apiVersion}/${document.kind}`];
    expect(Model, `a schema for ${document.apiVersion} ${document.kind}`).toBeDefined();
    expect(() => {
      new Model!(document as never).validate();
    }).not.toThrow();
  });

  it('the schema validation refuses a broken manifest (the check can fail)', () => {
    const shards = structuredClone(shardSets[0]!) as unknown as { spec: { template: { spec: { containers: { ports: { containerPort: unknown }[] }[] } } } };
    shards.spec.template.spec.containers[0]!.ports[0]!.containerPort = 'grpc';
    expect(() => {
      new StatefulSet(shards as never).validate();
    }).toThrow(/containerPort must be integer/);
    expect(() => {
      new Service({ metadata: { name: 'x' }, spec: { type: 'Headless' } } as never).validate();
    }).toThrow(/type/);
  });

  it('every byzps container runs the local image with its own entrypoint and an argument list `byzps ps` or `byzps worker` accepts', () => {
    const byzps = workloads.filter((workload) => byzpsContainers(workload).length > 0);
    expect(byzps.map((workload) => `${workload.kind} ${workload.metadata.name}: ${commandOf(workload)}`).sort()).toEqual(['Deployment byzps-byzantine: worker', 'Deployment byzps-worker: worker', 'StatefulSet byzps-shard: ps']);
    const uid = /--uid (\d+)/.exec(dockerfile)?.[1];
    for (const workload of byzps) {
      const container = byzpsContainer(workload);
      expect(container.image).toBe('byzps:local');
      expect(['IfNotPresent', 'Never']).toContain(container.imagePullPolicy);
      // No command: the image's entrypoint (tini, then node dist/cli/main.js) takes the arguments.
      expect(container.command).toBeUndefined();
      expect(workload.spec.template.spec.securityContext?.runAsUser, `${workload.metadata.name}: the image's user`).toBe(Number(uid));
      // Every variable is a setting of the command it runs: one the parser would ignore is a typo.
      const command = commandOf(workload) as 'ps' | 'worker';
      expect((container.env ?? []).map((variable) => variable.name).filter((name) => !variablesOf[command].has(name))).toEqual([]);
      const ordinals = workload.kind === 'StatefulSet' ? workload.spec.replicas! : 1;
      for (let ordinal = 0; ordinal < ordinals; ordinal++) {
        // loadServerConfig / loadWorkerConfig throw a ConfigError naming every unknown flag and bad value.
        expect(() => (command === 'ps' ? serverSettings(workload, ordinal) : workerSettings(workload)), `${workload.metadata.name} pod ${ordinal}`).not.toThrow();
      }
    }
  });

  it('the parser refuses what a broken manifest would pass (the check can fail)', () => {
    const shards = shardSets[0]!;
    const container = byzpsContainer(shards);
    const env = environment(container, podOf(shards, 0));
    expect(() => loadServerConfig([...container.args!.slice(1), '--shard-peer', 'x:1'], env)).toThrow(/unknown flag --shard-peer/);
    expect(() => loadServerConfig(container.args!.slice(1), environment(container, podOf(shards, 3)))).toThrow(/--shard-index must be below --shards/);
  });

  it('the shards: a StatefulSet with as many replicas as --shard-peers names, each peer its pod under the headless Service', () => {
    expect(shardSets).toHaveLength(1);
    const shards = shardSets[0]!;
    const replicas = shards.spec.replicas!;
    expect(replicas).toBe(3);
    const service = named('Service', shards.spec.serviceName!);
    expect(service.spec.clusterIP).toBe('None');
    // Shards and workers dial peers that are still starting.
    expect(service.spec.publishNotReadyAddresses).toBe(true);
    expect(matches(service.spec.selector, shards.spec.template.metadata.labels)).toBe(true);
    const container = byzpsContainer(shards);
    for (let ordinal = 0; ordinal < replicas; ordinal++) {
      const config = serverSettings(shards, ordinal);
      expect(config.shards).toBe(replicas);
      expect(config.shardIndex).toBe(ordinal);
      expect(config.shardPeers).toHaveLength(replicas);
      config.shardPeers.forEach((peer, index) => {
        // POD.SERVICE, or its full name POD.SERVICE.NAMESPACE.svc[.cluster.local].
        const match = /^([a-z0-9-]+)\.([a-z0-9-]+)(?:\.[a-z0-9-]+\.svc(?:\.cluster\.local)?)?:(\d+)$/.exec(peer);
        expect(match, peer).not.toBeNull();
        expect(match![1], `peer ${index}`).toBe(podOf(shards, index).name);
        expect(match![2], `peer ${index}`).toBe(service.metadata.name);
        expect(Number(match![3]), `peer ${index}: the shards' --grpc-port`).toBe(config.grpcPort);
      });
      expect(containerPort(container, 'grpc')).toBe(config.grpcPort);
      expect(containerPort(container, 'http')).toBe(config.httpPort);
      expect(service.spec.ports.map((port) => containerPort(container, port.targetPort ?? port.port)).sort()).toEqual([config.grpcPort, config.httpPort].sort());
      // Every shard authorises the others' ShardPeer calls with the same admin token.
      expect(config.adminToken).toBe(secretValues['admin-token']);
    }
  });

  it('the workers dial shard 0 with the shards\' seed and token, and fit the shards\' limits', () => {
    const shards = shardSets[0]!;
    const server = serverSettings(shards, 0);
    expect(workerDeployments.map((workload) => workload.metadata.name).sort()).toEqual(['byzps-byzantine', 'byzps-worker']);
    let byzantine = 0;
    let total = 0;
    for (const deployment of workerDeployments) {
      const config = workerSettings(deployment);
      expect(config.server, deployment.metadata.name).toBe(server.shardPeers[0]);
      expect(config.seed).toBe(server.seed);
      expect(config.workerToken).toBe(server.workerToken);
      // Worker ids run up to --max-workers; each needs a data shard of its own.
      expect(config.workers).toBeGreaterThanOrEqual(server.maxWorkers);
      expect(config.name).toMatch(WORKER_NAME);
      expect(config.name).toBe(podOf(deployment, 0).name);
      const replicas = deployment.spec.replicas ?? 1;
      total += replicas;
      if (config.attack !== 'none') byzantine += replicas;
      expect(config.attack !== 'none', `${deployment.metadata.name} attacks`).toBe(deployment.metadata.name === 'byzps-byzantine');
      expect(containerPort(byzpsContainer(deployment), 'http')).toBe(config.httpPort);
    }
    expect(byzantine).toBeGreaterThan(0);
    expect(byzantine, 'Byzantine replicas within the rule\'s --f').toBeLessThanOrEqual(server.f);
    expect(total).toBeLessThanOrEqual(server.maxWorkers);
  });

  it('every byzps container probes /healthz on the HTTP port its process serves', () => {
    for (const workload of [...shardSets, ...workerDeployments]) {
      const container = byzpsContainer(workload);
      const httpPort = commandOf(workload) === 'ps' ? serverSettings(workload, 0).httpPort : workerSettings(workload).httpPort;
      for (const [kind, probe] of Object.entries({ startup: container.startupProbe, readiness: container.readinessProbe, liveness: container.livenessProbe })) {
        expect(probe?.httpGet?.path, `${workload.metadata.name} ${kind} probe`).toBe('/healthz');
        expect(containerPort(container, probe?.httpGet?.port), `${workload.metadata.name} ${kind} probe port`).toBe(httpPort);
      }
    }
  });

  it('each selector picks its own pods and no other workload\'s, and each Service selects one workload', () => {
    for (const workload of workloads) {
      const selector = workload.spec.selector.matchLabels;
      expect(workloads.filter((other) => matches(selector, other.spec.template.metadata.labels)).map((other) => other.metadata.name)).toEqual([workload.metadata.name]);
    }
    for (const service of services) {
      const selected = workloads.filter((workload) => matches(service.spec.selector, workload.spec.template.metadata.labels));
      expect(selected, `Service ${service.metadata.name}`).toHaveLength(1);
      const container = selected[0]!.spec.template.spec.containers[0]!;
      for (const port of service.spec.ports) expect(containerPort(container, port.targetPort ?? port.port), `Service ${service.metadata.name} port ${port.port}`).toBeDefined();
    }
  });

  it('Prometheus scrapes every shard and every worker pod on the ports their containers serve /metrics on', () => {
    const prometheus = named('Deployment', 'byzps-prometheus');
    const container = prometheus.spec.template.spec.containers[0]!;
    const configFile = container.args?.map((arg) => /^--config\.file=(.+)$/.exec(arg)?.[1]).find((file) => file !== undefined);
    expect(configFile).toBeDefined();
    const mount = container.volumeMounts?.find((candidate) => configFile!.startsWith(`${candidate.mountPath}/`));
    const volume = prometheus.spec.template.spec.volumes?.find((candidate) => candidate.name === mount?.name);
    const configMap = named('ConfigMap', volume?.configMap?.name ?? '');
    const text = configMap.data[relative(mount!.mountPath, configFile!)];
    expect(text, `${configFile!} in ConfigMap ${configMap.metadata.name}`).toBeDefined();
    const config = parse(text!) as PrometheusConfig;

    const shards = shardSets[0]!;
    const server = serverSettings(shards, 0);
    const staticTargets = config.scrape_configs.flatMap((job) => (job.static_configs ?? []).flatMap((group) => group.targets));
    expect(staticTargets).toEqual(server.shardPeers.map((peer) => `${peer.slice(0, peer.lastIndexOf(':'))}:${server.httpPort}`));

    // Each DNS name is a headless Service of one worker Deployment (one address per pod), on its HTTP port.
    const scraped = new Set<string>();
    for (const sd of config.scrape_configs.flatMap((job) => job.dns_sd_configs ?? [])) {
      expect(sd.type).toBe('A');
      for (const name of sd.names) {
        const service = named('Service', name);
        expect(service.spec.clusterIP, `Service ${name}`).toBe('None');
        const deployment = workerDeployments.find((workload) => matches(service.spec.selector, workload.spec.template.metadata.labels));
        expect(deployment, `a worker Deployment behind ${name}`).toBeDefined();
        expect(sd.port, `${name}: the workers' --http-port`).toBe(workerSettings(deployment!).httpPort);
        expect(containerPort(byzpsContainer(deployment!), sd.port)).toBe(sd.port);
        scraped.add(deployment!.metadata.name);
      }
    }
    expect([...scraped].sort()).toEqual(workerDeployments.map((workload) => workload.metadata.name).sort());
    // The file Compose and promtool do not see is this one; it is the ConfigMap's only source.
    expect(existsSync(join(deployDir, 'prometheus', 'prometheus-k8s.yml'))).toBe(true);
  });

  it('the dashboard ConfigMap is deploy/grafana/dashboards/byzps.json, byte for byte', () => {
    const dashboard = named('ConfigMap', 'byzps-grafana-dashboard');
    expect(Object.keys(dashboard.data)).toEqual(['byzps.json']);
    expect(dashboard.data['byzps.json']).toBe(readFileSync(join(deployDir, 'grafana', 'dashboards', 'byzps.json'), 'utf8'));
    expect(dashboard.metadata.labels).toEqual({ grafana_dashboard: '1' });
    // Under the 1 MiB of a ConfigMap, and the 256 KiB of the annotation `kubectl apply` (client side) adds.
    expect(Buffer.byteLength(dashboard.data['byzps.json']!)).toBeLessThan(256 * 1024);
  });

  it('the README makes the Secret every manifest reads, with each key they read', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    // The command, with the lines it continues onto with a trailing backslash.
    const made = /^kubectl .*create secret generic (\S+)((?:.*\\\n)*.*)$/m.exec(readme);
    expect(made, 'a `kubectl create secret generic` command in the README').not.toBeNull();
    expect(made![1]).toBe(TOKENS_SECRET);
    const keys = [...made![2]!.matchAll(/--from-literal=([\w-]+)=/g)].map(([, key]) => key!);
    const read = new Set(workloads.flatMap((workload) => workload.spec.template.spec.containers.flatMap((container) => (container.env ?? []).flatMap((variable) => variable.valueFrom?.secretKeyRef?.key ?? []))));
    expect(keys.sort()).toEqual([...read].sort());
  });
});
