import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { prerequisites } from './prerequisites.js';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

describe('test prerequisites', () => {
  it('name only test files that exist, so a moved file is not run without what it needs', () => {
    const files = prerequisites.flatMap((prerequisite) => prerequisite.files);
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((file) => !file.endsWith('.test.ts') || !existsSync(`${repositoryRoot}${file}`))).toEqual([]);
  });
});
