import type { RuleSpec } from '../../aggregators/index.js';
import { parsePairs, parseSpec } from '../../runtime/spec.js';
import { UsageError } from '../failure.js';

/** The flags that together say which rule to build. */
export interface RuleFlags {
  readonly rule: string | undefined;
  readonly f: string | undefined;
  readonly param: readonly string[];
  readonly pre: readonly string[];
}

/**
 * Turns `--rule flag --f 3 --param r=4 --pre clip:tau=1,…` into a RuleSpec. Values stay strings:
 * the registry parses and range-checks them against each rule's schema.
 */
export function ruleSpecFromFlags(flags: RuleFlags): RuleSpec {
  if (flags.rule === undefined || flags.rule === '') throw new UsageError('--rule is required');
  return {
    name: flags.rule,
    f: parseByzantineBound(flags.f),
    params: parsePairs(flags.param.join(','), '--param'),
    pre: flags.pre.map((text) => parseSpec(text, '--pre')),
  };
}

function parseByzantineBound(text: string | undefined): number {
  if (text === undefined) return 0;
  if (!/^\d+$/.test(text)) throw new UsageError(`--f must be a non-negative integer, got ${JSON.stringify(text)}`);
  return Number(text);
}
