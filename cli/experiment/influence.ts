import type { InfluenceShares } from './cell.js';

/** The name prefix of the cell's Byzantine workers. */
export const BYZANTINE_PREFIX = 'byzantine-';

/** What one closed round says about each worker: who was aggregated, and the rule's per-worker diagnostics. */
export interface RoundInfluence {
  readonly workerNames: readonly string[];
  readonly diagnostics: { readonly perWorker: Readonly<Record<string, readonly number[]>> };
}

/**
 * Averages, over rounds, each worker's share of its rule's influence diagnostic
 * (RuleDefinition.influence): |value| over the sum of |value| across the round's workers, so a rule
 * that treats everyone alike gives each of n workers 1/n whatever the diagnostic's scale.
 */
export class InfluenceTally {
  private readonly sums = { byzantine: 0, honest: 0 };
  private readonly counts = { byzantine: 0, honest: 0 };

  constructor(private readonly quantity: string) {}

  /** Adds one closed round (the server's `roundClosed` event). */
  add(round: RoundInfluence): void {
    const values = round.diagnostics.perWorker[this.quantity];
    if (values === undefined) return;
    const total = values.reduce((sum, value) => sum + Math.abs(value), 0);
    if (total === 0) return;
    values.forEach((value, i) => {
      const group = round.workerNames[i]!.startsWith(BYZANTINE_PREFIX) ? 'byzantine' : 'honest';
      this.sums[group] += Math.abs(value) / total;
      this.counts[group] += 1;
    });
  }

  /** The averaged shares, or nothing when no round reported the diagnostic. */
  shares(): { influence?: InfluenceShares } {
    if (this.counts.honest === 0) return {};
    const byzantine = this.counts.byzantine === 0 ? {} : { byzantine: this.sums.byzantine / this.counts.byzantine };
    return { influence: { quantity: this.quantity, honest: this.sums.honest / this.counts.honest, ...byzantine } };
  }
}
