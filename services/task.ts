import { ConfigError } from './errors.js';

/**
 * What the server trains, as far as the server needs to know: its name, the dimension d of θ and
 * the initial θ. Worker-side tasks (data, loss, gradients) implement the same names.
 */
export interface Task {
  readonly name: string;
  readonly dimension: number;
  /** θ₀, the same for the same configuration on every run. */
  initialParameters(): Float32Array;
}

export interface TaskConfig {
  readonly task: string;
  readonly dimension: number;
  readonly seed: number;
}

/** A 32-bit seeded generator (mulberry32): small, fast and reproducible across platforms. */
function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** θ₀ uniform in [−1/√d, 1/√d), so ‖θ₀‖ stays near 1/√3 whatever d is. */
function syntheticTask(dimension: number, seed: number): Task {
  return {
    name: 'synthetic',
    dimension,
    initialParameters() {
      const next = seededUniform(seed);
      const scale = 1 / Math.sqrt(dimension);
      const theta = new Float32Array(dimension);
      for (let j = 0; j < dimension; j++) theta[j] = (2 * next() - 1) * scale;
      return theta;
    },
  };
}

const builders: Readonly<Record<string, (config: TaskConfig) => Task>> = {
  synthetic: (config) => syntheticTask(config.dimension, config.seed),
};

/** Builds the named task; an unknown name lists the known ones. */
export function createTask(config: TaskConfig): Task {
  const build = builders[config.task];
  if (build === undefined) {
    throw new ConfigError(`unknown task "${config.task}"; known: ${Object.keys(builders).join(', ')}`);
  }
  return build(config);
}
