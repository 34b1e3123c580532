import fc from 'fast-check';

import { CelEncodingError, celIdentifier, celString, celStringList, celStringMap } from './cel.js';

/**
 * Reads one CEL single-quoted string literal (the escapes celString writes, and those CEL defines
 * besides) and returns its value and where it ended: an independent decoder, so that the tests
 * check what CEL would read rather than celString's own logic.
 */
function readCelString(text: string, from = 0): { value: string; end: number } {
  if (text[from] !== "'") throw new Error(`no literal at ${from}`);
  let value = '';
  let index = from + 1;
  for (;;) {
    const char = text[index];
    if (char === undefined) throw new Error('unterminated literal');
    if (char === '\n' || char === '\r') throw new Error('raw line break in a literal');
    if (char === "'") return { value, end: index + 1 };
    if (char !== '\\') {
      value += char;
      index++;
      continue;
    }
    const escape = text[index + 1];
    const simple: Record<string, string> = {
      '\\': '\\',
      "'": "'",
      '"': '"',
      n: '\n',
      r: '\r',
      t: '\t',
    };
    const replacement = escape === undefined ? undefined : simple[escape];
    if (replacement !== undefined) {
      value += replacement;
      index += 2;
    } else if (escape === 'u' || escape === 'U') {
      const width = escape === 'u' ? 4 : 8;
      const digits = text.slice(index + 2, index + 2 + width);
      if (!/^[0-9a-f]+$/i.test(digits) || digits.length !== width) throw new Error('bad escape');
      value += String.fromCodePoint(parseInt(digits, 16));
      index += 2 + width;
    } else {
      throw new Error(`unknown escape \\${escape ?? ''}`);
    }
  }
}

describe('celString', () => {
  it.each([
    ['plain', "'plain'"],
    ["it's", "'it\\'s'"],
    ['back\\slash', "'back\\\\slash'"],
    ['"double"', `'"double"'`],
    ['line\nbreak', "'line\\u000abreak'"],
    ['é', "'\\u00e9'"],
    ['😀', "'\\U0001f600'"],
    ['', "''"],
  ])('%j -> %s', (value, literal) => {
    expect(celString(value)).toBe(literal);
  });

  it('an admin value cannot end the literal and inject CEL', () => {
    const attack = "x' || true || '";
    const literal = celString(attack);
    const read = readCelString(`${literal} == name`);
    expect(read.value).toBe(attack);
    expect(`${literal} == name`.slice(read.end)).toBe(' == name');
  });

  it('round-trips any string, as one line of printable ASCII', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (value) => {
        const literal = celString(value);
        expect(literal).toMatch(/^'[ -~]*'$/);
        const read = readCelString(literal);
        expect(read).toEqual({ value, end: literal.length });
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses a lone surrogate, which no CEL string can hold', () => {
    expect(() => celString('a\ud800b')).toThrow(CelEncodingError);
    expect(() => celString('\udc00')).toThrow(CelEncodingError);
  });
});

describe('CEL literals of lists, maps and identifiers', () => {
  it('lists and maps are built from escaped strings', () => {
    expect(celStringList(["a'b", 'c'])).toBe("['a\\'b', 'c']");
    expect(celStringMap({ "k'": 'v\\' })).toBe("{'k\\'': 'v\\\\'}");
    expect(celStringMap({})).toBe('{}');
  });

  it('identifiers are made of CEL identifier characters', () => {
    expect(celIdentifier('profile-name-format')).toBe('profile_name_format');
    expect(celIdentifier('9lives')).toBe('_9lives');
  });
});
