import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectOneLineFailure, runCli } from '../test/cli-process.js';

describe('byzps', () => {
  it('lists its subcommands and exit codes with --help and -h', () => {
    for (const flag of ['--help', '-h']) {
      const run = runCli([flag]);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^Usage: byzps <command> \[flags\]$/m);
      expect(run.stdout).toMatch(/^ {2}aggregate +aggregate gradients/m);
      expect(run.stdout).toMatch(/^ {2}bench +time every rule/m);
      expect(run.stdout).toMatch(/Exit codes: 0 success, 1 .*, 2 usage error/);
    }
  });

  it.each([
    [[], /^byzps: no command given; commands: aggregate.* \(see byzps --help\)$/],
    [['agregate'], /^byzps: unknown command "agregate" \(did you mean aggregate\?\); commands: aggregate/],
    [['frobnicate'], /^byzps: unknown command "frobnicate"; commands: aggregate/],
  ])('rejects %j with one line and exit code 2', (args, message) => {
    expectOneLineFailure(runCli(args), 2, message);
  });

  it('prints its version, the one in package.json, with --version and -V', () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const run = runCli([flag]);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(`byzps ${manifest.version}\n`);
    }
  });

  it('hands bench its flags and passes its exit code through', () => {
    const help = runCli(['bench', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: byzps bench/);
    const bad = runCli(['bench', '--bogus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^byzps bench: .*--bogus/);
    expect(bad.stderr).not.toMatch(/\bat .*:\d+:\d+/);
  });
});
