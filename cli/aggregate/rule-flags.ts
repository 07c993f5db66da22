import type { PreAggregatorSpec, RuleParams, RuleSpec } from '../../aggregators/index.js';
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
    params: parseAssignments(flags.param, '--param'),
    pre: flags.pre.map(parsePreAggregator),
  };
}

function parseByzantineBound(text: string | undefined): number {
  if (text === undefined) return 0;
  if (!/^\d+$/.test(text)) throw new UsageError(`--f must be a non-negative integer, got ${JSON.stringify(text)}`);
  return Number(text);
}

/** `name` or `name:key=value,key=value`. */
function parsePreAggregator(text: string): PreAggregatorSpec {
  const colon = text.indexOf(':');
  const name = colon === -1 ? text : text.slice(0, colon);
  if (name === '') throw new UsageError(`--pre needs a name, as in --pre clip:tau=1; got ${JSON.stringify(text)}`);
  if (colon === -1) return { name };
  return { name, params: parseAssignments(text.slice(colon + 1).split(','), `--pre ${name}`) };
}

function parseAssignments(assignments: readonly string[], flag: string): RuleParams {
  const params = new Map<string, string>();
  for (const assignment of assignments) {
    const equals = assignment.indexOf('=');
    const key = assignment.slice(0, equals);
    if (equals <= 0 || equals === assignment.length - 1) {
      throw new UsageError(`${flag} takes key=value, got ${JSON.stringify(assignment)}`);
    }
    if (params.has(key)) throw new UsageError(`${flag} sets ${key} twice`);
    params.set(key, assignment.slice(equals + 1));
  }
  return Object.fromEntries(params);
}
