import { readFileSync } from 'node:fs';
import type { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createServerMetrics, createWorkerMetrics } from '../runtime/metrics.js';

/**
 * The provisioned Grafana dashboard against the metrics runtime/metrics.ts defines, without
 * containers: every metric a panel queries exists, and every label it selects or groups by is one a
 * metric has or Prometheus adds. (test/containers/compose.test.ts runs the queries on a real
 * Prometheus scraping a compose cluster.)
 */

interface Panel {
  readonly title: string;
  readonly type: string;
  readonly targets?: readonly { readonly refId: string; readonly expr: string }[];
  readonly panels?: readonly Panel[];
}

const dashboard = JSON.parse(readFileSync(new URL('../deploy/grafana/dashboards/byzps.json', import.meta.url), 'utf8')) as { panels: readonly Panel[] };

function allPanels(panels: readonly Panel[]): Panel[] {
  return panels.flatMap((panel) => [panel, ...allPanels(panel.panels ?? [])]);
}

const idle = { round: 0, quorum: 0, receivedCount: 0, joinedCount: 0, awaitedCount: 0 };
const registries: Registry[] = [createServerMetrics(idle, { shard: 0 }).registry, createWorkerMetrics().registry];

/** The series names each defined metric exports (histograms: _bucket, _sum, _count) and every label name. */
function defined(): { names: Set<string>; labels: Set<string> } {
  const names = new Set<string>();
  // Added by Prometheus (job, instance), by histograms (le), and to every series of a shard (shard).
  const labels = new Set(['job', 'instance', 'le', 'shard']);
  for (const registry of registries) {
    for (const metric of registry.getMetricsAsArray()) {
      const { name, type, labelNames } = metric as unknown as { name: string; type: string; labelNames?: readonly string[] };
      names.add(name);
      if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
      if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(name + suffix);
      for (const label of labelNames ?? []) labels.add(label);
    }
  }
  return { names, labels };
}

/** The metric names and label names a PromQL expression uses (of the byzps, grpc_server, process and nodejs families). */
function used(expr: string): { names: string[]; labels: string[] } {
  const bare = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\[[^\]]*\]/g, '');
  const names = [...bare.matchAll(/\b(?:byzps|grpc_server|process|nodejs)_[a-zA-Z0-9_]*/g)].map(([name]) => name);
  const grouped = [...bare.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)].flatMap(([, list]) => list!.split(',').map((label) => label.trim()));
  const matched = [...bare.matchAll(/\{([^}]*)\}/g)].flatMap(([, matchers]) => [...matchers!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map(([, label]) => label!));
  return { names, labels: [...grouped, ...matched].filter((label) => label !== '') };
}

const targets = allPanels(dashboard.panels).flatMap((panel) => (panel.targets ?? []).map((target) => ({ where: `${panel.title} ${target.refId}`, expr: target.expr })));

describe('the Grafana dashboard and runtime/metrics.ts', () => {
  it('every query reads metrics defined in runtime/metrics.ts (or prom-client defaults registered there)', () => {
    const { names } = defined();
    expect(targets.length).toBeGreaterThan(10);
    const unknown = targets.flatMap(({ where, expr }) => used(expr).names.filter((name) => !names.has(name)).map((name) => `${where}: ${name}`));
    expect(unknown).toEqual([]);
  });

  it('every label a query selects or groups by is one of a defined metric, or job, instance, le or shard', () => {
    const { labels } = defined();
    const unknown = targets.flatMap(({ where, expr }) => used(expr).labels.filter((label) => !labels.has(label)).map((label) => `${where}: ${label}`));
    expect(unknown).toEqual([]);
  });

  it('the Shards row is there, and each of its queries reads a shard label or the coordinator-only exchange time', () => {
    const row = dashboard.panels.find((panel) => panel.type === 'row' && panel.title === 'Shards');
    const panels = (row?.panels ?? []).filter((panel) => panel.type !== 'row');
    expect(panels.length).toBeGreaterThan(3);
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        const { names, labels } = used(target.expr);
        expect(labels.includes('shard') || names.some((name) => name.startsWith('byzps_shard_exchange_seconds')), `${panel.title} ${target.refId}`).toBe(true);
      }
    }
  });

  it("a shard labels every series of its registry, the default process metrics included, with its index", async () => {
    const text = await createServerMetrics(idle, { shard: 3 }).registry.metrics();
    const samples = text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    expect(samples.some((line) => line.startsWith('process_cpu_seconds_total'))).toBe(true);
    expect(samples.filter((line) => !/\{(?:.*,)?shard="3"[,}]/.test(line))).toEqual([]);
  });
});
