import { cellKey, type CellResult, type CellSettings } from './cell.js';

/** A plausible cell for the experiment's unit tests: synthetic task, mean under sign-flip. */
export const sampleSettings: CellSettings = {
  task: 'synthetic',
  rule: 'mean',
  ruleParams: {},
  attack: 'sign-flip',
  attackParams: { k: '10' },
  f: 1,
  seed: 1,
  n: 5,
  rounds: 10,
  evalEveryRounds: 5,
  learningRate: 0.2,
  momentum: 0.5,
  batchSize: 8,
  width: 100,
};

/** A finished cell with the given settings changed and hand-picked figures. */
export function sampleResult(changes: Partial<CellSettings> = {}, figures: Partial<CellResult> = {}): CellResult {
  const settings = { ...sampleSettings, ...changes };
  return {
    key: cellKey(settings),
    settings,
    curve: [
      { round: 0, loss: 2.5, accuracy: 0.1 },
      { round: 5, loss: 1.25, accuracy: 0.5 },
      { round: 10, loss: 0.75, accuracy: 0.625 },
    ],
    finalLoss: 0.75,
    finalAccuracy: 0.625,
    wallSeconds: 12.345,
    roundsPerSecond: 3.5,
    rejectedPushes: 0,
    influence: { quantity: 'weight', byzantine: 0.2, honest: 0.2 },
    ...figures,
  };
}
