import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listPreAggregators, listRules } from '../../aggregators/index.js';
import { cliPath, type CliRun, expectOneLineFailure, runCli } from '../../test/cli-process.js';
import { runNumpy } from '../../test/numpy-runner.js';
import { encodeNpy } from '../../runtime/npy.js';
import { attackedExample, cosine } from './example.js';

interface Report {
  readonly output: number[];
  readonly example?: { readonly byzantine: number[]; readonly attack: string; readonly cosineToHonestMean: number };
  readonly diagnostics: { readonly perWorker: Record<string, number[]>; readonly summary: Record<string, number> };
}

function succeeds(run: CliRun): Report {
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as Report;
}

/** Failures of this command start with its name. */
function failsWith(run: CliRun, exitCode: number, message: RegExp): void {
  expectOneLineFailure(run, exitCode, new RegExp(`^byzps aggregate: .*${message.source}`));
}

const json = (gradients: unknown): string => JSON.stringify({ gradients });

describe('byzps aggregate with JSON', () => {
  it('averages three gradients with mean (1,2), (3,4), (5,12) → (3,6)', () => {
    const report = succeeds(runCli(['aggregate', '--rule', 'mean'], json([[1, 2], [3, 4], [5, 12]])));
    expect(report.output).toEqual([3, 6]);
    expect(report.diagnostics.perWorker.weight).toEqual([1 / 3, 1 / 3, 1 / 3]);
    expect(report.diagnostics.summary).toEqual({});
  });

  it('applies --pre before the rule: clip:tau=1 scales (3,4) to (0.6,0.8), and the mean with (0,0.5) is (0.3,0.65)', () => {
    const report = succeeds(runCli(['aggregate', '--rule', 'mean', '--pre', 'clip:tau=1'], json([[3, 4], [0, 0.5]])));
    expect(report.output[0]).toBeCloseTo(0.3, 12);
    expect(report.output[1]).toBeCloseTo(0.65, 12);
  });

  it('accepts --flag=value and reads --input FILE.json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'byzps-cli-'));
    try {
      writeFileSync(join(dir, 'in.json'), json([[2], [4]]));
      expect(succeeds(runCli(['aggregate', '--rule=mean', '--f=0', `--input=${join(dir, 'in.json')}`])).output).toEqual([3]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('byzps aggregate --example', () => {
  it('shows the mean pulled backwards by the sign-flipped workers, with the cosine it reports checked here', () => {
    const report = succeeds(runCli(['aggregate', '--rule', 'mean', '--example']));
    const { rows, honestMean } = attackedExample();
    const expected = Array.from({ length: 8 }, (_, j) => rows.reduce((sum, row) => sum + row[j]!, 0) / rows.length);
    report.output.forEach((value, j) => { expect(value).toBeCloseTo(expected[j]!, 12); });
    expect(report.example?.byzantine).toEqual([12, 13, 14]);
    expect(report.example?.cosineToHonestMean).toBeCloseTo(cosine(expected, honestMean), 12);
    expect(report.example?.cosineToHonestMean).toBeLessThan(0);
  });

  it('runs every registered rule that accepts 15 inputs with f = 3', () => {
    const rules = listRules().filter((rule) => rule.requirement.minInputs(3) <= 15);
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      const report = succeeds(runCli(['aggregate', '--rule', rule.name, '--f', '3', '--example']));
      expect(report.output, rule.name).toHaveLength(8);
      expect(report.output.every(Number.isFinite), rule.name).toBe(true);
      expect(Number.isFinite(report.example?.cosineToHonestMean), rule.name).toBe(true);
    }
  });

  it('documents itself, every registered rule, parameter and pre-aggregator in --help', () => {
    const run = runCli(['aggregate', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/--example/);
    expect(run.stdout).toMatch(/15 workers, d = 8/);
    for (const definition of [...listRules(), ...listPreAggregators()]) {
      expect(run.stdout).toContain(`  ${definition.name} — ${definition.summary}`);
      for (const [param, spec] of Object.entries(definition.params)) {
        const fallback = spec.default === undefined ? 'optional' : `default ${spec.default}`;
        expect(run.stdout).toMatch(new RegExp(`\\n {6}${param}: [^\\n]*${fallback} — `));
      }
    }
  });
});

describe('byzps aggregate with .npy', () => {
  let dir = '';
  let reference: { mean32: number[]; mean64: number[]; meanAbs32: number[] } = { mean32: [], mean64: [], meanAbs32: [] };
  /**
   * How far a float32 mean of n = 7 rows may be from the exact one, whatever order and width the
   * kernels accumulate in: the standard summation bound (n+2)·u·Σ|g_i|/n, u = 2⁻²⁴.
   */
  const float32Tolerance = (j: number): number => 9 * 2 ** -24 * reference.meanAbs32[j]!;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'byzps-cli-npy-'));
    const printed = runNumpy(
      `
d = sys.argv[1]
g = np.random.default_rng(3).normal(size=(7, 11))
np.save(f'{d}/g64.npy', g)
np.save(f'{d}/g32.npy', g.astype(np.float32))
np.save(f'{d}/big.npy', g.astype('>f8'))
np.save(f'{d}/cube.npy', np.zeros((2, 2, 2)))
np.save(f'{d}/flat.npy', np.zeros(4))
np.save(f'{d}/fortran.npy', np.asfortranarray(g))
np.save(f'{d}/ints.npy', np.arange(6).reshape(2, 3))
print(json.dumps({'mean64': g.mean(axis=0).tolist(),
                  'mean32': g.astype(np.float32).astype(np.float64).mean(axis=0).astype(np.float32).tolist(),
                  'meanAbs32': np.abs(g.astype(np.float32).astype(np.float64)).mean(axis=0).tolist()}))
`,
      [dir],
    );
    reference = JSON.parse(printed) as typeof reference;
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('aggregates a float64 file and matches numpy.mean', () => {
    const report = succeeds(runCli(['aggregate', '--rule', 'mean', '--input', join(dir, 'g64.npy')]));
    report.output.forEach((value, j) => { expect(value).toBeCloseTo(reference.mean64[j]!, 13); });
  });

  it('aggregates a big-endian file the same way', () => {
    const report = succeeds(runCli(['aggregate', '--rule', 'mean', '--input', join(dir, 'big.npy')]));
    report.output.forEach((value, j) => { expect(value).toBeCloseTo(reference.mean64[j]!, 13); });
  });

  it('aggregates a float32 file in float32 and prints each value as its shortest float32 decimal', () => {
    const report = succeeds(runCli(['aggregate', '--rule', 'mean', '--input', join(dir, 'g32.npy')]));
    report.output.forEach((value, j) => {
      expect(Math.abs(Math.fround(value) - reference.mean32[j]!)).toBeLessThanOrEqual(float32Tolerance(j));
      const significantDigits = value.toExponential().split('e')[0]!.replace(/[-.]/g, '').length;
      expect(significantDigits).toBeLessThanOrEqual(9);
    });
  });

  it('reads .npy from stdin by its magic bytes', () => {
    const bytes = runNumpy(`import io; b = io.BytesIO(); np.save(b, np.array([[1.0, 2.0], [3.0, 6.0]])); print(b.getvalue().hex())`);
    const report = succeeds(runCli(['aggregate', '--rule', 'mean'], Buffer.from(bytes.trim(), 'hex')));
    expect(report.output).toEqual([2, 4]);
  });

  it.each([
    ['g32', '<f4', 'float32'],
    ['g64', '<f8', 'float64'],
  ])('writes --output for %s as a 1-D .npy of the same dtype that numpy reads', (name, descr, dtype) => {
    const out = join(dir, `${name}-mean.npy`);
    const run = runCli(['aggregate', '--rule', 'mean', '--input', join(dir, `${name}.npy`), '--output', out]);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({ outputFile: out, dtype, shape: [11] });
    expect(Object.keys(report)).toEqual(['outputFile', 'dtype', 'shape', 'diagnostics']);
    const written = JSON.parse(runNumpy(`a = np.load(sys.argv[1]); print(json.dumps({'descr': a.dtype.str, 'shape': list(a.shape), 'values': a.tolist()}))`, [out])) as {
      descr: string;
      shape: number[];
      values: number[];
    };
    expect(written.descr).toBe(descr);
    expect(written.shape).toEqual([11]);
    const expected = name === 'g32' ? reference.mean32 : reference.mean64;
    const tolerance = (j: number): number => (name === 'g32' ? float32Tolerance(j) : 1e-14);
    written.values.forEach((value, j) => { expect(Math.abs(value - expected[j]!)).toBeLessThanOrEqual(tolerance(j)); });
  });

  it.each([
    ['cube.npy', /cube\.npy: expected a 2-D array \(workers × coordinates\), got shape \(2, 2, 2\)/],
    ['flat.npy', /flat\.npy: expected a 2-D array .* got shape \(4\)/],
    ['fortran.npy', /fortran\.npy: .*Fortran order/],
    ['ints.npy', /ints\.npy: .*dtype '<i8' is not supported/],
  ])('rejects %s with exit code 1', (file, message) => {
    failsWith(runCli(['aggregate', '--rule', 'mean', '--input', join(dir, file)]), 1, message);
  });
});

describe('byzps aggregate rejects bad input with one line and a non-zero exit code', () => {
  const mean = ['aggregate', '--rule', 'mean'];

  it.each([
    ['ragged rows', json([[1, 2], [3]]), /gradient of worker 1 has length 1, expected 2/],
    ['a string value', json([[1, '2']]), /stdin: gradients\[0\]\[1\] is "2", not a number/],
    ['a null (how NaN ends up in JSON)', json([[1], [null]]), /gradients\[1\]\[0\] is null, not a number/],
    ['a row that is not an array', json([[1], 2]), /gradients\[1\] is 2, not an array of numbers/],
    ['an overflowing number', '{"gradients": [[1e999]]}', /worker 0 has a non-finite value \(Infinity\) at coordinate 0/],
    ['no gradients', json([]), /no gradients to aggregate/],
    ['empty rows', json([[], []]), /gradients have length 0/],
    ['empty stdin', '', /stdin is empty/],
    ['JSON that is not an object', '[[1, 2]]', /expected a JSON object \{"gradients"/],
    ['broken JSON spanning lines', '{"gradients":\n[[1,\n2]\n', /stdin is not valid JSON/],
  ])('%s → exit 1', (_case, stdin, message) => {
    failsWith(runCli(mean, stdin), 1, message);
  });

  it('a missing file → exit 1', () => {
    failsWith(runCli([...mean, '--input', '/nonexistent/g.json']), 1, /cannot read \/nonexistent\/g\.json: no such file or directory$/);
  });

  it('too few rows for the rule → exit 1 with the rule precondition', () => {
    const strict = listRules().find((rule) => rule.requirement.minInputs(1) > 2);
    expect(strict, 'a registered rule that needs more than 2 inputs for f = 1').toBeDefined();
    const run = runCli(['aggregate', '--rule', strict!.name, '--f', '1'], json([[1], [2]]));
    failsWith(run, 1, new RegExp(`${strict!.name} needs ${strict!.requirement.text.replace(/[+]/g, '\\+')}: got n=2, f=1$`));
  });

  it.each([
    ['an unknown rule', ['--rule', 'nope'], /unknown rule "nope"; known: .*mean/],
    ['an unknown parameter', ['--rule', 'mean', '--param', 'zzz=1'], /mean has no parameter "zzz"/],
    ['an unknown flag', ['--rule', 'mean', '--bogus'], /unknown flag --bogus \(see byzps aggregate --help\)/],
    ['a mistyped flag', ['--rule', 'mean', '--exmple'], /unknown flag --exmple \(did you mean --example\?\)/],
    ['a missing --rule', [], /--rule is required/],
    ['a bad --f', ['--rule', 'mean', '--f', 'x'], /--f: invalid value \(expected a number, got "x"\)/],
    ['a negative --f', ['--rule', 'mean', '--f', '-1'], /--f must be ≥ 0, got -1/],
    ['a malformed --param', ['--rule', 'mean', '--param', 'r'], /--param: expected KEY=VALUE, got "r"/],
    ['--example with --input', ['--rule', 'mean', '--example', '--input', 'x.json'], /--example and --input cannot be used together/],
    ['--output that is not .npy', ['--rule', 'mean', '--example', '--output', 'x.json'], /--output writes \.npy; name the file \*\.npy/],
  ])('%s → exit 2 (usage)', (_case, args, message) => {
    failsWith(runCli(['aggregate', ...args], json([[1]])), 2, message);
  });

  it('a bad parameter value → exit 2, for a registered rule that has a bounded parameter', () => {
    const withBound = listRules().flatMap((rule) => Object.entries(rule.params).filter(([, spec]) => spec.min !== undefined).map(([param, spec]) => ({ rule: rule.name, param, min: spec.min! })));
    expect(withBound.length, 'a registered rule with a parameter that has a lower bound').toBeGreaterThan(0);
    const { rule, param, min } = withBound[0]!;
    failsWith(runCli(['aggregate', '--rule', rule, '--param', `${param}=${min - 1}`], json([[1]])), 2, new RegExp(`${rule} parameter ${param} must be`));
  });
});

describe('byzps aggregate output', () => {
  it('stops quietly with exit code 0 when the reader closes the pipe early, as `| head` does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'byzps-cli-pipe-'));
    try {
      const d = 200_000;
      writeFileSync(join(dir, 'wide.npy'), encodeNpy(Float64Array.from({ length: 3 * d }, (_, i) => i / 7), [3, d]));
      const child = spawn(process.execPath, [cliPath, 'aggregate', '--rule', 'mean', '--input', join(dir, 'wide.npy')]);
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdout.once('data', () => child.stdout.destroy());
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(stderr).toBe('');
      expect(code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
