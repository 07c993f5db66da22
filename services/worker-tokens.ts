import { readFile } from 'node:fs/promises';
import { ConfigError } from '../runtime/errors.js';
import { WORKER_NAME } from './worker-name.js';

/**
 * Parses a worker tokens file: one `<worker name> <token>` per line, blank lines and `#` comments
 * ignored. Each name and each token appears once, so a token names exactly one worker.
 */
export function parseWorkerTokens(text: string, path: string): Map<string, string> {
  const tokens = new Map<string, string>();
  const owners = new Map<string, string>();
  const problems: string[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${path}:${index + 1}`;
    const fields = line.split(/\s+/);
    const [name, token] = fields;
    if (fields.length !== 2 || name === undefined || token === undefined) {
      problems.push(`${where}: expected "<worker name> <token>"`);
    } else if (!WORKER_NAME.test(name)) {
      problems.push(`${where}: worker name ${JSON.stringify(name.slice(0, 80))} must be 1–64 characters of A–Z a–z 0–9 . _ : -`);
    } else if (tokens.has(name)) {
      problems.push(`${where}: worker ${name} is listed twice`);
    } else if (owners.has(token)) {
      problems.push(`${where}: worker ${name} has the same token as worker ${owners.get(token)!}`);
    } else {
      tokens.set(name, token);
      owners.set(token, name);
    }
  });
  if (problems.length === 0 && tokens.size === 0) problems.push(`${path}: lists no worker`);
  if (problems.length > 0) throw new ConfigError(`invalid --worker-tokens-file: ${problems.join('; ')}`);
  return tokens;
}

/** Reads and parses the worker tokens file; an empty path means there is none. */
export async function loadWorkerTokens(path: string): Promise<Map<string, string>> {
  if (path === '') return new Map();
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read --worker-tokens-file ${path}: ${(error as Error).message}`);
  }
  return parseWorkerTokens(text, path);
}
