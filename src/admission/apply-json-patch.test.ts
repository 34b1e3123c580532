import { applyJsonPatch } from './apply-json-patch.js';
import { diffToJsonPatch, type JsonPatchOperation } from './json-patch.js';

describe('applyJsonPatch', () => {
  it('applies add, replace and remove, unescaping ~1 and ~0 in keys', () => {
    const document = { metadata: { name: 'team', labels: { old: 'x' } }, spec: { a: 1 } };
    const patch: JsonPatchOperation[] = [
      { op: 'add', path: '/metadata/labels/app.kubernetes.io~1part-of', value: 'kubeflow' },
      { op: 'add', path: '/metadata/labels/a~0b', value: 'tilde' },
      { op: 'replace', path: '/spec/a', value: { hard: { cpu: '4' } } },
      { op: 'remove', path: '/metadata/labels/old' },
    ];
    expect(applyJsonPatch(document, patch)).toEqual({
      metadata: {
        name: 'team',
        labels: { 'app.kubernetes.io/part-of': 'kubeflow', 'a~b': 'tilde' },
      },
      spec: { a: { hard: { cpu: '4' } } },
    });
  });

  it('leaves the document and the patch as they were, and shares nothing with them', () => {
    const document = { spec: {} };
    const value = { hard: { cpu: '4' } };
    const patch: JsonPatchOperation[] = [{ op: 'add', path: '/spec/quota', value }];
    const patched = applyJsonPatch(document, patch) as { spec: { quota: typeof value } };
    expect(document).toEqual({ spec: {} });
    expect(patch).toEqual([{ op: 'add', path: '/spec/quota', value: { hard: { cpu: '4' } } }]);
    patched.spec.quota.hard.cpu = '8';
    expect(value.hard.cpu).toBe('4');
  });

  it('replaces the whole document at the empty path', () => {
    expect(applyJsonPatch({ a: 1 }, [{ op: 'replace', path: '', value: { b: 2 } }])).toEqual({
      b: 2,
    });
  });

  it.each<[string, JsonPatchOperation]>([
    ['an add under a missing parent', { op: 'add', path: '/spec/missing/key', value: 1 }],
    ['a replace of a missing member', { op: 'replace', path: '/spec/missing', value: 1 }],
    ['a remove of a missing member', { op: 'remove', path: '/spec/missing' }],
    ['a path through __proto__', { op: 'add', path: '/__proto__/polluted', value: 1 }],
  ])('throws for %s, as the API server refuses the patch', (_label, operation) => {
    expect(() => applyJsonPatch({ spec: {} }, [operation])).toThrow();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('turns a diff’s before into its after', () => {
    const before = { metadata: { name: 'n', labels: { a: '1' } }, list: [1, 2] };
    const after = { metadata: { name: 'n', labels: { a: '2', 'b/c': '3' } }, list: [2], spec: {} };
    expect(applyJsonPatch(before, diffToJsonPatch(before, after))).toEqual(after);
  });
});
