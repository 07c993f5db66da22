import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import { cellKey, type CellResult } from './cell.js';

/** The folder of per-cell result files inside --out. */
const CELLS_DIR = 'cells';

/**
 * Finished cells, one JSON file each under `<out>/cells/`, named by the cell's key and written
 * atomically as each cell finishes, so an interrupted grid loses at most the cells in flight.
 */
export class ResultsStore {
  private readonly directory: string;

  constructor(outDir: string) {
    this.directory = join(outDir, CELLS_DIR);
  }

  /**
   * Every finished cell on disk, by key. A file whose content does not match its name (edited, or
   * written by an older layout) is left out, so its cell runs again.
   */
  async load(): Promise<Map<string, CellResult>> {
    await mkdir(this.directory, { recursive: true });
    const finished = new Map<string, CellResult>();
    for (const name of await readdir(this.directory)) {
      if (!name.endsWith('.json')) continue;
      try {
        const result = JSON.parse(await readFile(join(this.directory, name), 'utf8')) as CellResult;
        if (`${cellKey(result.settings)}.json` === name && result.key === cellKey(result.settings)) finished.set(result.key, result);
      } catch {
        // Unreadable: the cell simply counts as not finished.
      }
    }
    return finished;
  }

  /** Whether a cell is finished on disk, perhaps by another run on the same folder since this one loaded. */
  async has(key: string): Promise<boolean> {
    try {
      const result = JSON.parse(await readFile(join(this.directory, `${key}.json`), 'utf8')) as CellResult;
      return cellKey(result.settings) === key;
    } catch {
      return false;
    }
  }

  async save(result: CellResult): Promise<void> {
    await mkdir(this.directory, { recursive: true });
    await writeFileAtomic(join(this.directory, `${result.key}.json`), `${JSON.stringify(result)}\n`);
  }
}
