import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findCycles, importEdges, layerGraph, layerOf } from './import-graph.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const FOLDERS = ['aggregators', 'cli', 'proto', 'runtime', 'services', 'tasks', 'worker', 'test'];
/** The aggregation library's public entry points: its index, and its benchmark toolkit (the program `byzps bench` runs and the helpers the CLI benchmarks share). */
const isAggregatorEntryPoint = (file: string) => file === 'aggregators/index.ts' || file.startsWith('aggregators/bench/');

describe('findCycles', () => {
  it('finds a cycle through three nodes and none in a layered graph', () => {
    const cyclic = new Map([['a', new Set(['b'])], ['b', new Set(['c'])], ['c', new Set(['a'])]]);
    expect(findCycles(cyclic)).toEqual([['a', 'b', 'c', 'a']]);
    const layered = new Map([['cli', new Set(['services', 'worker'])], ['services', new Set(['runtime'])], ['worker', new Set(['runtime'])]]);
    expect(findCycles(layered)).toEqual([]);
  });
});

describe('the import graph of the repository', () => {
  const edges = importEdges(root, FOLDERS);

  it('reads the imports of every folder', () => {
    // A parser that found nothing would pass every check below.
    for (const folder of FOLDERS.filter((name) => name !== 'proto')) expect(edges.some((edge) => layerOf(edge.from) === folder), folder).toBe(true);
    expect(edges.some((edge) => edge.from === 'services/server.ts' && edge.to === 'services/round.ts')).toBe(true);
  });

  it('has no cycle between top folders', () => {
    const graph = layerGraph(edges);
    const described = findCycles(graph).map((cycle) =>
      cycle
        .slice(1)
        .map((layer, i) => {
          const example = edges.find((edge) => layerOf(edge.from) === cycle[i] && layerOf(edge.to) === layer)!;
          return `${cycle[i]} → ${layer} (${example.from} imports ${example.to})`;
        })
        .join(', '),
    );
    expect(described).toEqual([]);
  });

  it('reaches the aggregation library only through its public entry points', () => {
    const inside = (file: string) => file.startsWith('aggregators/');
    const bypassing = edges.filter((edge) => !inside(edge.from) && inside(edge.to) && !isAggregatorEntryPoint(edge.to));
    expect(bypassing.map((edge) => `${edge.from} imports ${edge.to}`)).toEqual([]);
  });
});
