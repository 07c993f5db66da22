import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cellKey } from './cell.js';
import { ResultsStore } from './store.js';
import { sampleResult } from './testing.js';

let outDir: string;

beforeEach(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'byzps-store-'));
});

afterEach(async () => {
  await rm(outDir, { recursive: true, force: true });
});

describe('ResultsStore', () => {
  it('starts empty and creates its cells folder', async () => {
    expect((await new ResultsStore(outDir).load()).size).toBe(0);
    expect(await readdir(outDir)).toEqual(['cells']);
  });

  it('finds every saved cell again by key, in a new store on the same folder, and leaves no temporary file', async () => {
    const first = sampleResult();
    const second = sampleResult({ seed: 2 });
    const store = new ResultsStore(outDir);
    await store.save(first);
    await store.save(second);
    const loaded = await new ResultsStore(outDir).load();
    expect([...loaded.keys()].sort()).toEqual([first.key, second.key].sort());
    expect(loaded.get(second.key)).toEqual(second);
    expect((await readdir(join(outDir, 'cells'))).sort()).toEqual([`${first.key}.json`, `${second.key}.json`].sort());
  });

  it('sees a cell another store saved to the same folder after it loaded', async () => {
    const mine = new ResultsStore(outDir);
    await mine.load();
    const result = sampleResult();
    expect(await mine.has(result.key)).toBe(false);
    await new ResultsStore(outDir).save(result);
    expect(await mine.has(result.key)).toBe(true);
  });

  it('does not count a cell whose settings changed as finished', async () => {
    await new ResultsStore(outDir).save(sampleResult());
    const loaded = await new ResultsStore(outDir).load();
    expect(loaded.has(cellKey({ ...sampleResult().settings, rounds: 20 }))).toBe(false);
  });

  it('treats a torn file and a file whose settings do not match its name as not finished', async () => {
    const kept = sampleResult();
    const store = new ResultsStore(outDir);
    await store.save(kept);
    const edited = sampleResult({ seed: 3 });
    await writeFile(join(outDir, 'cells', `${edited.key}.json`), JSON.stringify({ ...edited, settings: { ...edited.settings, seed: 4 } }));
    const torn = sampleResult({ seed: 5 });
    const whole = JSON.stringify(torn);
    await writeFile(join(outDir, 'cells', `${torn.key}.json`), whole.slice(0, whole.length / 2));
    expect([...(await store.load()).keys()]).toEqual([kept.key]);
    expect(JSON.parse(await readFile(join(outDir, 'cells', `${kept.key}.json`), 'utf8'))).toEqual(kept);
  });
});
