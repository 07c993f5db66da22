import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import { attackLabel, ruleLabel, type CellResult } from './cell.js';
import { resultsCsv } from './csv.js';
import { renderFigures } from './plots.js';

/** Writes results.csv, results.json and every figure (SVG and PNG) into `outDir`; returns the file names written. */
export async function writeOutputs(outDir: string, results: readonly CellResult[]): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const files: [string, string | Uint8Array][] = [
    ['results.csv', resultsCsv(results)],
    ['results.json', `${JSON.stringify({ cells: results }, null, 2)}\n`],
  ];
  for (const figure of await renderFigures(results)) files.push([`${figure.name}.svg`, figure.svg], [`${figure.name}.png`, figure.png]);
  for (const [name, content] of files) await writeFileAtomic(join(outDir, name), content);
  return files.map(([name]) => name);
}

/** Mean of the defined values, or undefined when there are none. */
function mean(values: readonly (number | undefined)[]): number | undefined {
  const defined = values.filter((value): value is number => value !== undefined);
  return defined.length === 0 ? undefined : defined.reduce((sum, value) => sum + value, 0) / defined.length;
}

/** A Markdown table per f of final accuracy in % (loss on tasks without accuracy), rules × attacks, mean over seeds. */
export function summaryTable(results: readonly CellResult[]): string {
  const rules = [...new Set(results.map((result) => ruleLabel(result.settings)))];
  const attacks = [...new Set(results.map((result) => attackLabel(result.settings)))];
  const accuracy = results.every((result) => result.finalAccuracy !== undefined);
  const tables = [...new Set(results.map((result) => result.settings.f))].map((f) => {
    const cell = (rule: string, attack: string) => {
      const matching = results.filter((result) => result.settings.f === f && ruleLabel(result.settings) === rule && attackLabel(result.settings) === attack);
      const value = mean(matching.map((result) => (accuracy ? result.finalAccuracy : result.finalLoss)));
      if (value === undefined) return '';
      return accuracy ? (value * 100).toFixed(1) : value.toPrecision(3);
    };
    const title = `final ${accuracy ? 'test accuracy (%)' : 'held-out loss'}, f = ${f}`;
    const rows = rules.map((rule) => `| ${rule} | ${attacks.map((attack) => cell(rule, attack)).join(' | ')} |`);
    return [`${title}:`, '', `| rule | ${attacks.join(' | ')} |`, `|---|${attacks.map(() => '---:').join('|')}|`, ...rows].join('\n');
  });
  return `${tables.join('\n\n')}\n`;
}
