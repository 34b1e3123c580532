import { cloneJson } from './json-clone.js';

describe('cloneJson', () => {
  it('copies plain JSON deeply: equal content, nothing shared', () => {
    const source = { a: 1, b: 'x', c: null, d: true, e: [1, { f: [2] }], g: { h: { i: [] } } };
    const copy = cloneJson(source);
    expect(copy).toEqual(source);
    expect(copy.e).not.toBe(source.e);
    expect(copy.e[1]).not.toBe(source.e[1]);
    expect(copy.g.h).not.toBe(source.g.h);
    (copy.g.h.i as unknown[]).push(1);
    expect(source.g.h.i).toEqual([]);
  });

  it('returns primitives as they are', () => {
    for (const value of [0, -1.5, '', 'text', true, false, null, undefined]) {
      expect(cloneJson(value)).toBe(value);
    }
  });

  it('copies an own __proto__ key as data, never as the prototype', () => {
    const source = JSON.parse('{"__proto__":{"polluted":"yes"},"a":{"__proto__":[1]}}') as Record<
      string,
      unknown
    >;
    const copy = cloneJson(source);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['__proto__', 'a']);
    expect(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value).toEqual({ polluted: 'yes' });
    expect((copy as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('keeps key order and copies null-prototype objects', () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { z: 1, a: [2] });
    const copy = cloneJson({ bare });
    expect(Object.keys(copy.bare)).toEqual(['z', 'a']);
    expect(copy.bare.a).not.toBe(bare.a);
  });

  it('hands what is not plain JSON to structuredClone', () => {
    const when = new Date(0);
    const copy = cloneJson({ when, list: [new Map([['k', 1]])] });
    // structuredClone builds in its own realm under jest: compare by tag, not by instanceof.
    expect(Object.prototype.toString.call(copy.when)).toBe('[object Date]');
    expect(copy.when).not.toBe(when);
    expect(copy.when.getTime()).toBe(0);
    expect([...(copy.list[0] ?? [])]).toEqual([['k', 1]]);
  });
});
