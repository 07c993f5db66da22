import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { parseInteger, parseSwitch, type Setting, SettingsSchema, text } from './settings.js';
import { parsePairs } from './spec.js';

interface Example {
  readonly count: number;
  readonly pairs: Readonly<Record<string, string>>;
  readonly steps: string;
  readonly verbose: boolean;
  readonly server: string;
  readonly token: string;
}

const settings: readonly Setting<Example, keyof Example>[] = [
  { key: 'count', description: 'a count', default: 1, parse: parseInteger, check: (value: number) => (value < 0 ? `must be ≥ 0, got ${value}` : undefined) } as Setting<Example, keyof Example>,
  { key: 'pairs', description: 'pairs', default: {}, parse: (value) => parsePairs(value), joinRepeatsWith: ',' },
  { key: 'steps', description: 'steps', default: '', parse: text, joinRepeatsWith: ';' },
  { key: 'verbose', description: 'say more', default: false, parse: parseSwitch, switch: true },
  { key: 'server', description: 'where to go', default: 'here', parse: text, required: true },
  { key: 'token', description: 'a secret', default: '', parse: text, secret: true },
];
const schema = new SettingsSchema<Example>(settings, 'example', (config) => (config.count === 7 ? ['count must not be 7'] : []));

describe('settings schema', () => {
  it('joins the occurrences of a repeatable flag, and flags replace the environment rather than add to it', () => {
    const config = schema.load(['--pairs', 'a=1', '--pairs=b=2', '--steps', 'x:1', '--steps', 'y'], { BYZPS_PAIRS: 'c=3', BYZPS_STEPS: 'z' });
    expect(config.pairs).toEqual({ a: '1', b: '2' });
    expect(config.steps).toBe('x:1;y');
  });

  it('takes a repeatable setting from the environment when no flag gives it', () => {
    expect(schema.load([], { BYZPS_PAIRS: 'c=3,d=4' }).pairs).toEqual({ c: '3', d: '4' });
  });

  it('names the configuration in its errors and runs the cross checks', () => {
    expect(() => schema.load(['--count', '-1'], {})).toThrow(/^invalid example configuration: --count must be ≥ 0, got -1$/);
    expect(() => schema.make({ count: 7 })).toThrow(ConfigError);
    expect(() => schema.make({ count: 7 })).toThrow(/count must not be 7/);
  });

  it('marks repeatable flags in help', () => {
    expect(schema.help()).toContain('--pairs (BYZPS_PAIRS, default {})  pairs (repeatable)');
    expect(schema.help()).toContain('--count (BYZPS_COUNT, default 1)  a count\n');
  });

  it('reports an unknown flag once, with the setting it was likely meant as, and every problem on one line', () => {
    expect(() => schema.load(['--cuont', '5', '--count', 'x'], {})).toThrow(/^invalid example configuration: unknown flag --cuont \(did you mean --count\?\); --count: invalid value \(expected a number, got "x"\)$/);
    expect(() => schema.load(['stray'], {})).toThrow(/unexpected argument "stray": settings are written --name value/);
  });

  it('takes a switch bare or with a value, refuses an empty required setting, and never shows a secret', () => {
    expect(schema.load(['--verbose'], {}).verbose).toBe(true);
    expect(schema.load(['--verbose=false'], { BYZPS_VERBOSE: 'true' }).verbose).toBe(false);
    expect(schema.load(['--verbose', '--count', '2'], {}).count).toBe(2);
    expect(() => schema.load(['--server', ''], {})).toThrow(/--server is required/);
    expect(() => schema.load(['--token'], {})).toThrow(/--token needs a value/);
    expect(schema.help()).toContain('--token (BYZPS_TOKEN, none, never printed)  a secret');
    expect(schema.help()).toContain('--server (BYZPS_SERVER, none, required)  where to go');
  });
});

