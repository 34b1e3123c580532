import { homeDirectory } from './home-dir.js';

describe('homeDirectory', () => {
  it('prefers HOME', () => {
    expect(homeDirectory({ HOME: '/home/x' })).toBe('/home/x');
  });

  it('falls back to the passwd entry when HOME is unset or empty', () => {
    expect(typeof homeDirectory({})).toBe('string');
    expect(homeDirectory({ HOME: '' })).toBe(homeDirectory({}));
  });
});
