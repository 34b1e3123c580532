import fc from 'fast-check';
import {
  emailDomain,
  indexPath,
  isDns1123Label,
  isDns1123Subdomain,
  isEmailAddress,
  isQualifiedName,
  keyPath,
  listValues,
  quoteValue,
} from './validation-helpers.js';

describe('isDns1123Label', () => {
  it.each([
    ['a', true],
    ['a1-b2', true],
    ['1a', true],
    ['a'.repeat(63), true],
    ['a'.repeat(64), false],
    ['', false],
    ['-a', false],
    ['a-', false],
    ['A', false],
    ['a.b', false],
    ['a_b', false],
  ])('%p: %p', (value, ok) => {
    expect(isDns1123Label(value)).toBe(ok);
  });
});

describe('isDns1123Subdomain', () => {
  it.each([
    ['example.com', true],
    ['a', true],
    ['a..b', false],
    ['.a', false],
    ['a.', false],
    [`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`, true],
    [`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`, false],
  ])('%p: %p', (value, ok) => {
    expect(isDns1123Subdomain(value)).toBe(ok);
  });

  it('reads any string as the split reading of the rule does', () => {
    const label = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/;
    const bySplit = (value: string): boolean =>
      value.length <= 253 && value.split('.').every((part) => label.test(part));
    fc.assert(
      fc.property(fc.stringMatching(/^[a-zA-Z0-9./_-]{0,260}$/), (value) => {
        expect(isDns1123Subdomain(value)).toBe(bySplit(value));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('isQualifiedName', () => {
  it.each([
    ['cpu', true],
    ['app.kubernetes.io/part-of', true],
    ['requests.nvidia.com/gpu', true],
    ['Under_Score.x', true],
    ['a'.repeat(63), true],
    ['a'.repeat(64), false],
    ['/x', false],
    ['x/', false],
    ['a/b/c', false],
    ['Example.com/x', false],
    ['_x', false],
    ['', false],
  ])('%p: %p', (value, ok) => {
    expect(isQualifiedName(value)).toBe(ok);
  });

  it('reads any string as the split reading of the rule does', () => {
    // The rule as written before it read by index: split on `/`, at most two parts.
    const bySplit = (value: string): boolean => {
      const parts = value.split('/');
      if (parts.length > 2) return false;
      const name = parts.length === 2 ? parts[1] : parts[0];
      if (parts.length === 2 && !isDns1123Subdomain(parts[0] ?? '')) return false;
      return (
        name !== undefined &&
        name.length <= 63 &&
        /^[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(name)
      );
    };
    const piece = fc.stringMatching(/^[a-zA-Z0-9._/-]{0,70}$/);
    fc.assert(
      fc.property(
        fc.oneof(
          piece,
          fc.tuple(piece, piece).map(([a, b]) => `${a}/${b}`),
        ),
        (value) => {
          expect(isQualifiedName(value)).toBe(bySplit(value));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('isEmailAddress', () => {
  it.each([
    ['alice@example.com', true],
    ['Alice.Smith+ml@Mail.Example.org', true],
    ["x!#$%&'*+/=?^_`{|}~-@example.com", true],
    ['a@b.co', true],
    [`${'a'.repeat(64)}@example.com`, true],
    [`${'a'.repeat(65)}@example.com`, false],
    [`a@${'b'.repeat(63)}.com`, true],
    [`a@${'b'.repeat(64)}.com`, false],
    ['alice', false],
    ['alice@', false],
    ['@example.com', false],
    ['alice@example', false],
    ['alice@example.123', false],
    ['alice@[10.0.0.1]', false],
    ['"alice"@example.com', false],
    ['a b@example.com', false],
    ['alice@exa mple.com', false],
    ['alice.@example.com', false],
    ['alice@example.com.', false],
    ['alice@-x.com', false],
    ['alice@x-.com', false],
    ['alicé@example.com', false],
  ])('%p: %p', (value, ok) => {
    expect(isEmailAddress(value)).toBe(ok);
  });
});

describe('emailDomain', () => {
  it.each([
    ['alice@Example.COM', 'example.com'],
    ['a@b@c.io', 'c.io'],
    ['alice', undefined],
    ['alice@', undefined],
  ])('%p -> %p', (value, domain) => {
    expect(emailDomain(value)).toBe(domain);
  });
});

describe('message helpers', () => {
  it('builds paths with JSON-quoted keys and indexes', () => {
    expect(keyPath('spec.resourceQuotaSpec.hard', 'requests.nvidia.com/gpu')).toBe(
      'spec.resourceQuotaSpec.hard["requests.nvidia.com/gpu"]',
    );
    expect(keyPath('m', 'a"b')).toBe('m["a\\"b"]');
    expect(indexPath('spec.plugins', 2)).toBe('spec.plugins[2]');
  });

  it('quotes values on one line and cuts long ones', () => {
    expect(quoteValue('a\nb')).toBe('"a\\nb"');
    expect(quoteValue(undefined)).toBe('undefined');
    expect(quoteValue({ a: 1 })).toBe('{"a":1}');
    const long = quoteValue('x'.repeat(200));
    expect(long).toHaveLength(80);
    expect(long.endsWith('…')).toBe(true);
  });

  it('quotes exactly what JSON.stringify writes, cut at 80 characters', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const json = JSON.stringify(value);
        expect(quoteValue(value)).toBe(json.length <= 80 ? json : `${json.slice(0, 79)}…`);
      }),
      { numRuns: 500 },
    );
  });

  it('quotes a 3 MiB string, a 100 000-key object and a value nested 200 000 levels deep', () => {
    expect(quoteValue('é'.repeat(3 * 1024 * 1024))).toBe(`"${'é'.repeat(78)}…`);
    const wide = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i]));
    expect(quoteValue(wide)).toBe(`${JSON.stringify(wide).slice(0, 79)}…`);
    let deep: unknown = 1;
    for (let level = 0; level < 200_000; level++) deep = level % 2 === 0 ? [deep] : { a: deep };
    expect(quoteValue(deep)).toBe(`${'{"a":['.repeat(13)}{…`);
    expect(quoteValue([undefined, Number.NaN, { u: undefined, v: 1 }])).toBe('[null,null,{"v":1}]');
  });

  it('lists values', () => {
    expect(listValues(['a', 'b'])).toBe('a, b');
    expect(listValues([])).toBe('none');
  });
});
