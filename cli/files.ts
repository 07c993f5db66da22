import { readFile, writeFile } from 'node:fs/promises';
import { InputError } from './failure.js';

/** Reads a whole file; a missing or unreadable file becomes an InputError naming the path and the reason. */
export async function readInputFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new InputError(`cannot read ${path}: ${reasonOf(error)}`);
  }
}

/** Writes a whole file, replacing it; failures become an InputError naming the path and the reason. */
export async function writeOutputFile(path: string, bytes: Uint8Array): Promise<void> {
  try {
    await writeFile(path, bytes);
  } catch (error) {
    throw new InputError(`cannot write ${path}: ${reasonOf(error)}`);
  }
}

/** Reads stdin to its end. */
export async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const reasons: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a parent is not a directory',
};

/** Node's fs messages repeat the syscall and path ("ENOENT: no such file or directory, open 'x'"); keep only the reason. */
function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined && code in reasons) return reasons[code]!;
  return error instanceof Error ? error.message : String(error);
}
