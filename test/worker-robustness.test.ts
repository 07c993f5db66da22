import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerConfig } from '../services/config.js';
import { FashionMnistTask } from '../tasks/fashion-mnist.js';
import { SyntheticTask } from '../tasks/synthetic.js';
import { type AttackSetting, WorkerCluster } from './worker-cluster.js';

const ATTACKS: Readonly<Record<string, AttackSetting>> = {
  // k = 10: at f/n = 0.2 a unit flip only slows the mean (to 0.6·g); ten times the gradient reverses it.
  'sign-flip': { name: 'sign-flip', params: { k: '10' } },
  gaussian: { name: 'gaussian' },
  uniform: { name: 'uniform' },
};
/** The colluding attacks with the parameters of their papers' settings for n = 10, f = 2. */
const COLLUDING: Readonly<Record<string, AttackSetting>> = {
  alie: { name: 'alie', params: { n: '10', f: '2' } },
  ipm: { name: 'ipm' },
};
/** A test trains up to 4 times; each run's own waits are bounded (test/worker-cluster.ts), this only backs them up on a busy machine. */
const RUNS_TIMEOUT_MS = 600_000;
const ROBUST_RULES = [{ rule: 'flag', ruleParams: { rescale: 'true' } }, { rule: 'median' }, { rule: 'trimmed-mean' }];

interface Suite {
  readonly title: string;
  readonly server: Partial<ServerConfig>;
  readonly workerArgs: readonly string[];
  readonly rounds: number;
  /** What is measured (higher is better), e.g. accuracy. */
  readonly measure: string;
  /** The measure at θ; a diverged θ must score as a failure, never as NaN. */
  score(theta: Float32Array): number;
  /** A robust rule under attack must score at least the honest run's score minus this. */
  readonly robustMargin: number;
  /** The plain mean under attack must score below this. */
  readonly meanFailsBelow: number;
  /** Whether to run the colluding attacks (ALIE, IPM) as well. */
  readonly colluding: boolean;
}

/** 8 honest and 2 Byzantine worker processes, f = 2; every rule and attack of the suite on fresh servers. */
function robustnessSuite(suite: Suite): void {
  describe(suite.title, () => {
    let cluster: WorkerCluster | undefined;
    let honest = 0;
    const figures: string[] = [];
    const run = async (rule: { rule: string; ruleParams?: Record<string, string> }, attackName?: string, attack?: AttackSetting) => {
      const started = Date.now();
      const score = suite.score(await cluster!.train({ ...rule, attack, rounds: suite.rounds }));
      figures.push(`${(attackName ?? 'all honest').padEnd(10)} ${rule.rule.padEnd(13)} ${score.toFixed(4)}   (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      return score;
    };

    beforeAll(async () => {
      cluster = await WorkerCluster.start({ ...suite.server, f: 2, roundDeadlineMs: 3000 }, suite.workerArgs, 8, 2);
      honest = await run({ rule: 'mean' });
    }, 120_000);

    afterAll(async () => {
      await cluster?.close();
      console.log(`${suite.title}: ${suite.measure} after ${suite.rounds} rounds\n  ${figures.join('\n  ')}`);
    });

    it.each(Object.keys(ATTACKS))('%s: flag, median and trimmed-mean stay close to the honest run while mean fails', async (attackName) => {
      const attack = ATTACKS[attackName]!;
      expect(await run({ rule: 'mean' }, attackName, attack)).toBeLessThan(suite.meanFailsBelow);
      for (const rule of ROBUST_RULES) expect(await run(rule, attackName, attack)).toBeGreaterThan(honest - suite.robustMargin);
    }, RUNS_TIMEOUT_MS);

    it.each(suite.colluding ? Object.keys(COLLUDING) : [])('%s against median and trimmed-mean: reported, not bounded', async (attackName) => {
      for (const rule of ['median', 'trimmed-mean']) expect(await run({ rule }, attackName, COLLUDING[attackName])).toBeGreaterThan(-Infinity);
    }, RUNS_TIMEOUT_MS);
  });
}

const SYNTHETIC_SEED = 5;
const synthetic = new SyntheticTask({ dimension: 1000, seed: SYNTHETIC_SEED });
const syntheticStartExcess = synthetic.evaluate(synthetic.initialParameters()).loss - synthetic.lossFloor();

robustnessSuite({
  title: 'synthetic, d = 1000, 10 worker processes of which 2 Byzantine',
  server: { task: 'synthetic', dimension: 1000, seed: SYNTHETIC_SEED, learningRate: 0.5 },
  workerArgs: ['--seed', String(SYNTHETIC_SEED), '--batch-size', '8'],
  rounds: 20,
  measure: 'progress 1 − (loss − floor)/(loss₀ − floor): 1 at the optimum, 0 at θ₀, negative when worse',
  score(theta) {
    const progress = 1 - (synthetic.evaluate(theta).loss - synthetic.lossFloor()) / syntheticStartExcess;
    return Number.isNaN(progress) ? -Infinity : progress;
  },
  robustMargin: 0.05,
  meanFailsBelow: 0,
  // With IID samples the honest gradients barely differ, so the colluders have no spread to hide in: run them on real data only.
  colluding: false,
});

const HIDDEN = 16;
const fashion = new FashionMnistTask({ seed: 7, hidden: HIDDEN });

robustnessSuite({
  title: `fashion-mnist, 784-${HIDDEN}-10 MLP, 10 worker processes of which 2 Byzantine`,
  server: { task: 'fashion-mnist', hidden: HIDDEN, seed: 7, learningRate: 0.2, momentum: 0.5 },
  workerArgs: ['--seed', '7', '--batch-size', '32'],
  rounds: 25,
  measure: 'test accuracy',
  score: (theta) => fashion.evaluate(theta).accuracy!,
  robustMargin: 0.1,
  meanFailsBelow: 0.3,
  colluding: true,
});
