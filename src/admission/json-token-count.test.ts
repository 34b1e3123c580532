import fc from 'fast-check';

import { countJsonTokens } from './json-token-count.js';

const utf8 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'utf8'));
const count = (text: string, limit = Number.MAX_SAFE_INTEGER): number =>
  countJsonTokens(utf8(text), limit);

/**
 * The reference: the structural tokens of a parsed value, from its shape alone — an object or
 * array is one `{`/`[`, a `,` between each two entries, a `:` per member; scalars none.
 */
function tokensOf(value: unknown): number {
  if (Array.isArray(value)) {
    const entries = value as unknown[];
    return (
      1 + Math.max(entries.length - 1, 0) + entries.reduce<number>((n, v) => n + tokensOf(v), 0)
    );
  }
  if (typeof value === 'object' && value !== null) {
    const members = Object.values(value);
    return (
      1 +
      members.length +
      Math.max(members.length - 1, 0) +
      members.reduce<number>((n, v) => n + tokensOf(v), 0)
    );
  }
  return 0;
}

// Strings full of what the scanner counts or trips on: structural bytes, quotes and backslashes
// (escaped by JSON.stringify), control characters, multi-byte UTF-8 and lone surrogates.
const nasty = fc
  .array(
    fc.oneof(
      fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '\\', '\\"', '\\\\"', '\n', '\u0000'),
      fc.constantFrom('é', '€', '😀', '\u2028', '\ud800', '{"a":[1,2]}'),
      fc.string({ maxLength: 4 }),
    ),
    { maxLength: 8 },
  )
  .map((parts) => parts.join(''));

// Longer ones too, so that strings run past the bytes read one by one (and their backslash runs
// straddle that point).
const longNasty = fc.array(nasty, { minLength: 4, maxLength: 40 }).map((parts) => parts.join(''));

const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    nasty,
    longNasty,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 6 }),
    fc.dictionary(nasty, tie('value'), { maxKeys: 6 }),
  ),
})).value;

describe('countJsonTokens', () => {
  it('counts { [ , : outside strings', () => {
    expect(count('{}')).toBe(1);
    expect(count('[]')).toBe(1);
    expect(count('{"a":1,"b":[1,2,{}]}')).toBe(8);
    expect(count('  "just a string"  ')).toBe(0);
    expect(count('123')).toBe(0);
  });

  it('is not fooled by structural bytes, escaped quotes or backslashes inside strings', () => {
    expect(count('"{[,:]}"')).toBe(0);
    expect(count(String.raw`"a\"{,:[" `)).toBe(0);
    expect(count(String.raw`["a\\",{}]`)).toBe(3);
    expect(count(String.raw`["\\\"[",1]`)).toBe(2);
    expect(count(String.raw`{"k\\":"v\\\\"}`)).toBe(2);
    expect(count('{"€😀{":"é,:"}')).toBe(2);
  });

  it('finds the end of strings of every length, with backslash runs at every place', () => {
    for (let length = 0; length < 100; length++) {
      for (let run = 0; run < 5; run++) {
        for (const tail of ['"', 'x', '"{,']) {
          const text = `${'a'.repeat(length)}${'\\'.repeat(run)}${tail}`;
          const value = [text, { [text]: [text, 1] }, text];
          const json = JSON.stringify(value);
          expect(count(json)).toBe(tokensOf(value));
          // Raw (not escaped by JSON.stringify): the run's parity decides where the string ends.
          const raw = `["${'a'.repeat(length)}${'\\'.repeat(run)}"{,:[`;
          expect(count(raw)).toBe(run % 2 === 0 ? 5 : 1);
        }
      }
    }
  });

  it('counts invalid JSON without failing: an unterminated string runs to the end', () => {
    expect(count('{"a":"open {,:[')).toBe(2);
    expect(count('"\\')).toBe(0);
    expect(count(',,,:::')).toBe(6);
    expect(count('')).toBe(0);
    expect(countJsonTokens(new Uint8Array([0x7b, 0xff, 0xfe, 0x2c, 0x22, 0x2c]), 10)).toBe(2);
  });

  it('stops as soon as the count exceeds the limit, answering limit + 1', () => {
    expect(count('[[[[[[[[[[', 4)).toBe(5);
    expect(count('[[[[', 4)).toBe(4);
    expect(count('[1,2,3,"unterminated', 0)).toBe(1);
    expect(count(`[${'{},'.repeat(1000)}{}]`, 1000)).toBe(1001);
  });

  it('reads a view of its own bytes only', () => {
    const buffer = utf8('[[[{"a":1}]]]');
    expect(countJsonTokens(buffer.subarray(3, 10), 100)).toBe(2);
  });

  it('equals the count of the parsed value for any JSON text, however formatted', () => {
    fc.assert(
      fc.property(json, fc.constantFrom(undefined, 0, 1, 2, '\t', ' \r\n'), (value, space) => {
        const text = JSON.stringify(value, null, space);
        expect(count(text)).toBe(tokensOf(value));
        const bound = Math.floor(tokensOf(value) / 2);
        expect(count(text, bound)).toBe(Math.min(tokensOf(value), bound + 1));
      }),
      { numRuns: 2000 },
    );
  });
});
