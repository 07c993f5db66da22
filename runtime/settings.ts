import { ConfigError } from './errors.js';
import { didYouMean } from './suggest.js';

/**
 * The configuration machinery every byzps process shares: a process lists its settings once, and
 * each setting's kebab-case name is both its flag (`--round-deadline-ms`) and, upper-cased with a
 * `BYZPS_` prefix, its environment variable (`BYZPS_ROUND_DEADLINE_MS`); flags win over the
 * environment, which wins over defaults.
 */
export interface Setting<C, K extends keyof C> {
  readonly key: K;
  readonly description: string;
  readonly default: C[K];
  /** Turns the text of a flag or env var into a value; throws a message on bad text. */
  readonly parse: (text: string) => C[K];
  /** Returns a message when the value is out of range. */
  readonly check?: (value: C[K]) => string | undefined;
  /** Secrets are never printed, not even in error messages. */
  readonly secret?: boolean;
  /** An environment variable name other than BYZPS_<NAME>, for conventions shared with other tools. */
  readonly env?: string;
  /** How `--help` shows the default when JSON of the value would not read well. */
  readonly shownDefault?: string;
  /** Makes the flag repeatable: the texts of its occurrences are joined with this separator before parsing. */
  readonly joinRepeatsWith?: string;
  /** A switch: the bare flag means "true" (its value, if given as --name=VALUE, and the env var are parsed as usual). */
  readonly switch?: boolean;
  /** An empty value is a problem: the command cannot run without it. */
  readonly required?: boolean;
}

type AnySetting<C> = Setting<C, keyof C>;

/**
 * Settings of a configuration, for a configuration that extends it (`byzps inject` takes the
 * control connection's settings and its own). Sound because a setting reads and writes only its own key.
 */
export function inheritSettings<Base, C extends Base>(settings: readonly Setting<Base, keyof Base>[]): readonly Setting<C, keyof Base & keyof C>[] {
  return settings as unknown as readonly Setting<C, keyof Base & keyof C>[];
}

/** The typed `setting(…)` helper of one configuration type, so each setting's parse and default agree with its key. */
export function settingsOf<C>(): <K extends keyof C>(definition: Setting<C, K>) => Setting<C, K> {
  return (definition) => definition;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function parseNumber(text: string): number {
  const value = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(value)) throw new Error(`expected a number, got ${JSON.stringify(text)}`);
  return value;
}

export function parseInteger(text: string): number {
  const value = parseNumber(text);
  if (!Number.isInteger(value)) throw new Error(`expected an integer, got ${JSON.stringify(text)}`);
  return value;
}

export const text = (value: string) => value;

/** A switch's text: true, 1, yes or on; false, 0, no or off. */
export function parseSwitch(value: string): boolean {
  const lowered = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(lowered)) return true;
  if (['false', '0', 'no', 'off'].includes(lowered)) return false;
  throw new Error(`expected true or false, got ${JSON.stringify(value)}`);
}
export const atLeast = (min: number) => (value: number) => (value < min ? `must be ≥ ${min}, got ${value}` : undefined);
export const between = (min: number, max: number) => (value: number) =>
  value < min || value > max ? `must be between ${min} and ${max}, got ${value}` : undefined;
export const port = between(0, 65535);
export const logLevel = (value: string) => (LOG_LEVELS.includes(value) ? undefined : `must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(value)}`);

/** `roundDeadlineMs` → `round-deadline-ms`. */
function settingName(key: PropertyKey): string {
  return String(key).replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/** `roundDeadlineMs` → `BYZPS_ROUND_DEADLINE_MS` (or the setting's own env name). */
function settingEnv<C>(definition: AnySetting<C>): string {
  return definition.env ?? `BYZPS_${settingName(definition.key).replace(/-/g, '_').toUpperCase()}`;
}

/** One process's settings, with the help text, loading from flags and environment, and validation they share. */
export class SettingsSchema<C extends object> {
  /**
   * @param what names the configuration in error messages ("server", "worker").
   * @param crossChecks finds problems that involve more than one setting.
   */
  constructor(
    private readonly settings: readonly AnySetting<C>[],
    private readonly what: string,
    private readonly crossChecks: (config: C) => string[] = () => [],
  ) {}

  /** One line per setting: flag, env var, default and description, for `--help`. */
  help(): string {
    return this.settings
      .map((definition) => {
        const shown = definition.secret === true ? 'none, never printed' : definition.required === true ? 'none, required' : `default ${definition.shownDefault ?? JSON.stringify(definition.default)}`;
        const repeat = definition.joinRepeatsWith === undefined ? '' : ' (repeatable)';
        return `  --${settingName(definition.key)} (${settingEnv(definition)}, ${shown})  ${definition.description}${repeat}`;
      })
      .join('\n');
  }

  /**
   * Builds a configuration from command-line flags (`--name value` or `--name=value`) and environment
   * variables. Every problem is collected and reported in one ConfigError.
   */
  load(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): C {
    const raw = new Map<AnySetting<C>, string>();
    const fromFlags = new Set<AnySetting<C>>();
    const problems: string[] = [];
    for (const definition of this.settings) {
      const value = env[settingEnv(definition)];
      if (value !== undefined) raw.set(definition, value);
    }
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i]!;
      const match = /^--([a-z0-9-]+)(?:=(.*))?$/s.exec(arg);
      const next = argv[i + 1];
      const nextIsValue = next !== undefined && !next.startsWith('--');
      if (match === null) {
        problems.push(`unexpected argument ${JSON.stringify(arg)}: settings are written --name value`);
        continue;
      }
      const name = match[1]!;
      const definition = this.settings.find((candidate) => settingName(candidate.key) === name);
      if (definition === undefined) {
        problems.push(`unknown flag --${name}${didYouMean(name, this.settings.map((candidate) => settingName(candidate.key)), '--')}`);
        // The unknown flag's value, if it has one, is no second problem.
        if (match[2] === undefined && nextIsValue) i++;
        continue;
      }
      const value = match[2] ?? (definition.switch === true ? 'true' : nextIsValue ? argv[++i] : undefined);
      if (value === undefined) {
        problems.push(`--${name} needs a value`);
        continue;
      }
      const earlier = raw.get(definition);
      const repeated = definition.joinRepeatsWith !== undefined && fromFlags.has(definition) && earlier !== undefined;
      raw.set(definition, repeated ? `${earlier}${definition.joinRepeatsWith}${value}` : value);
      fromFlags.add(definition);
    }
    const config: Record<PropertyKey, unknown> = { ...(this.defaults() as Record<PropertyKey, unknown>) };
    for (const [definition, value] of raw) {
      try {
        config[definition.key] = definition.parse(value);
      } catch (error) {
        const shown = definition.secret === true ? '' : ` (${(error as Error).message})`;
        problems.push(`--${settingName(definition.key)}: invalid value${shown}`);
      }
    }
    if (problems.length === 0) this.checkAll(config as C, problems);
    if (problems.length > 0) this.fail(problems);
    return config as C;
  }

  /** Defaults with typed overrides, validated like flags (for programs and tests). */
  make(overrides: Partial<C> = {}): C {
    const config = { ...this.defaults(), ...overrides };
    const problems: string[] = [];
    this.checkAll(config, problems);
    if (problems.length > 0) this.fail(problems);
    return config;
  }

  private defaults(): C {
    return Object.fromEntries(this.settings.map((definition) => [definition.key, definition.default])) as C;
  }

  private checkAll(config: C, problems: string[]): void {
    for (const definition of this.settings) {
      const value = config[definition.key];
      const problem = definition.required === true && value === '' ? 'is required' : definition.check?.(value);
      if (problem !== undefined) problems.push(`--${settingName(definition.key)} ${problem}`);
    }
    problems.push(...this.crossChecks(config));
  }

  /** One line, every problem in it: the CLI prints it as it is. */
  private fail(problems: readonly string[]): never {
    throw new ConfigError(`invalid ${this.what} configuration: ${problems.join('; ')}`);
  }
}
