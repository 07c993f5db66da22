import { spawnSync } from 'node:child_process';

/** Interpreters to try, in order: the one on PATH, then Debian's, which `apt-get install python3-…` equips. */
const CANDIDATES = ['python3', '/usr/bin/python3'];

/**
 * A Python interpreter that can import every module of `modules`, or a one-line explanation of
 * what to install when there is none.
 */
export function pythonWith(modules: readonly string[], debianPackages: readonly string[]): { readonly python: string } | { readonly missing: string } {
  for (const python of CANDIDATES) {
    const probe = spawnSync(python, ['-c', modules.map((module) => `import ${module}`).join('; ')], { encoding: 'utf8' });
    if (probe.status === 0) return { python };
  }
  return { missing: `no python3 here imports ${modules.join(', ')}: apt-get install ${debianPackages.join(' ')}` };
}
