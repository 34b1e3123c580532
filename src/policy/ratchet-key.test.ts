import { canonicalJson, createRatchetKeyer, parseFieldPath } from './ratchet-key.js';

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
