import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { componentLogger, createRootLogger } from './logger.js';

describe('logger', () => {
  it('writes JSON with the component and blanks out tokens wherever they appear', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const log = componentLogger(createRootLogger('info', sink), 'round');
    log.info({ authorization: 'Bearer t0k3n', config: { workerToken: 't0k3n', adminToken: 'adm1n' }, token: 't0k3n' }, 'hello');
    log.debug('below the level');
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(record).toMatchObject({ component: 'round', msg: 'hello', authorization: '[redacted]', token: '[redacted]', config: { workerToken: '[redacted]', adminToken: '[redacted]' } });
    expect(lines[0]).not.toMatch(/t0k3n|adm1n/);
  });
});
