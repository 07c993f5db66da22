import { ParameterError } from './errors.js';

/** A named thing with text parameters: a rule, a pre-aggregator, an attack or a fault. */
export interface Spec {
  readonly name: string;
  readonly params: Readonly<Record<string, string>>;
}

/** Parses `key=value,key=value` (rule, attack or fault parameters; `what` names them in errors); keys are unique. */
export function parsePairs(text: string, what = 'parameters'): Record<string, string> {
  const pairs = new Map<string, string>();
  for (const item of text.split(',').map((part) => part.trim()).filter((part) => part !== '')) addPair(pairs, item, what);
  return Object.fromEntries(pairs);
}

/**
 * Parses a list of specs, `name`, `name:key=value,key=value`, separated by commas:
 * `mean,flag:r=4,lambda=0,median` is mean, flag with r and lambda, median. A part holding `=`
 * continues the parameters of the spec before it; any other part starts a new spec; blank text is
 * no spec. Names are lowercase. Every place that takes rules, pre-aggregators, attacks or faults
 * reads them with this one grammar.
 */
export function parseSpecs(text: string, what = 'a spec'): Spec[] {
  const specs: { name: string; params: Map<string, string> }[] = [];
  if (text.trim() === '') return [];
  for (const part of text.split(',').map((item) => item.trim())) {
    if (part === '') throw new ParameterError(`${what} has an empty entry in ${JSON.stringify(text)}`);
    const colon = part.indexOf(':');
    const current = specs.at(-1);
    if (colon === -1 && part.includes('=')) {
      if (current === undefined) throw new ParameterError(`${what} must start with a name, as in name:key=value; got ${JSON.stringify(text)}`);
      addPair(current.params, part, `${what} ${current.name}`);
      continue;
    }
    const name = (colon === -1 ? part : part.slice(0, colon)).trim();
    if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new ParameterError(`${what}: expected NAME[:KEY=VALUE,...], got ${JSON.stringify(part)}`);
    const spec = { name, params: new Map<string, string>() };
    if (colon !== -1) addPair(spec.params, part.slice(colon + 1).trim(), `${what} ${name}`);
    specs.push(spec);
  }
  // Built from a Map, so a parameter named like an Object property (__proto__) stays plain data.
  return specs.map(({ name, params }) => ({ name, params: Object.fromEntries(params) }));
}

/** Exactly one spec, `name` or `name:key=value,key=value`. */
export function parseSpec(text: string, what = 'a spec'): Spec {
  const specs = parseSpecs(text, what);
  if (specs.length !== 1) throw new ParameterError(`${what} takes one NAME[:KEY=VALUE,...], got ${specs.length} in ${JSON.stringify(text)}`);
  return specs[0]!;
}

/** `name:key=value,key=value` again, for messages and command lines. */
export function formatSpec(spec: Spec): string {
  const params = Object.entries(spec.params).map(([key, value]) => `${key}=${value}`);
  return params.length === 0 ? spec.name : `${spec.name}:${params.join(',')}`;
}

function addPair(pairs: Map<string, string>, item: string, what: string): void {
  const equals = item.indexOf('=');
  const key = item.slice(0, equals).trim();
  if (equals <= 0 || key === '' || equals === item.length - 1) throw new ParameterError(`${what}: expected KEY=VALUE, got ${JSON.stringify(item)}`);
  if (pairs.has(key)) throw new ParameterError(`${what} sets ${key} twice`);
  pairs.set(key, item.slice(equals + 1).trim());
}
