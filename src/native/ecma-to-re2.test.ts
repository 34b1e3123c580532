import fc from 'fast-check';

import { ecmaToRe2 } from './ecma-to-re2.js';

/**
 * The RE2 text read back as a JavaScript regular expression in `u` mode. The translation writes
 * only syntax the two agree on (`\x{…}` literals, plain classes, `(?:…)`, counted repeats,
 * `^ $ \b \B`), so this lets the tests compare what the original and the translation match.
 */
function asJavaScript(re2: string): RegExp {
  return new RegExp(re2.replace(/\\x\{([0-9a-f]+)\}/g, '\\u{$1}'), 'u');
}

function translated(pattern: string): string {
  const result = ecmaToRe2(pattern);
  if (!result.ok) throw new Error(`refused ${pattern}: ${result.reason}`);
  return result.re2;
}

describe('ecmaToRe2', () => {
  it.each([
    [
      '^team-[a-z0-9-]+$',
      '^\\x{74}\\x{65}\\x{61}\\x{6d}\\x{2d}[\\x{61}-\\x{7a}\\x{30}-\\x{39}\\x{2d}]+$',
    ],
    ['a.b', '\\x{61}[^\\x{a}\\x{d}\\x{2028}\\x{2029}]\\x{62}'],
    ['\\d{2,3}', '[0-9]{2,3}'],
    ['(x|y)*?', '(?:\\x{78}|\\x{79})*'],
    ['(?<team>ml)', '(?:\\x{6d}\\x{6c})'],
    ['a{', '\\x{61}\\x{7b}'],
    ['[]', '[^\\x{0}-\\x{10ffff}]'],
    ['[^]', '[\\x{0}-\\x{10ffff}]'],
    ['\\u0041\\x42\\cJ\\0', '\\x{41}\\x{42}\\x{a}\\x{0}'],
  ])('%s -> %s', (pattern, re2) => {
    expect(translated(pattern)).toBe(re2);
  });

  it.each([
    ['(a)\\1', 'a backreference or octal escape'],
    ['a(?=b)', 'a lookahead'],
    ['(?<!a)b', 'a lookbehind'],
    ['(?<n>a)\\k<n>', 'a named backreference'],
    ['a{1001}', 'a repeat count above 1000'],
    ['(a{100}){100}', 'nested repeat counts above 1000 in all'],
    ['😀', 'a character outside the Basic Multilingual Plane'],
    ['[\\S\\d]', 'a negated class escape'],
    ['\\07', 'an octal escape'],
    ['(', 'not a valid regular expression'],
    ['a**', 'not a valid regular expression'],
  ])('refuses %s (%s)', (pattern, reason) => {
    const result = ecmaToRe2(pattern);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toContain(reason);
  });

  it('matches exactly what the JavaScript pattern matches (searched, like test())', () => {
    const literal = fc.constantFrom('a', 'b', '-', '\\.', '1', '_', ' ', '\\n', 'é', '\\u2028');
    const classAtom = fc.constantFrom('a', 'b-d', '\\d', '\\w', '\\s', '.', '-', '\\n', 'é');
    const atom = fc.oneof(
      literal,
      fc.constantFrom('.', '\\d', '\\D', '\\w', '\\W', '\\s', '\\S'),
      fc
        .tuple(fc.boolean(), fc.array(classAtom, { minLength: 1, maxLength: 3 }))
        .map(([negated, atoms]) => `[${negated ? '^' : ''}${atoms.join('')}]`),
    );
    const quantifier = fc.constantFrom('', '', '*', '+', '?', '{2}', '{1,2}', '{0,}', '+?');
    const term = fc.oneof(
      fc.tuple(atom, quantifier).map(([a, q]) => a + q),
      fc.constantFrom('^', '$', '\\b', '\\B'),
    );
    const sequence = fc.array(term, { minLength: 1, maxLength: 4 }).map((terms) => terms.join(''));
    const compiles = (source: string): boolean => {
      try {
        new RegExp(source);
        return true;
      } catch {
        return false;
      }
    };
    const pattern = fc
      .oneof(
        sequence,
        fc.tuple(sequence, sequence).map(([a, b]) => `${a}|${b}`),
        fc.tuple(sequence, sequence, quantifier).map(([a, b, q]) => `(${a}|${b})${q}`),
      )
      .filter(compiles);
    const subject = fc
      .array(
        fc.constantFrom(
          'a',
          'b',
          'c',
          '-',
          '.',
          '1',
          '_',
          ' ',
          '\n',
          '\r',
          '\u2028',
          '\u00a0',
          'é',
          '\t',
        ),
        {
          maxLength: 8,
        },
      )
      .map((chars) => chars.join(''));
    fc.assert(
      fc.property(
        pattern,
        fc.array(subject, { minLength: 1, maxLength: 10 }),
        (source, subjects) => {
          const original = new RegExp(source);
          const re2 = asJavaScript(translated(source));
          for (const text of subjects)
            expect([source, text, re2.test(text)]).toEqual([source, text, original.test(text)]);
        },
      ),
      { numRuns: 1500 },
    );
  });
});
