import { createHash } from 'node:crypto';
import { formatSpec, type Spec } from '../../runtime/spec.js';

/** How every cell of a grid trains, whatever its rule, attack, f and seed. */
export interface TrainingSettings {
  readonly task: string;
  readonly n: number;
  readonly rounds: number;
  readonly evalEveryRounds: number;
  readonly learningRate: number;
  readonly momentum: number;
  readonly batchSize: number;
  /** fashion-mnist: hidden units of the MLP; synthetic: the dimension d. */
  readonly width: number;
  /** Pre-aggregators before every rule; absent when none, so cells without them keep their keys. */
  readonly pre?: readonly Spec[];
}

/** Everything that decides one training run of the grid; two cells are the same run exactly when these agree. */
export interface CellSettings extends TrainingSettings {
  readonly rule: string;
  readonly ruleParams: Readonly<Record<string, string>>;
  readonly attack: string;
  readonly attackParams: Readonly<Record<string, string>>;
  readonly f: number;
  readonly seed: number;
}

/** One evaluation of θ on the held-out data. */
export interface CurvePoint {
  readonly round: number;
  readonly loss: number;
  /** Absent for tasks without classes (synthetic). */
  readonly accuracy?: number;
}

/** How much of the aggregate the Byzantine and the honest workers each held, per worker, averaged over rounds. */
export interface InfluenceShares {
  /** The rule diagnostic the shares come from (weight, coefficient, keptShare, selected). */
  readonly quantity: string;
  /** Absent when the cell has no attack. */
  readonly byzantine?: number;
  readonly honest: number;
}

/** What one finished cell recorded. */
export interface CellResult {
  readonly key: string;
  readonly settings: CellSettings;
  readonly curve: readonly CurvePoint[];
  readonly finalLoss: number;
  readonly finalAccuracy?: number;
  readonly wallSeconds: number;
  readonly roundsPerSecond: number;
  readonly rejectedPushes: number;
  /**
   * Set when no round closed for a long time before `rounds` (run-cell.ts): the rounds done, and
   * the pushes refused by reason. θ at that point is what the final figures evaluate.
   */
  readonly stalled?: { readonly afterRound: number; readonly refused: Readonly<Record<string, number>> };
  /** Absent when no round reported the rule's influence diagnostic. */
  readonly influence?: InfluenceShares;
}

/** JSON with object keys sorted at every level, so equal settings always serialise alike. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonicalJson(inner)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A cell's identity: a hash of every setting, so changing any one of them makes a new cell. */
export function cellKey(settings: CellSettings): string {
  return createHash('sha256').update(canonicalJson(settings)).digest('hex').slice(0, 16);
}

/** `name` or `name:key=value:key=value`, the form the --rules and --attacks flags take. */
export function choiceLabel(name: string, params: Readonly<Record<string, string>>): string {
  return formatSpec({ name, params: Object.fromEntries(Object.entries(params).sort(([a], [b]) => (a < b ? -1 : 1))) });
}

/** The cell's rule with its parameters, as a label for tables and plots. */
export function ruleLabel(settings: CellSettings): string {
  const rule = choiceLabel(settings.rule, settings.ruleParams);
  return settings.pre === undefined ? rule : `${rule} after ${settings.pre.map((pre) => choiceLabel(pre.name, pre.params)).join(', ')}`;
}

/** The cell's attack with its parameters, as a label for tables and plots. */
export function attackLabel(settings: CellSettings): string {
  return choiceLabel(settings.attack, settings.attackParams);
}

/** A short human name of the cell for progress lines. */
export function cellName(settings: CellSettings): string {
  return `${ruleLabel(settings)} × ${attackLabel(settings)} f=${settings.f} seed=${settings.seed}`;
}
