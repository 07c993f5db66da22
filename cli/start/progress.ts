import { metricValue, type Sample } from '../prometheus-text.js';

/** What the server's /metrics says about the run at one moment. */
export interface Progress {
  /** The round open for pushes. */
  readonly round: number;
  readonly workersJoined: number;
  /** The last evaluation, once there has been one. */
  readonly evaluation: { readonly round: number; readonly loss: number; readonly accuracy: number | undefined } | undefined;
  /** Refused pushes so far, by reason (only reasons that occurred). */
  readonly rejected: ReadonlyMap<string, number>;
  /** How much the rule trusted each worker in the last round, or undefined before the first round closes. */
  readonly influence: Influence | undefined;
}

/** One per-worker diagnostic of the rule, where a larger value means a larger say in the aggregate. */
export interface Influence {
  readonly quantity: string;
  readonly byWorker: ReadonlyMap<string, number>;
}

/** What to read from a run's metrics: whether its task classifies, and its rule's influence diagnostic (RuleDefinition.influence). */
export interface ProgressReading {
  readonly classifies: boolean;
  readonly influence: string;
}

/** A worker counts as down-weighted when its influence is below this share of the median worker's. */
const DOWN_WEIGHTED_SHARE = 0.5;

/** Reads the progress of a run from the server's metrics; accuracy only where the task classifies. */
export function readProgress(samples: readonly Sample[], { classifies, influence }: ProgressReading): Progress {
  const evalRound = metricValue(samples, 'byzps_eval_round');
  const rejected = new Map<string, number>();
  for (const sample of samples) {
    if (sample.name === 'byzps_gradients_rejected_total' && sample.value > 0) rejected.set(sample.labels.reason ?? 'unknown', sample.value);
  }
  return {
    round: metricValue(samples, 'byzps_round'),
    workersJoined: metricValue(samples, 'byzps_workers_joined'),
    evaluation: evalRound > 0 ? { round: evalRound, loss: metricValue(samples, 'byzps_eval_loss'), accuracy: classifies ? metricValue(samples, 'byzps_eval_accuracy') : undefined } : undefined,
    rejected,
    influence: readInfluence(samples, influence),
  };
}

function readInfluence(samples: readonly Sample[], quantity: string): Influence | undefined {
  const values = samples.filter((sample) => sample.name === 'byzps_worker_influence' && sample.labels.quantity === quantity);
  if (values.length === 0) return undefined;
  return { quantity, byWorker: new Map(values.map((sample) => [sample.labels.worker ?? '', sample.value])) };
}

/**
 * The workers the rule is currently discounting: influence below half the median worker's. When
 * the median is 0 (Krum selects one gradient of n), every worker left at 0 counts.
 */
export function downWeighted(influence: Influence): string[] {
  const values = [...influence.byWorker.values()].sort((a, b) => a - b);
  const median = (values[Math.floor((values.length - 1) / 2)]! + values[Math.floor(values.length / 2)]!) / 2;
  const largest = values.at(-1)!;
  const discounted = median > 0 ? (value: number) => value < DOWN_WEIGHTED_SHARE * median : (value: number) => largest > 0 && value <= 0;
  return [...influence.byWorker].filter(([, value]) => discounted(value)).map(([worker]) => worker);
}

/** Per-worker mean influence and how often each worker was down-weighted, over the samples seen. */
export class InfluenceHistory {
  private quantity: string | undefined;
  private readonly sums = new Map<string, { total: number; samples: number; downWeighted: number }>();

  add(influence: Influence | undefined): void {
    if (influence === undefined || influence.byWorker.size === 0) return;
    // A rule that changed (through the control service) reports another quantity; means of different quantities do not mix.
    if (this.quantity !== influence.quantity) {
      this.quantity = influence.quantity;
      this.sums.clear();
    }
    const discounted = new Set(downWeighted(influence));
    for (const [worker, value] of influence.byWorker) {
      const sum = this.sums.get(worker) ?? { total: 0, samples: 0, downWeighted: 0 };
      sum.total += value;
      sum.samples += 1;
      if (discounted.has(worker)) sum.downWeighted += 1;
      this.sums.set(worker, sum);
    }
  }

  /** The quantity averaged, and per worker its mean and the share of samples in which it was down-weighted. */
  summary(): { quantity: string; workers: Map<string, { mean: number; downWeightedShare: number }> } | undefined {
    if (this.quantity === undefined) return undefined;
    const workers = new Map([...this.sums].map(([worker, sum]) => [worker, { mean: sum.total / sum.samples, downWeightedShare: sum.downWeighted / sum.samples }]));
    return { quantity: this.quantity, workers };
  }
}

/** Rounds per second over a sliding window of recent (time, round) observations. */
export class RoundRate {
  private readonly points: { atMs: number; round: number }[] = [];

  constructor(private readonly windowMs: number) {}

  add(atMs: number, round: number): void {
    this.points.push({ atMs, round });
    while (this.points.length > 2 && atMs - this.points[0]!.atMs > this.windowMs) this.points.shift();
  }

  perSecond(): number {
    const first = this.points[0];
    const last = this.points.at(-1);
    if (first === undefined || last === undefined || last.atMs === first.atMs) return 0;
    return ((last.round - first.round) * 1000) / (last.atMs - first.atMs);
  }
}
