import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';

/** One relative import: the importing file and the file it names, both relative to the repository root. */
export interface ImportEdge {
  readonly from: string;
  readonly to: string;
}

/** Static imports and re-exports, dynamic `import('…')` and module threads started by relative path. */
const SPECIFIER = /(?:\bfrom\s+|\bimport\s*\(\s*|start(?:Module|Ready)Thread\(import\.meta\.url,\s*)'(\.{1,2}\/[^']+)'/g;

/** Folders that are not the project's own sources. */
const SKIPPED = new Set(['node_modules', 'dist', '.git', 'generated', 'wasm']);

function sourceFiles(root: string, folder: string): string[] {
  return readdirSync(join(root, folder), { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return SKIPPED.has(entry.name) ? [] : sourceFiles(root, path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every relative import between the TypeScript files under `folders`, with `.js` specifiers read as the `.ts` they compile from. */
export function importEdges(root: string, folders: readonly string[]): ImportEdge[] {
  return folders.flatMap((folder) =>
    sourceFiles(root, folder).flatMap((file) =>
      [...readFileSync(join(root, file), 'utf8').matchAll(SPECIFIER)].map((match) => {
        const target = normalize(join(dirname(file), match[1]!)).replace(/\.js$/, '.ts');
        return { from: file, to: target.endsWith('.ts') ? target : `${target}.ts` };
      }),
    ),
  );
}

/**
 * The layer a file belongs to: its top folder, except that every test file, wherever it sits,
 * belongs to the tests, which may import anything.
 */
export function layerOf(file: string): string {
  if (file.endsWith('.test.ts')) return 'test';
  return relative('.', file).split(sep)[0]!;
}

/** The cycles of a directed graph, each as the list of its nodes, found by depth-first search. */
export function findCycles(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'visiting');
    path.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === 'visiting') cycles.push([...path.slice(path.indexOf(next)), next]);
      else if (state.get(next) === undefined) visit(next);
    }
    path.pop();
    state.set(node, 'done');
  };
  for (const node of [...edges.keys()].sort()) if (state.get(node) === undefined) visit(node);
  return cycles;
}

/** Edges between different layers, grouped by layer pair. */
export function layerGraph(edges: readonly ImportEdge[]): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const { from, to } of edges) {
    const [a, b] = [layerOf(from), layerOf(to)];
    if (a === b) continue;
    if (!graph.has(a)) graph.set(a, new Set());
    graph.get(a)!.add(b);
  }
  return graph;
}
