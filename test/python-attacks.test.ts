import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../aggregators/index.js';
import { createAttack } from '../worker/attacks/registry.js';
import { pythonWith } from './python.js';

/*
 * The Python worker's attacks (worker/python/byzps_worker/attacks.py) compute what the TypeScript
 * attacks (worker/attacks/) compute: the same inputs give the same float32 values.
 */

const PACKAGE_DIR = fileURLToPath(new URL('../worker/python/', import.meta.url));
const interpreter = pythonWith(['numpy'], ['python3-numpy']);
if ('missing' in interpreter) throw new Error(`the Python attack check ${interpreter.missing}`);
const python = interpreter.python;

interface Case {
  readonly name: string;
  readonly params: Record<string, number>;
  readonly round: number;
}

/** Runs every case through the Python attacks; JSON carries each float32 exactly (as a float64). */
function pythonAttacks(own: Float32Array, estimates: readonly Float32Array[], cases: readonly Case[]): number[][] {
  const script = `
import json, sys
sys.path.insert(0, sys.argv[1])
import numpy as np
from byzps_worker.attacks import create_attack
request = json.load(sys.stdin)
own = np.array(request['own'], dtype=np.float32)
estimates = [np.array(row, dtype=np.float32) for row in request['estimates']]
out = []
for case in request['cases']:
    attack = create_attack(case['name'], case['params'])
    if attack.kind == 'data':
        out.append([float(v) for v in attack.label_map(10)])
    else:
        result = attack.apply(own, case['round'], estimates)
        assert result.dtype == np.float32 and result.shape == own.shape
        out.append([float(v) for v in result])
json.dump(out, sys.stdout)
`;
  const run = spawnSync(python, ['-c', script, PACKAGE_DIR], {
    input: JSON.stringify({ own: Array.from(own), estimates: estimates.map((row) => Array.from(row)), cases }),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as number[][];
}

function typescriptAttack(own: Float32Array, estimates: readonly Float32Array[], { name, params, round }: Case): number[] {
  const attack = createAttack({ name, params });
  if (attack.kind === 'data') return Array.from(attack.labelMap(10));
  return Array.from(attack.apply({ own, honestEstimates: estimates, round }));
}

describe('the Python attacks compute what the TypeScript attacks compute', () => {
  const d = 2000;
  const random = SeededRandom.fromSeed(77);
  const row = () => Float32Array.from({ length: d }, () => (random.next() - 0.5) * 2 ** Math.floor(random.next() * 20 - 10));
  const own = row();
  const estimates = [own, row(), row(), row(), row()];
  const cases: Case[] = [
    { name: 'sign-flip', params: {}, round: 0 },
    { name: 'sign-flip', params: { k: 4 }, round: 3 },
    { name: 'sign-flip', params: { k: 0.3 }, round: 3 },
    { name: 'scaled', params: {}, round: 0 },
    { name: 'scaled', params: { k: -2.5 }, round: 0 },
    { name: 'gaussian', params: {}, round: 0 },
    { name: 'gaussian', params: { sigma: 0.7, seed: 12 }, round: 41 },
    { name: 'uniform', params: {}, round: 5 },
    { name: 'uniform', params: { seed: 3 }, round: 2 ** 33 + 7 },
    { name: 'alie', params: { n: 8, f: 2 }, round: 0 },
    { name: 'alie', params: { n: 50, f: 24 }, round: 0 },
    { name: 'alie', params: { z: 1.5 }, round: 0 },
    { name: 'label-flip', params: {}, round: 0 },
  ];
  const python = pythonAttacks(own, estimates, cases);

  it.each(cases.map((c, i) => [`${c.name} ${JSON.stringify(c.params)} round ${c.round}`, c, i] as const))('%s', (_label, c, i) => {
    const expected = typescriptAttack(own, estimates, c);
    const actual = python[i]!;
    expect(actual).toHaveLength(expected.length);
    // Bit for bit, but for Box–Muller's log and cos: V8's and glibc's may differ in the last bit of a
    // float64, which rounding to float32 hides nearly always.
    const tolerance = c.name === 'gaussian' ? 1e-6 : 0;
    let differing = 0;
    expected.forEach((value, j) => {
      if (actual[j] !== value) {
        differing++;
        expect(Math.abs(actual[j]! - value), `coordinate ${j}: Python ${actual[j]}, TypeScript ${value}`).toBeLessThanOrEqual(tolerance * Math.abs(value));
      }
    });
    expect(differing, 'coordinates that differ at all').toBeLessThanOrEqual(c.name === 'gaussian' ? expected.length / 1000 : 0);
  });
});
