import { describe, expect, it } from 'vitest';
import { ruleInfluence } from '../../aggregators/index.js';
import { parsePrometheusText } from '../prometheus-text.js';
import { downWeighted, InfluenceHistory, readProgress, RoundRate, type Influence } from './progress.js';

function influence(quantity: string, values: Record<string, number>): Influence {
  return { quantity, byWorker: new Map(Object.entries(values)) };
}

describe('downWeighted', () => {
  it('names the workers below half the median worker: FA coefficients 1.2, 1.0, 0.9, 0.3, −0.1 → the last two', () => {
    expect(downWeighted(influence('coefficient', { a: 1.2, b: 1.0, c: 0.9, d: 0.3, e: -0.1 }))).toEqual(['d', 'e']);
  });

  it('names every worker Krum left out when it selects one gradient of five (median 0)', () => {
    expect(downWeighted(influence('selected', { a: 0, b: 1, c: 0, d: 0, e: 0 }))).toEqual(['a', 'c', 'd', 'e']);
  });

  it('names nobody when the rule weighs everyone alike, or trusts nobody', () => {
    expect(downWeighted(influence('weight', { a: 0.25, b: 0.25, c: 0.25, d: 0.25 }))).toEqual([]);
    expect(downWeighted(influence('keptShare', { a: 0, b: 0, c: 0 }))).toEqual([]);
  });
});

describe('readProgress', () => {
  const text = [
    'byzps_round 12',
    'byzps_workers_joined 5',
    'byzps_eval_round 10',
    'byzps_eval_loss 0.5',
    'byzps_eval_accuracy 0.75',
    'byzps_gradients_rejected_total{reason="stale"} 3',
    'byzps_gradients_rejected_total{reason="duplicate"} 0',
    'byzps_worker_influence{worker="w1",quantity="reconstructionRatio"} 0.9',
    'byzps_worker_influence{worker="w1",quantity="coefficient"} 0.8',
    'byzps_worker_influence{worker="w2",quantity="coefficient"} 0.1',
  ].join('\n');

  const flag = { classifies: true, influence: ruleInfluence('flag') };

  it('reads the round, the last evaluation, the reasons pushes were refused for, and the rule’s own influence diagnostic', () => {
    const progress = readProgress(parsePrometheusText(text), flag);
    expect(progress.round).toBe(12);
    expect(progress.workersJoined).toBe(5);
    expect(progress.evaluation).toEqual({ round: 10, loss: 0.5, accuracy: 0.75 });
    expect([...progress.rejected]).toEqual([['stale', 3]]);
    expect(progress.influence?.quantity).toBe('coefficient');
    expect([...progress.influence!.byWorker]).toEqual([['w1', 0.8], ['w2', 0.1]]);
  });

  it('leaves accuracy out for a task that does not classify, and evaluation out before the first one', () => {
    expect(readProgress(parsePrometheusText(text), { ...flag, classifies: false }).evaluation?.accuracy).toBeUndefined();
    const before = readProgress(parsePrometheusText('byzps_round 3\nbyzps_eval_round NaN\nbyzps_eval_loss NaN'), flag);
    expect(before.evaluation).toBeUndefined();
    expect(before.influence).toBeUndefined();
    // Another rule's diagnostic is not this rule's influence.
    expect(readProgress(parsePrometheusText(text), { classifies: true, influence: ruleInfluence('median') }).influence).toBeUndefined();
  });
});

describe('InfluenceHistory', () => {
  it('averages each worker’s influence and counts the samples it was down-weighted in', () => {
    const history = new InfluenceHistory();
    history.add(influence('coefficient', { a: 1, b: 1, c: 0.2, d: 1 }));
    history.add(influence('coefficient', { a: 1, b: 0.3, c: 0.2, d: 1 }));
    const summary = history.summary()!;
    expect(summary.quantity).toBe('coefficient');
    expect(summary.workers.get('b')).toEqual({ mean: 0.65, downWeightedShare: 0.5 });
    expect(summary.workers.get('c')).toEqual({ mean: 0.2, downWeightedShare: 1 });
  });

  it('starts over when the rule, and with it the quantity, changes', () => {
    const history = new InfluenceHistory();
    history.add(influence('coefficient', { a: 1 }));
    history.add(influence('keptShare', { a: 0.5 }));
    expect(history.summary()).toEqual({ quantity: 'keptShare', workers: new Map([['a', { mean: 0.5, downWeightedShare: 0 }]]) });
  });
});

describe('RoundRate', () => {
  it('divides the rounds by the seconds across the window, dropping older observations', () => {
    const rate = new RoundRate(2000);
    rate.add(0, 0);
    rate.add(1000, 10);
    expect(rate.perSecond()).toBe(10);
    rate.add(4000, 40);
    rate.add(5000, 60);
    expect(rate.perSecond()).toBe(20);
  });
});
