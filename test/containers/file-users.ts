import { readdir, readFile, readlink } from 'node:fs/promises';

/** A process that has a file open. */
export interface FileUser {
  readonly pid: number;
  /** Its command line, shortened. */
  readonly command: string;
}

async function commandLine(pid: number): Promise<string> {
  const raw = await readFile(`/proc/${String(pid)}/cmdline`, 'utf8').catch(() => '');
  const command = raw.split('\0').filter((part) => part !== '').join(' ');
  return command.length > 120 ? `${command.slice(0, 117)}...` : command;
}

/** The processes that have `path` open, from /proc (those this user may not inspect are left out). */
export async function processesWithFileOpen(path: string): Promise<FileUser[]> {
  const users: FileUser[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const descriptors = await readdir(`/proc/${entry}/fd`).catch(() => []);
    const targets = await Promise.all(descriptors.map((fd) => readlink(`/proc/${entry}/fd/${fd}`).catch(() => '')));
    if (targets.includes(path)) users.push({ pid: Number(entry), command: await commandLine(Number(entry)) });
  }
  return users;
}

/** "pid 12 (dockerd), pid 34 (flock -o …)", or "none". */
export function describeUsers(users: readonly FileUser[]): string {
  return users.length === 0 ? 'none' : users.map((user) => `pid ${String(user.pid)} (${user.command})`).join(', ');
}
