import { describe, expect, it } from 'vitest';
import { closestName, didYouMean } from './suggest.js';

describe('suggestions for mistyped names', () => {
  const rules = ['mean', 'median', 'trimmed-mean', 'krum', 'multi-krum', 'bulyan', 'geometric-median', 'centered-clipping', 'flag'];

  it('finds the closest name within a third of the typed length, and what an abbreviation starts', () => {
    expect(closestName('flg', rules)).toBe('flag');
    expect(closestName('meidan', rules)).toBe('median');
    expect(closestName('trimmed-man', rules)).toBe('trimmed-mean');
    expect(closestName('bul', rules)).toBe('bulyan');
    expect(closestName('Krum', rules)).toBe('krum');
  });

  it('suggests nothing for a name unlike any', () => {
    expect(closestName('backdoor', rules)).toBeUndefined();
    expect(didYouMean('zzzz', ['round-deadline-ms'], '--')).toBe('');
  });

  it('words the suggestion for a message', () => {
    expect(didYouMean('round-deadline', ['round-deadline-ms', 'rule'], '--')).toBe(' (did you mean --round-deadline-ms?)');
  });
});
