import { setFlagsFromString } from 'node:v8';
import { allocateGradient, createAggregator, type AggregationResult } from '../../aggregators/index.js';
import { runWithFlags, type Command } from '../command.js';
import { exitCodes, UsageError } from '../failure.js';
import { writeOutputFile } from '../files.js';
import { formatFlagHelp } from '../flags.js';
import { encodeNpy } from '../npy.js';
import { writeStdout } from '../output.js';
import { prettyJson, shortestFloat32 } from '../pretty-json.js';
import { attackedExample, cosine } from './example.js';
import { type GradientInput, readGradients } from './input.js';
import { ruleSpecFromFlags } from './rule-flags.js';
import { formatRuleCatalogue } from './rule-help.js';

const flags = {
  rule: { kind: 'string', valueName: 'NAME', description: 'aggregation rule (required; see the list below)' },
  f: { kind: 'string', valueName: 'F', description: 'Byzantine bound: how many inputs may be arbitrary (default 0)' },
  param: { kind: 'list', valueName: 'KEY=VALUE', description: 'a rule parameter' },
  pre: { kind: 'list', valueName: 'NAME[:KEY=VALUE,...]', description: 'a pre-aggregator applied before the rule, in the order given' },
  input: { kind: 'string', valueName: 'FILE', description: 'read FILE (.json or .npy) instead of stdin' },
  output: { kind: 'string', valueName: 'FILE.npy', description: 'write the aggregate to FILE.npy instead of into the JSON' },
  example: { kind: 'switch', description: 'aggregate the built-in attacked example (below) instead of reading input' },
} as const;

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

Flags:
${formatFlagHelp(flags)}

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
  run: (argv) => runWithFlags(flags, argv, help, async (values) => {
    if (values.example && values.input !== undefined) throw new UsageError('--example and --input cannot be used together');
    if (values.output?.toLowerCase().endsWith('.npy') === false) throw new UsageError(`--output writes .npy; name the file *.npy, got ${JSON.stringify(values.output)}`);
    const aggregator = createAggregator(ruleSpecFromFlags(values));

    const example = values.example ? attackedExample() : undefined;
    const input: GradientInput = example === undefined ? await readGradients(values.input) : { dtype: 'float64', rows: example.rows };
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

    if (values.output === undefined) {
      const output = input.dtype === 'float32' ? Array.from(result.output, shortestFloat32) : Array.from(result.output);
      await writeStdout(`${prettyJson({ output, example: exampleReport, diagnostics: result.diagnostics })}\n`);
      return exitCodes.ok;
    }
    await writeOutputFile(values.output, encodeNpy(result.output));
    const report = { outputFile: values.output, dtype: input.dtype, shape: [result.output.length], example: exampleReport, diagnostics: result.diagnostics };
    await writeStdout(`${prettyJson(report)}\n`);
    return exitCodes.ok;
  }),
};
