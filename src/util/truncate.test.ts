import { truncate } from './truncate.js';

describe('truncate', () => {
  it('returns text that fits as it is', () => {
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('', 0)).toBe('');
  });

  it('cuts to max characters, the last being …', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(Array.from(truncate('x'.repeat(2000), 1024))).toHaveLength(1024);
  });

  it('counts code points: a surrogate pair is one character and is never split', () => {
    expect(truncate('😀😀😀', 3)).toBe('😀😀😀');
    expect(truncate('😀😀😀😀', 3)).toBe('😀😀…');
    expect(truncate('a😀b', 2)).toBe('a…');
  });
});
