import { setFlagsFromString } from 'node:v8';
import { allocateGradient, createAggregator, type AggregationResult } from '../../aggregators/index.js';
import { atLeast, parseInteger, parseSwitch, type Setting, SettingsSchema, settingsOf, text } from '../../runtime/settings.js';
import { parsePairs, parseSpecs, type Spec } from '../../runtime/spec.js';
import { runWithSettings, type Command } from '../command.js';
import { exitCodes } from '../failure.js';
import { writeOutputFile } from '../files.js';
import { encodeNpy } from '../../runtime/npy.js';
import { writeStdout } from '../output.js';
import { prettyJson, shortestFloat32 } from '../pretty-json.js';
import { attackedExample, cosine } from './example.js';
import { type GradientInput, readGradients } from './input.js';
import { formatRuleCatalogue } from './rule-help.js';

/** What one aggregation takes: the rule (with its pre-aggregators) and where the gradients come from and go. */
interface AggregateSettings {
  readonly rule: string;
  readonly f: number;
  readonly param: Readonly<Record<string, string>>;
  readonly pre: readonly Spec[];
  readonly input: string;
  readonly output: string;
  readonly example: boolean;
}

const setting = settingsOf<AggregateSettings>();

const schema = new SettingsSchema<AggregateSettings>(
  [
    setting({ key: 'rule', description: 'aggregation rule (see the list below)', default: '', parse: text, required: true }),
    setting({ key: 'f', description: 'Byzantine bound: how many inputs may be arbitrary', default: 0, parse: parseInteger, check: atLeast(0) }),
    setting({ key: 'param', description: 'a rule parameter KEY=VALUE', default: {}, shownDefault: 'none', parse: (value) => parsePairs(value, '--param'), joinRepeatsWith: ',' }),
    setting({ key: 'pre', description: 'pre-aggregators before the rule, in order: NAME[:KEY=VALUE,...]', default: [], shownDefault: 'none', parse: (value) => parseSpecs(value, '--pre'), joinRepeatsWith: ',' }),
    setting({ key: 'input', description: 'read FILE (.json or .npy) instead of stdin', default: '', shownDefault: 'stdin', parse: text }),
    setting({ key: 'output', description: 'write the aggregate to FILE.npy instead of into the JSON', default: '', shownDefault: 'none', parse: text, check: (value) => (value === '' || value.toLowerCase().endsWith('.npy') ? undefined : `writes .npy; name the file *.npy, got ${JSON.stringify(value)}`) }),
    setting({ key: 'example', description: 'aggregate the built-in attacked example (below) instead of reading input', default: false, parse: parseSwitch, switch: true }),
  ] as readonly Setting<AggregateSettings, keyof AggregateSettings>[],
  'aggregate',
  (settings) => (settings.example && settings.input !== '' ? ['--example and --input cannot be used together'] : []),
);

/**
 * From this many input values on, the kernels are compiled straight to optimized code. This process
 * calls each kernel once; V8 compiles a WebAssembly function for its first calls with its baseline
 * compiler and cannot switch a running call to optimized code, so a median of 15 × 10⁶ floats ran
 * 2–3× slower than in a server. Small inputs keep the quicker baseline compile.
 */
const optimizeFromFirstCall = 1_000_000;

function help(): string {
  return `Usage: byzps aggregate --rule NAME [--f F] [--param KEY=VALUE ...] [--pre NAME[:KEY=VALUE,...] ...]
                       [--input FILE | --example] [--output FILE.npy]

Aggregates n gradients (one per worker) into one vector with a robust rule and prints the result
and the rule's per-worker diagnostics as JSON.

Every setting is a flag and an environment variable (flags win):
${schema.help()}

Input: JSON {"gradients": [[g_11, …, g_1d], …, [g_n1, …, g_nd]]} on stdin or in --input FILE,
aggregated in float64; or a 2-D .npy (n × d, float32 or float64, C order, any byte order),
aggregated in its own precision. A file is read as .npy when its name ends in .npy or it starts
with the .npy magic bytes.

Output (stdout): {"output": [d numbers], "diagnostics": {"perWorker": {...}, "summary": {...}}}.
With --output FILE.npy the aggregate goes to FILE.npy (1-D, the input's dtype) and stdout gets
{"outputFile": "FILE.npy", "dtype": "float32" | "float64", "shape": [d], "diagnostics": {...}}.

--example: 15 workers, d = 8; workers 0–11 are honest (a common direction plus Gaussian noise,
σ = 0.3, fixed seed), workers 12–14 send −8× an honest-looking gradient (sign flip). The JSON then
also holds "example": {"byzantine": [...], "attack": ..., "cosineToHonestMean": ...}, the cosine
between the aggregate and the mean of the honest gradients (1 is perfect; the plain mean gets < 0).
Try: byzps aggregate --rule flag --f 3 --example

${formatRuleCatalogue()}
`;
}

/** `byzps aggregate`: one aggregation of gradients given as JSON or .npy, for trying rules and checking results. */
export const aggregateCommand: Command = {
  run: (argv) => runWithSettings(schema, argv, help, async (settings) => {
    const aggregator = createAggregator({ name: settings.rule, f: settings.f, params: settings.param, pre: settings.pre });

    const example = settings.example ? attackedExample() : undefined;
    const input: GradientInput = example === undefined ? await readGradients(settings.input === '' ? undefined : settings.input) : { dtype: 'float64', rows: example.rows };
    // A float32 output in the gradient memory, next to rows read into it, lets the SIMD kernels write in place.
    const d = input.rows[0]?.length ?? 0;
    const output = input.dtype === 'float32' && d > 0 ? allocateGradient(d) : undefined;
    if (input.rows.length * d >= optimizeFromFirstCall) setFlagsFromString('--no-liftoff');
    const result: AggregationResult = aggregator.aggregate(input.rows, { output });
    const exampleReport = example && {
      byzantine: example.byzantine,
      attack: example.attack,
      cosineToHonestMean: cosine(result.output, example.honestMean),
    };

    if (settings.output === '') {
      const output = input.dtype === 'float32' ? Array.from(result.output, shortestFloat32) : Array.from(result.output);
      await writeStdout(`${prettyJson({ output, example: exampleReport, diagnostics: result.diagnostics })}\n`);
      return exitCodes.ok;
    }
    await writeOutputFile(settings.output, encodeNpy(result.output));
    const report = { outputFile: settings.output, dtype: input.dtype, shape: [result.output.length], example: exampleReport, diagnostics: result.diagnostics };
    await writeStdout(`${prettyJson(report)}\n`);
    return exitCodes.ok;
  }),
};
