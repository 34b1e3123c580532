import { linearRegExp } from './linear-regexp.js';

describe('linearRegExp', () => {
  it('matches with the usual semantics: a search unless anchored', () => {
    expect(linearRegExp('^team-').test('team-ml')).toBe(true);
    expect(linearRegExp('^team-').test('x-team-ml')).toBe(false);
    expect(linearRegExp('ml').test('team-ml-2')).toBe(true);
    expect(linearRegExp('^team-[a-z0-9-]+$').test('team-ml-2')).toBe(true);
    expect(linearRegExp('^team-[a-z0-9-]+$').test('team-ML')).toBe(false);
    expect(linearRegExp('\\bml\\b|^x{2,3}\\d?$').test('xxx7')).toBe(true);
  });

  it('compiles for the linear engine', () => {
    expect(linearRegExp('a+').flags).toContain('l');
  });

  it('answers a pattern that backtracks catastrophically at once', () => {
    // With backtracking, 2^62 steps: this test would not finish.
    expect(linearRegExp('^(a|a)*$').test(`${'a'.repeat(62)}b`)).toBe(false);
    expect(linearRegExp('^(a+)+$').test(`${'a'.repeat(62)}!`)).toBe(false);
    expect(linearRegExp('^([a-z0-9]+-?)*[a-z0-9]$').test(`${'a-'.repeat(31)}-`)).toBe(false);
  });

  it.each([
    ['a backreference', '(a)\\1'],
    ['a lookahead', '^(?!kube-)'],
    ['a lookbehind', '(?<=x)y'],
    ['a large counted repetition', '((a{10}){10}){10}'],
  ])('refuses %s', (_name, pattern) => {
    expect(() => linearRegExp(pattern)).toThrow(/linear time/);
  });

  it('refuses an invalid pattern', () => {
    expect(() => linearRegExp('(')).toThrow(SyntaxError);
  });
});
