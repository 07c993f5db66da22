import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The version in byzps's package.json, found by walking up from this module: two levels from
 * dist/cli/, one from cli/ when run from sources.
 */
export function byzpsVersion(): string {
  for (let directory = dirname(fileURLToPath(import.meta.url)); ; directory = dirname(directory)) {
    try {
      const manifest = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'byzps' && manifest.version !== undefined) return manifest.version;
    } catch {
      // No readable package.json here: look one level up.
    }
    if (dirname(directory) === directory) return 'unknown';
  }
}
