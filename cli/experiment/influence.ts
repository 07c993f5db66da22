import type { Gauge } from 'prom-client';
import type { InfluenceShares } from './cell.js';

/** Per-worker diagnostics that say how much of the aggregate a worker holds, in order of preference. */
const INFLUENCE_QUANTITIES = ['weight', 'coefficient', 'keptShare', 'selected'] as const;

/** The name prefix of the cell's Byzantine workers. */
export const BYZANTINE_PREFIX = 'byzantine-';

interface LabelledValue {
  readonly value: number;
  readonly labels: Partial<Record<string, string | number>>;
}

/**
 * Averages, over rounds, each worker's share of its rule's influence diagnostic
 * (byzps_worker_influence): |value| over the sum of |value| across the round's workers, so a rule
 * that treats everyone alike gives each of n workers 1/n whatever the diagnostic's scale.
 */
export class InfluenceTally {
  private quantity: string | undefined;
  private readonly sums = { byzantine: 0, honest: 0 };
  private readonly counts = { byzantine: 0, honest: 0 };
  private pending: Promise<void> = Promise.resolve();

  /** Reads the gauge as the rule's last aggregation left it; call it right after a round closed. */
  add(gauge: Gauge<'worker' | 'quantity'>): void {
    // prom-client lists the gauge's values before its first await, so this is the round just closed.
    const read = gauge.get();
    this.pending = this.pending.then(async () => {
      this.addRound((await read).values);
    });
  }

  private addRound(values: readonly LabelledValue[]): void {
    this.quantity ??= INFLUENCE_QUANTITIES.find((quantity) => values.some((value) => value.labels.quantity === quantity));
    const rows = values.filter((value) => value.labels.quantity === this.quantity);
    const total = rows.reduce((sum, row) => sum + Math.abs(row.value), 0);
    if (rows.length === 0 || total === 0) return;
    for (const row of rows) {
      const group = String(row.labels.worker).startsWith(BYZANTINE_PREFIX) ? 'byzantine' : 'honest';
      this.sums[group] += Math.abs(row.value) / total;
      this.counts[group] += 1;
    }
  }

  /** The averaged shares, or nothing when the rule reports no influence diagnostic. */
  async shares(): Promise<{ influence?: InfluenceShares }> {
    await this.pending;
    if (this.quantity === undefined || this.counts.honest === 0) return {};
    const byzantine = this.counts.byzantine === 0 ? {} : { byzantine: this.sums.byzantine / this.counts.byzantine };
    return { influence: { quantity: this.quantity, honest: this.sums.honest / this.counts.honest, ...byzantine } };
  }
}
