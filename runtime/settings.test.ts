import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { parseInteger, parsePairs, type Setting, SettingsSchema, text } from './settings.js';

interface Example {
  readonly count: number;
  readonly pairs: Readonly<Record<string, string>>;
  readonly steps: string;
}

const settings: readonly Setting<Example, keyof Example>[] = [
  { key: 'count', description: 'a count', default: 1, parse: parseInteger, check: (value: number) => (value < 0 ? `must be ≥ 0, got ${value}` : undefined) } as Setting<Example, keyof Example>,
  { key: 'pairs', description: 'pairs', default: {}, parse: parsePairs, joinRepeatsWith: ',' },
  { key: 'steps', description: 'steps', default: '', parse: text, joinRepeatsWith: ';' },
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
    expect(() => schema.load(['--count', '-1'], {})).toThrow(/invalid example configuration:\n {2}--count must be ≥ 0, got -1/);
    expect(() => schema.make({ count: 7 })).toThrow(ConfigError);
    expect(() => schema.make({ count: 7 })).toThrow(/count must not be 7/);
  });

  it('marks repeatable flags in help', () => {
    expect(schema.help()).toContain('--pairs (BYZPS_PAIRS, default {})  pairs (repeatable)');
    expect(schema.help()).toContain('--count (BYZPS_COUNT, default 1)  a count\n');
  });
});
