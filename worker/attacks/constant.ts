import { defineGradientAttack } from './attack.js';

/** Builds the attack that pushes `value` in every coordinate. */
function constantAttack(name: string, value: number, summary: string) {
  return defineGradientAttack({
    kind: 'gradient',
    name,
    summary,
    params: {},
    minEstimates: () => 0,
    apply: ({ own }) => new Float32Array(own.length).fill(value),
  });
}

/** Pushes 0: a worker that contributes nothing, which a mean silently dilutes by 1/n. */
export const zeroAttack = constantAttack('zero', 0, '0 in every coordinate: a free-riding worker (a fault model; no single source paper)');

/** Pushes NaN everywhere: a crashed numerical kernel; the server must reject it on ingest. */
export const nanAttack = constantAttack('nan', NaN, 'NaN in every coordinate: a corrupted gradient the server must reject (a fault model; no single source paper)');

/** Pushes +∞ everywhere: an overflowed gradient; the server must reject it on ingest. */
export const infAttack = constantAttack('inf', Infinity, '+∞ in every coordinate: an overflowed gradient the server must reject (a fault model; no single source paper)');
