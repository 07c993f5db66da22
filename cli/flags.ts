import { UsageError } from './failure.js';

/** One command-line flag: `--name value`, `--name=value`, or a bare `--name` switch. */
export interface FlagSpec {
  /** `string` takes one value, `list` may be repeated, `switch` takes none. */
  readonly kind: 'string' | 'list' | 'switch';
  /** Placeholder shown in help, e.g. `FILE`; only for flags that take a value. */
  readonly valueName?: string;
  readonly description: string;
}

/** A command's flags keyed by their kebab-case names (without the leading `--`). */
export type FlagSchema = Readonly<Record<string, FlagSpec>>;

/** Parsed values: a string flag is undefined when absent, a list is empty, a switch is false. */
export type FlagValues<S extends FlagSchema> = {
  readonly [K in keyof S]: S[K]['kind'] extends 'switch' ? boolean : S[K]['kind'] extends 'list' ? readonly string[] : string | undefined;
};

export interface ParsedFlags<S extends FlagSchema> {
  /** True when `--help` or `-h` was given; the other values are then not validated. */
  readonly help: boolean;
  readonly values: FlagValues<S>;
}

/**
 * Parses argv against a schema. Every command accepts `--help`/`-h`; anything else that is not
 * in the schema, and any positional argument, is a UsageError naming the offending word.
 */
export function parseFlags<S extends FlagSchema>(schema: S, argv: readonly string[]): ParsedFlags<S> {
  if (argv.some((arg) => arg === '--help' || arg === '-h')) return { help: true, values: emptyValues(schema) };
  const strings = new Map<string, string>();
  const lists = new Map<string, string[]>();
  const switches = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--') || arg === '--') throw new UsageError(`unexpected argument ${JSON.stringify(arg)}; flags look like --name value`);
    const equals = arg.indexOf('=');
    const name = arg.slice(2, equals === -1 ? undefined : equals);
    const spec = schema[name];
    if (spec === undefined) throw new UsageError(`unknown flag --${name}`);
    if (spec.kind === 'switch') {
      if (equals !== -1) throw new UsageError(`--${name} takes no value`);
      switches.add(name);
      continue;
    }
    let value: string;
    if (equals !== -1) {
      value = arg.slice(equals + 1);
    } else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`--${name} needs a value`);
      value = next;
      i++;
    }
    if (spec.kind === 'list') {
      lists.set(name, [...(lists.get(name) ?? []), value]);
    } else {
      if (strings.has(name)) throw new UsageError(`--${name} is given twice`);
      strings.set(name, value);
    }
  }
  const values = Object.fromEntries(
    Object.entries(schema).map(([name, spec]): [string, boolean | readonly string[] | string | undefined] => {
      if (spec.kind === 'switch') return [name, switches.has(name)];
      if (spec.kind === 'list') return [name, lists.get(name) ?? []];
      return [name, strings.get(name)];
    }),
  );
  return { help: false, values: values as FlagValues<S> };
}

function emptyValues<S extends FlagSchema>(schema: S): FlagValues<S> {
  return parseFlags(schema, []).values;
}

/** The flags section of a command's help: one aligned line per flag, `--help` last. */
export function formatFlagHelp(schema: FlagSchema): string {
  const rows = Object.entries(schema).map(([name, spec]) => {
    const value = spec.kind === 'switch' ? '' : ` ${spec.valueName ?? 'VALUE'}`;
    const repeat = spec.kind === 'list' ? ' (repeatable)' : '';
    return [`--${name}${value}`, `${spec.description}${repeat}`] as const;
  });
  rows.push(['--help, -h', 'show this help']);
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`).join('\n');
}
