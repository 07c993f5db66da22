import { listPreAggregators, listRules, type ParamSchema, type ParamSpec } from '../../aggregators/index.js';

/** The rules and pre-aggregators section of `byzps aggregate --help`, read from the registry so every registered rule appears. */
export function formatRuleCatalogue(): string {
  const rules = listRules().map((rule) => formatEntry(rule.name, `${rule.summary}; needs ${rule.requirement.text}`, rule.params));
  const pre = listPreAggregators().map((preAggregator) => formatEntry(preAggregator.name, preAggregator.summary, preAggregator.params));
  return `Rules (--rule NAME):\n${rules.join('\n')}\n\nPre-aggregators (--pre NAME[:key=value,...]):\n${pre.length > 0 ? pre.join('\n') : '  (none registered)'}`;
}

function formatEntry(name: string, summary: string, params: ParamSchema): string {
  const lines = [`  ${name} — ${summary}`];
  for (const [paramName, spec] of Object.entries(params)) lines.push(`      ${paramName}: ${describeParam(spec)}`);
  return lines.join('\n');
}

/** e.g. "integer ≥ 1, default 1 — IRLS iterations". */
export function describeParam(spec: ParamSpec): string {
  return `${describeRange(spec)}, ${spec.default === undefined ? 'optional' : `default ${spec.default}`} — ${spec.description}`;
}

function describeRange(spec: ParamSpec): string {
  const { kind, min, max } = spec;
  const open = spec.exclusiveMin === true;
  if (min !== undefined && max !== undefined) return `${kind} in ${open ? '(' : '['}${min}, ${max}]`;
  if (min !== undefined) return `${kind} ${open ? '>' : '≥'} ${min}`;
  if (max !== undefined) return `${kind} ≤ ${max}`;
  return kind;
}
