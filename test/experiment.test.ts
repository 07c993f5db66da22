import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SaxesParser } from 'saxes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultsCsv } from '../cli/experiment/csv.js';
import { runCell } from '../cli/experiment/run-cell.js';
import { expectOneLineFailure, runCli } from './cli-process.js';
import { runCliAsync } from './cli-spawn.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** A small grid: synthetic task, 2 rules × 2 attacks × 1 seed, 5 workers of which 1 Byzantine. */
function gridArgs(outDir: string): string[] {
  return ['experiment', '--task', 'synthetic', '--dimension', '100', '--rules', 'mean,median', '--attacks', 'none,sign-flip:k=10', '--f', '1', '--n', '5', '--seeds', '1', '--rounds', '10', '--eval-every-rounds', '5', '--parallel', '2', '--out', outDir];
}

/** Rows of a CSV without quoted fields (the labels of this grid have none), keyed by the header. */
function csvRecords(text: string): Record<string, string>[] {
  const [header = '', ...rows] = text.trimEnd().split('\r\n');
  const names = header.split(',');
  return rows.map((row) => {
    const fields = row.split(',');
    expect(fields).toHaveLength(names.length);
    return Object.fromEntries(names.map((name, i) => [name, fields[i]!]));
  });
}

/** The root element's name, read by a strict XML parser that throws on anything not well-formed. */
function rootElement(xml: string): string | undefined {
  const parser = new SaxesParser();
  let root: string | undefined;
  parser.on('error', (error) => {
    throw error;
  });
  parser.on('opentag', (tag) => {
    root ??= tag.name;
  });
  parser.write(xml).close();
  return root;
}

/** Width and height from a PNG's IHDR chunk, which must come first after the signature. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  expect([...bytes.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
  expect(bytes.toString('latin1', 12, 16)).toBe('IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** Each saved cell's file name and modification time. */
async function cellFileTimes(outDir: string): Promise<Map<string, number>> {
  const directory = join(outDir, 'cells');
  const names = await readdir(directory);
  return new Map(await Promise.all(names.map(async (name): Promise<[string, number]> => [name, (await stat(join(directory, name))).mtimeMs])));
}

describe('byzps experiment', () => {
  let outDir: string;
  let first: Awaited<ReturnType<typeof runCliAsync>>;

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'byzps-experiment-'));
    first = await runCliAsync(gridArgs(outDir));
  }, 180_000);

  afterAll(async () => {
    await rm(outDir, { recursive: true, force: true });
  });

  it('trains every cell and writes one CSV row per cell, where the median holds under sign-flip and the mean does not', async () => {
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('4 cells, 0 already finished (skipped), 4 to run, 2 at a time');
    const rows = csvRecords(await readFile(join(outDir, 'results.csv'), 'utf8'));
    expect(rows.map((row) => [row.rule, row.attack]).sort()).toEqual([
      ['mean', 'none'],
      ['mean', 'sign-flip:k=10'],
      ['median', 'none'],
      ['median', 'sign-flip:k=10'],
    ]);
    for (const row of rows) {
      expect(row).toMatchObject({ task: 'synthetic', f: '1', seed: '1', n: '5', rounds: '10', final_accuracy: '', rejected_pushes: '0' });
      expect(Number(row.rounds_per_second)).toBeGreaterThan(0);
    }
    const loss = (rule: string, attack: string) => Number(rows.find((row) => row.rule === rule && row.attack === attack)!.final_loss);
    // Four honest gradients against one of −10g: the mean climbs, the median follows the honest majority.
    expect(loss('mean', 'sign-flip:k=10')).toBeGreaterThan(10 * loss('mean', 'none'));
    expect(loss('median', 'sign-flip:k=10')).toBeLessThan(2 * loss('median', 'none'));
    const json = JSON.parse(await readFile(join(outDir, 'results.json'), 'utf8')) as { cells: { curve: { round: number }[] }[] };
    expect(json.cells).toHaveLength(4);
    for (const cell of json.cells) expect(cell.curve.map((point) => point.round)).toEqual([0, 5, 10]);
  });

  it('draws a loss plot per attack and a heatmap, each as well-formed SVG and as a PNG of real size', async () => {
    const files = await readdir(outDir);
    const stems = ['loss-none-f1', 'loss-sign-flip_k_10-f1', 'heatmap-f1'];
    for (const stem of stems) {
      expect(files).toContain(`${stem}.svg`);
      expect(files).toContain(`${stem}.png`);
      const svg = await readFile(join(outDir, `${stem}.svg`), 'utf8');
      expect(rootElement(svg)).toBe('svg');
      const png = await readFile(join(outDir, `${stem}.png`));
      const { width, height } = pngSize(png);
      expect(width).toBeGreaterThan(400);
      expect(height).toBeGreaterThan(150);
      expect(png.length).toBeGreaterThan(10_000);
    }
    const curveSvg = await readFile(join(outDir, 'loss-sign-flip_k_10-f1.svg'), 'utf8');
    expect(curveSvg).toContain('sign-flip:k=10');
    expect(curveSvg).toContain('median');
  });

  it('skips every finished cell when the same command runs again, and says so', async () => {
    const csvBefore = await readFile(join(outDir, 'results.csv'), 'utf8');
    const cellsBefore = await cellFileTimes(outDir);
    expect(cellsBefore.size).toBe(4);
    const again = await runCliAsync(gridArgs(outDir));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`all 4 cells already finished in ${outDir}; nothing to run`);
    expect(again.stderr).not.toContain('started');
    // No cell was trained or saved again: each cell file is the one the first run wrote.
    expect(await cellFileTimes(outDir)).toEqual(cellsBefore);
    expect(await readFile(join(outDir, 'results.csv'), 'utf8')).toBe(csvBefore);
  }, 120_000);

  it('checks every rule against n and f before training anything, and says what is wrong in one line', async () => {
    const emptyOut = join(outDir, 'refused');
    const run = runCli(['experiment', '--rules', 'median,bulyan', '--f', '1,4', '--n', '15', '--out', emptyOut]);
    expectOneLineFailure(run, 2, /^byzps experiment: --rules: bulyan with f=4 needs n ≥ 19, but --n is 15 \(see byzps experiment --help\)$/);
    await expect(readdir(emptyOut)).rejects.toThrow(/ENOENT/);
  });
});

describe('an experiment cell whose rounds stop closing', () => {
  it('ends after the stall bound with θ as it was, and says which pushes were refused', async () => {
    // Sign-flip ×1e30 under the mean: θ leaves float32's range after one round, the attacker's next
    // push is all infinities and refused, and with every round waiting for all n gradients none closes.
    const settings = { task: 'synthetic', n: 5, rounds: 200, evalEveryRounds: 0, learningRate: 0.5, momentum: 0, batchSize: 8, width: 100, rule: 'mean', ruleParams: {}, attack: 'sign-flip', attackParams: { k: '1e30' }, f: 1, seed: 1 };
    const started = Date.now();
    const result = await runCell(settings, () => undefined, 2_000);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(result.stalled?.afterRound).toBeLessThan(settings.rounds);
    expect(result.stalled?.refused.non_finite).toBeGreaterThan(0);
    expect(result.curve.at(-1)).toMatchObject({ round: result.stalled?.afterRound, loss: result.finalLoss });
    expect(result.finalLoss).toBeGreaterThan(1e20);
    expect(resultsCsv([result])).toMatch(new RegExp(`,${String(result.stalled?.afterRound)},`));
  }, 90_000);
});
