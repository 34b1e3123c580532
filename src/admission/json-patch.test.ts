import fc from 'fast-check';
import {
  diffToJsonPatch,
  escapePointerToken,
  jsonEqual,
  type JsonPatchOperation,
} from './json-patch.js';
import { applyJsonPatch } from './apply-json-patch.js';

/**
 * The patch applied by fast-json-patch to `document`, with `__proto__` an ordinary key as it is
 * for the API server: fast-json-patch refuses any path through `__proto__`, so every key of the
 * document, of the patch's values and of its paths is prefixed with `_` for the application and
 * the prefix dropped from the result (Object.fromEntries defines `__proto__` as an own key).
 */
function applyAsOwnKeys(document: unknown, patch: readonly JsonPatchOperation[]): unknown {
  const prefixed = patch.map((operation) => ({
    ...operation,
    path: operation.path.replaceAll('/', '/_'),
    ...('value' in operation ? { value: rekey(operation.value, (key) => `_${key}`) } : {}),
  })) as JsonPatchOperation[];
  const patched = applyJsonPatch(
    rekey(document, (key) => `_${key}`),
    prefixed,
  );
  return rekey(patched, (key) => key.slice(1));
}

function rekey(value: unknown, rename: (key: string) => string): unknown {
  if (Array.isArray(value)) return value.map((item) => rekey(item, rename));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) => [rename(key), rekey(child, rename)]),
  );
}

describe('diffToJsonPatch', () => {
  it('gives no operations for equal documents, whatever the key order', () => {
    expect(diffToJsonPatch({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toEqual([]);
  });

  it('escapes ~ and / in keys per RFC 6901', () => {
    expect(escapePointerToken('a/b~c')).toBe('a~1b~0c');
    const before = { metadata: { labels: { x: '1' } } };
    const after = {
      metadata: { labels: { x: '1', 'app.kubernetes.io/part-of': 'p', 'a~b': 'q' } },
    };
    expect(diffToJsonPatch(before, after)).toEqual([
      { op: 'add', path: '/metadata/labels/app.kubernetes.io~1part-of', value: 'p' },
      { op: 'add', path: '/metadata/labels/a~0b', value: 'q' },
    ]);
  });

  it('adds a missing parent whole instead of addressing its children', () => {
    expect(
      diffToJsonPatch({ metadata: { name: 'n' } }, { metadata: { name: 'n', labels: { a: 'b' } } }),
    ).toEqual([{ op: 'add', path: '/metadata/labels', value: { a: 'b' } }]);
  });

  it('replaces changed scalars, removes dropped keys and replaces differing arrays whole', () => {
    expect(diffToJsonPatch({ a: 1, b: 2, c: [1, 2, 3] }, { a: 5, c: [1, 3] })).toEqual([
      { op: 'remove', path: '/b' },
      { op: 'replace', path: '/a', value: 5 },
      { op: 'replace', path: '/c', value: [1, 3] },
    ]);
  });

  it('replaces a value whose type changes, and the root when it is not an object', () => {
    expect(diffToJsonPatch({ a: { b: 1 } }, { a: 'x' })).toEqual([
      { op: 'replace', path: '/a', value: 'x' },
    ]);
    expect(diffToJsonPatch(1, [1])).toEqual([{ op: 'replace', path: '', value: [1] }]);
  });

  it('treats undefined members as absent, as JSON does', () => {
    expect(diffToJsonPatch({ a: 1 }, { a: 1, b: undefined })).toEqual([]);
    expect(diffToJsonPatch({ a: 1, b: undefined }, { a: 1, b: 2 })).toEqual([
      { op: 'add', path: '/b', value: 2 },
    ]);
  });

  it('handles an empty key', () => {
    expect(diffToJsonPatch({}, { '': 1 })).toEqual([{ op: 'add', path: '/', value: 1 }]);
  });

  // Keys rich in the characters that need escaping, plus ordinary ones.
  const key = fc.oneof(fc.string(), fc.constantFrom('~', '/', '~1', '~0', 'a/b', '', '__proto__'));
  const json = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null)),
      fc.array(tie('value'), { maxLength: 3 }),
      tie('object'),
    ),
    object: fc.dictionary(key, tie('value'), { maxKeys: 5 }),
  })).value;

  it('property: applying the patch to before yields after', () => {
    fc.assert(
      fc.property(json, json, (before, after) => {
        const patch = diffToJsonPatch(before, after);
        expect(jsonEqual(applyAsOwnKeys(before, patch), after)).toBe(true);
        expect(diffToJsonPatch(after, after)).toEqual([]);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: a mutated copy is reached by its patch, and the patch is empty only when equal', () => {
    const edit = fc.tuple(
      json,
      fc.array(fc.tuple(fc.array(key, { minLength: 1, maxLength: 3 }), json), { maxLength: 4 }),
    );
    fc.assert(
      fc.property(edit, ([base, edits]) => {
        const after: unknown = structuredClone(base);
        for (const [path, value] of edits) setDeep(after, path, value);
        const patch = diffToJsonPatch(base, after);
        expect(jsonEqual(applyAsOwnKeys(base, patch), after)).toBe(true);
        expect(patch.length === 0).toBe(jsonEqual(base, after));
      }),
      { numRuns: 1000 },
    );
  });
});

function setDeep(root: unknown, path: readonly string[], value: unknown): void {
  let current = root;
  for (const [index, step] of path.entries()) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return;
    const record = current as Record<string, unknown>;
    if (index === path.length - 1) {
      Object.defineProperty(record, step, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      return;
    }
    if (!Object.hasOwn(record, step)) {
      Object.defineProperty(record, step, {
        value: {},
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    current = record[step];
  }
}

describe('diffToJsonPatch on deep values', () => {
  const nest = (depth: number, leaf: unknown): Record<string, unknown> => {
    let node: unknown = leaf;
    for (let level = 0; level < depth; level++) node = { a: node };
    return node as Record<string, unknown>;
  };

  it('walks an object nested 200 000 levels deep without overflowing the stack', () => {
    const before = { spec: nest(200_000, 1), metadata: {} };
    const after = { spec: nest(200_000, 1), metadata: { labels: { x: 'y' } } };
    expect(diffToJsonPatch(before, after)).toEqual([
      { op: 'add', path: '/metadata/labels', value: { x: 'y' } },
    ]);
    const changed = { spec: nest(200_000, 2), metadata: {} };
    const patch = diffToJsonPatch(before, changed);
    expect(patch).toHaveLength(1);
    expect(patch[0]?.op).toBe('replace');
    expect(patch[0]?.path).toBe('/spec' + '/a'.repeat(200_000));
  });

  it('emits operations in the order of a depth-first walk: each subtree before the next key', () => {
    expect(
      diffToJsonPatch(
        { a: { x: 1, y: { z: 1 } }, b: 1, c: { d: 1 } },
        { a: { x: 2, y: { z: 2 }, w: 0 }, b: 2, e: 3, c: { d: 2 } },
      ),
    ).toEqual([
      { op: 'replace', path: '/a/x', value: 2 },
      { op: 'replace', path: '/a/y/z', value: 2 },
      { op: 'add', path: '/a/w', value: 0 },
      { op: 'replace', path: '/b', value: 2 },
      { op: 'add', path: '/e', value: 3 },
      { op: 'replace', path: '/c/d', value: 2 },
    ]);
  });
});
