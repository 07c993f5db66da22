import { describe, expect, it } from 'vitest';
import { ParameterError } from '../runtime/errors.js';
import { Behaviour } from './behaviour.js';

describe('worker behaviour', () => {
  it('starts honest, switches attacks, and clears everything with "none"', () => {
    const behaviour = new Behaviour();
    expect(behaviour.attack).toBeUndefined();
    behaviour.apply({ kind: 'sign-flip', params: { k: '2' } });
    expect(behaviour.attack?.name).toBe('sign-flip');
    expect(behaviour.attack?.params).toEqual({ k: 2 });
    behaviour.apply({ kind: 'delay', params: { ms: '5' } });
    expect(behaviour.active()).toEqual([{ kind: 'attack', name: 'sign-flip' }, { kind: 'fault', name: 'delay' }]);
    behaviour.apply({ kind: 'none', params: {} });
    expect(behaviour.active()).toEqual([]);
  });

  it('reverts a timed attack to the one it replaced after its rounds, and drops a timed fault', () => {
    const behaviour = new Behaviour();
    behaviour.apply({ kind: 'gaussian', params: {} });
    behaviour.apply({ kind: 'sign-flip', params: { rounds: '2' } });
    behaviour.apply({ kind: 'delay', params: { ms: '1', rounds: '1' } });
    behaviour.stepDone();
    expect(behaviour.active()).toEqual([{ kind: 'attack', name: 'sign-flip' }]);
    behaviour.stepDone();
    expect(behaviour.attack?.name).toBe('gaussian');
  });

  it('brings crash and hang one step nearer per step', () => {
    const behaviour = new Behaviour();
    behaviour.apply({ kind: 'crash', params: { 'after-steps': '2', 'exit-code': '9' } });
    behaviour.stepDone();
    expect(behaviour.fault('crash')).toEqual({ kind: 'crash', exitCode: 9, afterSteps: 1 });
    behaviour.stepDone();
    behaviour.stepDone();
    expect(behaviour.fault('crash')?.afterSteps).toBe(0);
  });

  it('leaves the state unchanged when an instruction is refused', () => {
    const behaviour = new Behaviour((attack) => {
      if (attack.name === 'alie') throw new ParameterError('no estimates here');
    });
    behaviour.apply({ kind: 'sign-flip', params: {} });
    expect(() => { behaviour.apply({ kind: 'alie', params: { z: '1' } }); }).toThrow(/no estimates here/);
    expect(() => { behaviour.apply({ kind: 'sign-flip', params: { rounds: '0' } }); }).toThrow(/rounds must be an integer ≥ 1/);
    expect(() => { behaviour.apply({ kind: 'none', params: { k: '1' } }); }).toThrow(/"none" takes no parameters/);
    expect(() => { behaviour.apply({ kind: 'warp', params: {} }); }).toThrow(/unknown attack "warp"/);
    expect(behaviour.attack?.name).toBe('sign-flip');
  });
});
