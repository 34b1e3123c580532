import { jsonEqual } from './json-equal.js';

describe('jsonEqual', () => {
  it.each<[string, unknown, unknown, boolean]>([
    ['equal scalars', 1, 1, true],
    ['different scalars', 1, '1', false],
    ['null and an object', null, {}, false],
    ['key order ignored', { a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }, true],
    ['an extra key', { a: 1 }, { a: 1, b: 2 }, false],
    ['a missing key', { a: 1, b: 2 }, { a: 1 }, false],
    ['undefined members count as absent', { a: 1, b: undefined }, { a: 1 }, true],
    ['undefined against a value', { a: undefined }, { a: null }, false],
    ['array against object', [], {}, false],
    ['arrays of different length', [1, 2], [1], false],
    ['array order matters', [1, 2], [2, 1], false],
    ['deep difference', { a: { b: { c: [1, 2, 3] } } }, { a: { b: { c: [1, 2, 4] } } }, false],
  ])('%s', (_name, left, right, expected) => {
    expect(jsonEqual(left, right)).toBe(expected);
    expect(jsonEqual(right, left)).toBe(expected);
  });

  const nest = (depth: number, leaf: unknown): unknown => {
    let node: unknown = leaf;
    for (let level = 0; level < depth; level++) node = level % 2 === 0 ? { a: node } : [node];
    return node;
  };

  it('compares values nested 200 000 levels deep without overflowing the stack', () => {
    expect(jsonEqual(nest(200_000, 'x'), nest(200_000, 'x'))).toBe(true);
    expect(jsonEqual(nest(200_000, 'x'), nest(200_000, 'y'))).toBe(false);
    expect(jsonEqual(nest(200_000, 'x'), nest(199_999, 'x'))).toBe(false);
  });
});
