import { describe, expect, it } from 'vitest';
import { UsageError } from './failure.js';
import { formatFlagHelp, parseFlags } from './flags.js';

const schema = {
  rule: { kind: 'string', valueName: 'NAME', description: 'the rule' },
  param: { kind: 'list', valueName: 'KEY=VALUE', description: 'a parameter' },
  example: { kind: 'switch', description: 'use the example' },
} as const;

describe('parseFlags', () => {
  it('reads --flag value, --flag=value, repeated lists and switches', () => {
    const { help, values } = parseFlags(schema, ['--rule', 'flag', '--param=r=4', '--param', 'lambda=0.5', '--example']);
    expect(help).toBe(false);
    expect(values).toEqual({ rule: 'flag', param: ['r=4', 'lambda=0.5'], example: true });
  });

  it('gives undefined, an empty list and false for absent flags', () => {
    expect(parseFlags(schema, []).values).toEqual({ rule: undefined, param: [], example: false });
  });

  it('takes a value that starts with a single dash, such as a negative number', () => {
    expect(parseFlags(schema, ['--rule', '-1']).values.rule).toBe('-1');
  });

  it('keeps an empty value given with =', () => {
    expect(parseFlags(schema, ['--rule=']).values.rule).toBe('');
  });

  it('reports --help and -h anywhere without validating the rest', () => {
    expect(parseFlags(schema, ['--bogus', '--help']).help).toBe(true);
    expect(parseFlags(schema, ['-h']).help).toBe(true);
  });

  it.each([
    [['--bogus'], /^unknown flag --bogus$/],
    [['--bogus=1'], /^unknown flag --bogus$/],
    [['rule'], /unexpected argument "rule"/],
    [['-r', 'x'], /unexpected argument "-r"/],
    [['--'], /unexpected argument "--"/],
    [['--rule'], /^--rule needs a value$/],
    [['--rule', '--example'], /^--rule needs a value$/],
    [['--param'], /^--param needs a value$/],
    [['--example=yes'], /^--example takes no value$/],
    [['--rule', 'a', '--rule=b'], /^--rule is given twice$/],
  ])('rejects %j with a usage error', (argv, message) => {
    expect(() => parseFlags(schema, argv)).toThrow(UsageError);
    expect(() => parseFlags(schema, argv)).toThrow(message);
  });
});

describe('formatFlagHelp', () => {
  it('lists every flag with its placeholder, aligned, and --help last', () => {
    const lines = formatFlagHelp(schema).split('\n');
    expect(lines).toEqual([
      '  --rule NAME        the rule',
      '  --param KEY=VALUE  a parameter (repeatable)',
      '  --example          use the example',
      '  --help, -h         show this help',
    ]);
  });
});
