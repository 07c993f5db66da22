import { rename, writeFile } from 'node:fs/promises';

/** Writes a file so readers see the old content or the new, never a torn one: a temporary file beside it, then a rename. */
export async function writeFileAtomic(path: string, content: string | Uint8Array): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, content);
  await rename(temporary, path);
}
