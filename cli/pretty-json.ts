/**
 * JSON for people and for `jq` alike: objects are indented one key per line, while arrays of
 * numbers, strings or booleans stay on one line so a gradient or a per-worker score reads as a row.
 */
export function prettyJson(value: unknown, indent = ''): string {
  if (Array.isArray(value)) {
    const items: unknown[] = value;
    if (items.every((item) => item === null || typeof item !== 'object')) return `[${items.map((item) => JSON.stringify(item)).join(', ')}]`;
    const inner = `${indent}  `;
    return `[\n${items.map((item) => inner + prettyJson(item, inner)).join(',\n')}\n${indent}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, item]) => item !== undefined);
    if (entries.length === 0) return '{}';
    const inner = `${indent}  `;
    return `{\n${entries.map(([key, item]) => `${inner}${JSON.stringify(key)}: ${prettyJson(item, inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}

/**
 * The shortest decimal that reads back as the same float32, e.g. 0.1 rather than 0.10000000149011612,
 * so float32 results print as their author would write them.
 */
export function shortestFloat32(value: number): number {
  if (!Number.isFinite(value)) return value;
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return Number(value.toPrecision(9));
}
