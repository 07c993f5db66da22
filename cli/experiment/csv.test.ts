import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from './atomic-write.js';
import type { CellResult } from './cell.js';
import { resultsCsv } from './csv.js';
import { sampleResult } from './testing.js';

/** An RFC 4180 reader written for this test: quoted fields may hold commas, doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') {
        quoted = false;
      } else {
        field += char;
      }
    } else if (char === '"') {
      quoted = true;
    } else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else {
      field += char;
    }
  }
  if (field !== '' || row.length > 0) throw new Error('the CSV does not end with CRLF');
  return rows;
}

function records(text: string): Record<string, string>[] {
  const [header = [], ...rows] = parseCsv(text);
  return rows.map((row) => {
    expect(row).toHaveLength(header.length);
    return Object.fromEntries(header.map((name, i) => [name, row[i]!]));
  });
}

describe('resultsCsv', () => {
  it('writes one row per cell that reads back to its settings and figures', async () => {
    const results = [sampleResult(), sampleResult({ rule: 'median', seed: 2 }, { finalAccuracy: 0.5, rejectedPushes: 3 })];
    const dir = await mkdtemp(join(tmpdir(), 'byzps-csv-'));
    try {
      const path = join(dir, 'results.csv');
      await writeFileAtomic(path, resultsCsv(results));
      const rows = records(await readFile(path, 'utf8'));
      expect(rows).toHaveLength(2);
      expect(rows[0]).toMatchObject({ task: 'synthetic', rule: 'mean', attack: 'sign-flip:k=10', f: '1', seed: '1', n: '5', rounds: '10', final_accuracy: '0.625', final_loss: '0.75', wall_seconds: '12.35', rejected_pushes: '0', influence_quantity: 'weight', cell: results[0]!.key });
      expect(rows[1]).toMatchObject({ rule: 'median', seed: '2', final_accuracy: '0.5', rejected_pushes: '3', cell: results[1]!.key });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('quotes labels with commas and quotes, and leaves figures a cell lacks empty', () => {
    const full = sampleResult({ ruleParams: { note: 'a,"b"' } });
    const withoutAccuracy = Object.fromEntries(Object.entries(full).filter(([key]) => key !== 'finalAccuracy' && key !== 'influence')) as unknown as CellResult;
    const [row] = records(resultsCsv([withoutAccuracy]));
    expect(row).toMatchObject({ rule: 'mean:note=a,"b"', final_accuracy: '', influence_quantity: '', byzantine_influence: '' });
  });
});
