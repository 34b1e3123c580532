import type { KubeObject } from './kube-object.js';
import {
  canonicalJson,
  countValues,
  createRatchetKeyer,
  KEY_WORK,
  parseFieldPath,
  RatchetWorkExceeded,
  type RatchetKeyerStats,
} from './ratchet-key.js';

describe('parseFieldPath', () => {
  it.each<[string, (string | number)[] | undefined]>([
    ['metadata.name', ['metadata', 'name']],
    ['subjects[12].name', ['subjects', 12, 'name']],
    [
      'spec.resourceQuotaSpec.hard["requests.nvidia.com/gpu"]',
      ['spec', 'resourceQuotaSpec', 'hard', 'requests.nvidia.com/gpu'],
    ],
    ['metadata.labels["a\\"]b"]', ['metadata', 'labels', 'a"]b']],
    ['spec.rules[0].when[1].notValues', ['spec', 'rules', 0, 'when', 1, 'notValues']],
    ['', []],
    ['a..b', undefined],
    ['.a', undefined],
    ['a.', undefined],
    ['a[x]', undefined],
    ['a[', undefined],
    ['a["x]', undefined],
    ['a["x"', undefined],
    ['a[-1]', undefined],
  ])('%p', (path, expected) => {
    expect(parseFieldPath(path)).toEqual(expected);
  });
});

describe('canonicalJson', () => {
  it('sorts keys, drops undefined members and writes what JSON.stringify writes otherwise', () => {
    expect(canonicalJson({ b: [1, 'x', null, { d: true, c: undefined }], a: {} })).toBe(
      '{"a":{},"b":[1,"x",null,{"d":true}]}',
    );
    expect(canonicalJson([undefined, Number.NaN])).toBe('[null,null]');
    expect(canonicalJson('é"\n')).toBe(JSON.stringify('é"\n'));
  });

  it.each([62, 63, 64, 65, 66, 200])(
    'writes a value nested %p levels deep as JSON.stringify does',
    (depth) => {
      let nested: unknown = { b: 1, a: [true, 'x'] };
      for (let level = 0; level < depth; level++)
        nested = level % 2 === 0 ? [nested, 2] : { k: nested };
      expect(canonicalJson(nested)).toBe(
        JSON.stringify(nested).replace('{"b":1,"a":[true,"x"]}', '{"a":[true,"x"],"b":1}'),
      );
    },
  );

  it.each<[string, unknown, string]>([
    [
      'keys already in order',
      { a: 1, b: [{ c: 'x', d: null }] },
      '{"a":1,"b":[{"c":"x","d":null}]}',
    ],
    ['keys out of order deeper down', { a: [{ d: 1, c: 2 }] }, '{"a":[{"c":2,"d":1}]}'],
    ['integer-like keys (listed first by JavaScript)', { '9': 1, '10': 2 }, '{"10":2,"9":1}'],
    ['a member named toJSON', { toJSON: 'x', a: 1 }, '{"a":1,"toJSON":"x"}'],
    ['an undefined member', { a: undefined, b: 1 }, '{"b":1}'],
    ['a number that is not finite', { a: Number.POSITIVE_INFINITY }, '{"a":null}'],
    [
      'a null-prototype object',
      Object.assign(Object.create(null) as object, { b: 1, a: 2 }),
      '{"a":2,"b":1}',
    ],
  ])('writes the same text however the keys come (%s)', (_name, value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it('serialises a value nested 200 000 levels deep', () => {
    let deep: unknown = 1;
    for (let level = 0; level < 200_000; level++) deep = level % 2 === 0 ? [deep] : { k: deep };
    const text = canonicalJson(deep);
    expect(text).toHaveLength(200_000 + 1 + 100_000 * 5 + 100_000);
    expect(text.startsWith('{"k":[{"k":[')).toBe(true);
  });
});

describe('createRatchetKeyer', () => {
  it('keys equal content in two objects alike, and different content apart', () => {
    const key = createRatchetKeyer();
    const a = { spec: { rules: [{ from: [{ source: { namespaces: ['x'] } }] }] } };
    const b = { spec: { rules: [{ to: [] }, { from: [{ source: { namespaces: ['x'] } }] }] } };
    const c = { spec: { rules: [{ from: [{ source: { namespaces: ['y'] } }] }] } };
    const at = (path: string) => ({ path, message: '' });
    expect(key(a, at('spec.rules[0].from[0].source.namespaces[0]'))).toBe(
      key(b, at('spec.rules[1].from[0].source.namespaces[0]')),
    );
    expect(key(a, at('spec.rules[0].from[0].source.namespaces[0]'))).not.toBe(
      key(c, at('spec.rules[0].from[0].source.namespaces[0]')),
    );
    expect(key(a, at('spec.rules[3].from'))).not.toBe(key(a, at('spec.rules[3].from')));
  });
});

describe('ratchet keying work', () => {
  /** Keys every violation of a stored object and of its update, as the engine does for one rule. */
  function keyReversedUpdate(
    count: number,
    element: (index: number) => unknown,
    list: 'spec.rules' | 'subjects',
    leaf: string,
  ): { stats: RatchetKeyerStats; ratcheted: number } {
    const stats: RatchetKeyerStats = { keys: 0, serialisedChars: 0 };
    const key = createRatchetKeyer(stats);
    const elements = Array.from({ length: count }, (_, index) => element(index));
    const wrap = (items: unknown[]) =>
      list === 'subjects' ? { subjects: items } : { spec: { rules: items } };
    const stored = wrap(elements);
    const updated = wrap([...elements].reverse());
    const at = (index: number) => ({ path: `${list}[${String(index)}]${leaf}`, message: '' });
    const storedKeys = new Set(elements.map((_, index) => key(stored, at(index))));
    let ratcheted = 0;
    for (let index = 0; index < count; index++) {
      if (storedKeys.has(key(updated, at(index)))) ratcheted++;
    }
    return { stats, ratcheted };
  }

  const rule = (index: number) => ({
    from: [{ source: { namespaces: ['alice', `n${String(index).padStart(6, '0')}`] } }],
  });
  const subject = (index: number) => ({ kind: 'User', name: `u${String(index).padStart(6, '0')}` });

  it.each([
    ['AuthorizationPolicy rules', rule, 'spec.rules', '.from[0].source.namespaces[1]'] as const,
    ['RoleBinding subjects', subject, 'subjects', '.name'] as const,
  ])(
    'a reversed UPDATE of %s ratchets every violation with work linear in their number',
    (_name, element, list, leaf) => {
      const small = keyReversedUpdate(1000, element, list, leaf);
      const large = keyReversedUpdate(4000, element, list, leaf);
      // Reordering moves no violation: each one is found in the stored object.
      expect(small.ratcheted).toBe(1000);
      expect(large.ratcheted).toBe(4000);
      // One key per violation, and the content written to identify elements grows with the
      // elements (4× as many, of the same size), never with their square.
      expect(small.stats.keys).toBe(2000);
      expect(large.stats.keys).toBe(8000);
      expect(large.stats.serialisedChars).toBeLessThanOrEqual(4 * small.stats.serialisedChars);
      expect(large.stats.serialisedChars).toBeGreaterThanOrEqual(3.9 * small.stats.serialisedChars);
    },
  );

  it('keys what lies inside an element identified by content by position, writing it no more', () => {
    const stats: RatchetKeyerStats = { keys: 0, serialisedChars: 0 };
    const key = createRatchetKeyer(stats);
    const rule = { from: [{ source: { namespaces: ['alice', 'bob'] } }] };
    const twin = structuredClone(rule);
    const at = (index: number, inner: number) => ({
      path: `spec.rules[${String(index)}].from[0].source.namespaces[${String(inner)}]`,
      message: '',
    });
    const stored = { spec: { rules: [{ other: true }, rule] } };
    const updated = { spec: { rules: [twin] } };
    expect(key(updated, at(0, 1))).toBe(key(stored, at(1, 1)));
    expect(key(updated, at(0, 0))).not.toBe(key(updated, at(0, 1)));
    // Only the rules were written, once each: not their sources or the namespaces in them.
    expect(stats.serialisedChars).toBe(2 * canonicalJson(rule).length);
    // A changed rule is another rule, whatever changed inside it.
    const changed = {
      spec: { rules: [{ from: [{ source: { namespaces: ['alice', 'carol'] } }] }] },
    };
    expect(key(changed, at(0, 1))).not.toBe(key(stored, at(1, 1)));
  });

  it('never ratchets a path inside an element that leads through a missing list or does not parse', () => {
    const key = createRatchetKeyer();
    const object = { spec: { rules: [{ from: [{ source: {} }] }] } };
    const same = structuredClone(object);
    const keyOf = (target: KubeObject, path: string) => key(target, { path, message: '' });
    for (const path of [
      'spec.rules[0].from[3].source',
      'spec.rules[0].from[0]..source',
      'spec.rules[1].from',
    ]) {
      expect(keyOf(object, path)).not.toBe(keyOf(same, path));
    }
    // A member that is missing is judged alike in equal content: the same key.
    expect(keyOf(object, 'spec.rules[0].from[0].source.namespaces')).toBe(
      keyOf(same, 'spec.rules[0].from[0].source.namespaces'),
    );
    expect(keyOf(object, 'spec.rules[0].from[0].source.namespaces')).not.toBe(
      keyOf(object, 'spec.rules[0].from[0].source'),
    );
  });

  it('identifies an element once however many violations it holds', () => {
    const stats: RatchetKeyerStats = { keys: 0, serialisedChars: 0 };
    const key = createRatchetKeyer(stats);
    const namespaces = Array.from({ length: 1000 }, (_, index) => `n${String(index)}`);
    const object = { spec: { rules: [{ from: [{ source: { namespaces } }] }] } };
    const once = canonicalJson(object.spec.rules[0]).length;
    for (let index = 0; index < 1000; index++) {
      key(object, {
        path: `spec.rules[0].from[0].source.namespaces[${String(index)}]`,
        message: '',
      });
    }
    // The rule and its source list are written once each; then each entry and value alone.
    expect(stats.serialisedChars).toBeLessThan(2 * once + 2 * namespaces.join('""').length + 6000);
  });
});

describe('the keyer work limit', () => {
  it('counts JSON values, never further than the limit', () => {
    expect(countValues('x', 10)).toBe(1);
    expect(countValues({ a: [1, 2, { b: null }], c: {} }, 100)).toBe(7);
    const huge = Array.from({ length: 100_000 }, (_, index) => index);
    expect(countValues(huge, 100)).toBe(100);
    expect(countValues(huge, 1_000_000)).toBe(100_001);
    // Any depth, without recursion.
    let deep: unknown = {};
    for (let level = 0; level < 20_000; level++) deep = { a: deep };
    expect(countValues(deep, 50_000)).toBe(20_001);
  });

  it('keys within the limit as without one', () => {
    const element = { from: [{ source: { namespaces: ['bob'] } }] };
    const object = { spec: { rules: [element] } };
    const at = { path: 'spec.rules[0].from[0].source.namespaces[0]', message: '' };
    // KEY_WORK for the key, 6 values for the element.
    const exact = createRatchetKeyer(undefined, KEY_WORK + 6);
    expect(exact(object, at)).toBe(createRatchetKeyer()(object, at));
  });

  it('throws, serialising nothing more, once a key would pass it', () => {
    const stats: RatchetKeyerStats = { keys: 0, serialisedChars: 0 };
    const key = createRatchetKeyer(stats, 1000);
    const big = { from: [{ source: { namespaces: Array.from({ length: 100_000 }, String) } }] };
    const object = { spec: { rules: [big] } };
    expect(() =>
      key(object, { path: 'spec.rules[0].from[0].source.namespaces[0]', message: '' }),
    ).toThrow(RatchetWorkExceeded);
    // The element was counted up to the limit, never written.
    expect(stats.serialisedChars).toBe(0);
    // Keys alone reach it too.
    const keys = createRatchetKeyer(undefined, 10 * KEY_WORK);
    const at = { path: 'metadata.name', message: '' };
    const named = { metadata: { name: 'a' } };
    for (let index = 0; index < 10; index++) keys(named, at);
    expect(() => keys(named, at)).toThrow(RatchetWorkExceeded);
  });
});
