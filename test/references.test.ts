import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../', import.meta.url));

/** A repository path as documents and comments name it: a top folder, then a file with an extension. */
const PATH = /\b((?:aggregators|cli|deploy|docs|proto|runtime|services|tasks|test|worker)\/[\w./-]*\.(?:ts|md|proto|json|yml|yaml|py|sh|wasm|csv|png|svg))\b/g;
const SKIPPED = new Set(['node_modules', 'dist', '.git', 'generated']);

function files(folder: string): string[] {
  return readdirSync(join(root, folder), { withFileTypes: true }).flatMap((entry) => {
    const path = folder === '' ? entry.name : join(folder, entry.name);
    if (entry.isDirectory()) return SKIPPED.has(entry.name) ? [] : files(path);
    return /\.(ts|md|proto|yml|sh|py)$/.test(entry.name) || entry.name === 'Dockerfile' ? [path] : [];
  });
}

describe('references', () => {
  const sources = files('');

  it('every repository path a document, comment or script names exists', () => {
    const dangling: string[] = [];
    let checked = 0;
    for (const file of sources) {
      for (const [, path] of readFileSync(join(root, file), 'utf8').matchAll(PATH)) {
        checked++;
        // Paths inside a container or another repository's tree start elsewhere; these are the project's own.
        if (!existsSync(join(root, path!))) dangling.push(`${file} names ${path!}`);
      }
    }
    expect(checked, 'paths found').toBeGreaterThan(50);
    expect(dangling).toEqual([]);
  });

  it('no file refers to a design document outside the repository', () => {
    expect(sources.filter((file) => /\bDESIGN\b/.test(readFileSync(join(root, file), 'utf8')))).toEqual([]);
  });
});
