import { NO_CLUSTER } from './cluster-snapshot.js';
import type { KubeObject } from './kube-object.js';
import { diffToJsonPatch } from '../admission/json-patch.js';
import {
  createMutator,
  hasOwnMembers,
  OVERLAY_MIN_MEMBERS,
  overlayChanges,
  writableCopy,
} from './mutation-engine.js';
import type { MutatorDefinition } from './rule.js';
import { input } from './test-support/fixtures.js';
import { testPolicy } from './test-support/test-policy.js';

/** A mutator that sets `spec[key] = value`, then throws when `fail` is given. */
function setter(key: string, value: unknown, fail?: string): MutatorDefinition {
  return {
    id: `set-${key}`,
    targets: ['Profile'],
    writes: [['spec']],
    apply: (_ctx, draft) => {
      const spec = (draft.spec ??= {}) as Record<string, unknown>;
      spec[key] = value;
      if (fail !== undefined) throw new Error(fail);
    },
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

const profile = (): KubeObject =>
  deepFreeze({ apiVersion: 'kubeflow.org/v1', kind: 'Profile', metadata: { name: 't' }, spec: {} });

const run = (mutators: MutatorDefinition[], object: KubeObject | undefined = profile()) =>
  createMutator(mutators)(input('Profile', object), testPolicy(), NO_CLUSTER);

describe('createMutator', () => {
  it('applies every mutator in order to a copy, leaving the request object as it was', () => {
    const object = profile();
    const result = run([setter('a', 1), setter('b', { c: [1] })], object);
    expect(result).toEqual({
      mutated: { ...object, spec: { a: 1, b: { c: [1] } } },
      applied: ['set-a', 'set-b'],
      errors: [],
    });
    expect(object.spec).toEqual({});
  });

  it('discards the partial edits of a mutator that throws, keeps the others, reports it', () => {
    const result = run([setter('a', 1), setter('b', 2, 'boom'), setter('c', 3)]);
    expect(result).toEqual({
      mutated: { ...profile(), spec: { a: 1, c: 3 } },
      applied: ['set-a', 'set-c'],
      errors: [{ id: 'set-b', path: 'spec', message: 'boom' }],
    });
  });

  it('reports every failing mutator, and a non-Error throw as its text', () => {
    const odd: MutatorDefinition = {
      id: 'odd',
      targets: ['Profile'],
      writes: [],
      apply: (_ctx, draft) => {
        draft.metadata = { name: 'changed' };
        throw 'not an error'; // eslint-disable-line @typescript-eslint/only-throw-error
      },
    };
    const result = run([setter('a', 1, 'first'), odd, setter('b', 2)]);
    expect(result?.mutated).toEqual({ ...profile(), spec: { b: 2 } });
    expect(result?.applied).toEqual(['set-b']);
    expect(result?.errors).toEqual([
      { id: 'set-a', path: 'spec', message: 'first' },
      { id: 'odd', path: 'metadata', message: 'not an error' },
    ]);
  });

  it('shows each mutator the edits of those before it as ctx.object', () => {
    const seen: unknown[] = [];
    const reader: MutatorDefinition = {
      id: 'reader',
      targets: ['Profile'],
      writes: [],
      apply: (ctx) => {
        seen.push(structuredClone(ctx.object.spec));
      },
    };
    run([setter('a', 1), reader, setter('b', 2), reader]);
    expect(seen).toEqual([{ a: 1 }, { a: 1, b: 2 }]);
  });

  it('runs only the mutators of the target kind', () => {
    const namespaceOnly: MutatorDefinition = { ...setter('x', 1), targets: ['Namespace'] };
    expect(run([namespaceOnly, setter('a', 1)])?.applied).toEqual(['set-a']);
  });

  it('has nothing to mutate for DELETE, CONNECT or a missing object', () => {
    const mutate = createMutator([setter('a', 1)]);
    for (const operation of ['DELETE', 'CONNECT'] as const) {
      const request = input('Profile', profile(), { operation, oldObject: profile() });
      expect(mutate(request, testPolicy(), NO_CLUSTER)).toBeUndefined();
    }
    expect(mutate(input('Profile', undefined), testPolicy(), NO_CLUSTER)).toBeUndefined();
  });
});

describe('createMutator copy-on-write drafts', () => {
  const labeller: MutatorDefinition = {
    id: 'labeller',
    targets: ['Profile'],
    writes: [['metadata', 'labels']],
    apply: (_ctx, draft) => {
      const labels = draft.metadata?.labels as Record<string, unknown>;
      labels.added = 'yes';
    },
  };

  it('copies the written containers and their ancestors, and shares everything else', () => {
    const object = deepFreeze({
      apiVersion: 'kubeflow.org/v1',
      kind: 'Profile',
      metadata: { name: 't', labels: { kept: 'k' }, annotations: { a: 'b' } },
      spec: { plugins: [{ kind: 'WorkloadIdentity', spec: { deep: { er: 1 } } }] },
    }) as KubeObject;
    const result = run([labeller], object);
    expect(result?.errors).toEqual([]);
    expect(result?.mutated.metadata?.labels).toEqual({ kept: 'k', added: 'yes' });
    expect(object.metadata?.labels).toEqual({ kept: 'k' });
    expect(result?.mutated).not.toBe(object);
    expect(result?.mutated.metadata).not.toBe(object.metadata);
    expect(result?.mutated.spec).toBe(object.spec);
    expect(result?.mutated.metadata?.annotations).toBe(object.metadata?.annotations);
  });

  it('mutates an object nested 200 000 levels deep without copying or walking the nesting', () => {
    let deep: unknown = 'leaf';
    for (let level = 0; level < 200_000; level++) deep = { a: deep };
    const object = Object.freeze({
      apiVersion: 'kubeflow.org/v1',
      kind: 'Profile',
      metadata: Object.freeze({ name: 't', labels: Object.freeze({}) }),
      spec: Object.freeze({ plugins: Object.freeze([Object.freeze({ spec: deep })]) }),
    }) as KubeObject;
    const result = run([labeller], object);
    expect(result?.errors).toEqual([]);
    expect(result?.mutated.spec).toBe(object.spec);
  });

  it('reports a mutator that edits a container it did not declare, leaving the object as it was', () => {
    const sneaky: MutatorDefinition = {
      id: 'sneaky',
      targets: ['Profile'],
      writes: [],
      apply: (_ctx, draft) => {
        (draft.spec as Record<string, unknown>).x = 1;
      },
    };
    const result = run([sneaky]);
    expect(result?.applied).toEqual([]);
    expect(result?.errors.map((error) => error.id)).toEqual(['sneaky']);
  });
});

describe('overlay drafts of large maps', () => {
  const many = (count: number): Record<string, string> =>
    Object.fromEntries(Array.from({ length: count }, (_, index) => [`l${String(index)}`, 'v']));

  /** Runs `edit` on a plain copy and on an overlay draft of the same map; both must agree. */
  function bothWays(base: Record<string, unknown>, edit: (map: Record<string, unknown>) => void) {
    const object = deepFreeze({ metadata: { labels: base } }) as KubeObject;
    const draft = writableCopy(object, [['metadata', 'labels']]);
    const overlaid = (draft.metadata as Record<string, Record<string, unknown>>).labels!;
    const copy = { ...base };
    edit(overlaid);
    edit(copy);
    return { object, draft, overlaid, copy };
  }

  it.each<[string, (map: Record<string, unknown>) => void]>([
    ['adds', (map) => Object.assign(map, { new1: 'a', new2: 'b' })],
    ['replaces', (map) => (map.l3 = 'changed')],
    ['deletes', (map) => delete map.l5],
    ['adds an integer-like member', (map) => (map['7'] = 'x')],
    ['writes undefined', (map) => (map.l1 = undefined)],
    ['adds then deletes', (map) => ((map.tmp = 1), delete map.tmp)],
  ])('reads, enumerates and diffs as a copy would when a mutator %s', (_name, edit) => {
    const { object, draft, overlaid, copy } = bothWays({ ...many(100), '3': 'n' }, edit);
    expect(Object.keys(overlaid)).toEqual(Object.keys(copy));
    expect(JSON.stringify(overlaid)).toBe(JSON.stringify(copy));
    expect({ ...overlaid }).toEqual(copy);
    for (const key of ['l0', 'l3', 'l5', 'new1', '7', 'tmp', 'missing', 'toString']) {
      expect([key in overlaid, Object.hasOwn(overlaid, key), overlaid[key]]).toEqual([
        key in copy,
        Object.hasOwn(copy, key),
        copy[key],
      ]);
    }
    const plain = { metadata: { labels: copy } };
    expect(diffToJsonPatch(object, draft)).toEqual(diffToJsonPatch(object, plain));
    // The request's map is untouched.
    expect(Object.keys((object.metadata as Record<string, object>).labels!)).toHaveLength(101);
  });

  it('a small map is copied, a large one overlaid', () => {
    const small = { metadata: { labels: many(OVERLAY_MIN_MEMBERS) } };
    const large = { metadata: { labels: many(OVERLAY_MIN_MEMBERS + 1) } };
    const labelsOf = (object: KubeObject) => (object.metadata as Record<string, object>).labels;
    const smallDraft = writableCopy(small, [['metadata', 'labels']]);
    const largeDraft = writableCopy(large, [['metadata', 'labels']]);
    (labelsOf(largeDraft) as Record<string, string>).x = 'y';
    expect(overlayChanges(labelsOf(small), labelsOf(smallDraft))).toBeUndefined();
    expect(overlayChanges(labelsOf(large), labelsOf(largeDraft))).toEqual(['x']);
  });

  it.each([1000, 4000])(
    'adding labels to %p of them reads a fixed number of their members (work does not grow with them)',
    (count) => {
      let reads = 0;
      const labels = new Proxy(many(count), {
        get(target, key, receiver) {
          reads++;
          return Reflect.get(target, key, receiver) as unknown;
        },
        ownKeys(target) {
          reads += Object.keys(target).length;
          return Reflect.ownKeys(target);
        },
      });
      const object: KubeObject = { metadata: { name: 'p', labels } };
      const mutator: MutatorDefinition = {
        id: 'add',
        targets: ['Profile'],
        writes: [['metadata', 'labels']],
        apply: (_ctx, draft) => {
          const map = (draft.metadata as Record<string, Record<string, unknown>>).labels!;
          if (!Object.hasOwn(map, 'team')) map.team = 'a';
        },
      };
      const result = createMutator([mutator])(input('Profile', object), testPolicy(), NO_CLUSTER);
      reads = 0;
      expect(diffToJsonPatch(object, result?.mutated)).toEqual([
        { op: 'add', path: '/metadata/labels/team', value: 'a' },
      ]);
      // Diffing reads the one member written (and the copy-on-write check read a few): no more.
      expect(reads).toBeLessThanOrEqual(2);
    },
  );

  it('hasOwnMembers tells an empty map from one with members, plain or overlaid', () => {
    expect(hasOwnMembers({})).toBe(false);
    expect(hasOwnMembers({ a: 'b' })).toBe(true);
    expect(hasOwnMembers(Object.create({ inherited: 1 }) as Record<string, unknown>)).toBe(false);
    const large = many(OVERLAY_MIN_MEMBERS + 1);
    const draft = () =>
      (
        writableCopy({ metadata: { labels: large } }, [['metadata', 'labels']]).metadata as Record<
          string,
          Record<string, unknown>
        >
      ).labels!;
    const overlaid = draft();
    expect(overlayChanges(large, overlaid)).toEqual([]);
    expect(hasOwnMembers(overlaid)).toBe(true);
    // Every member removed but one, then that one too: the overlay is empty only then.
    const emptied = draft();
    for (const key of Object.keys(large).slice(1)) Reflect.deleteProperty(emptied, key);
    expect(hasOwnMembers(emptied)).toBe(true);
    Reflect.deleteProperty(emptied, 'l0');
    expect(hasOwnMembers(emptied)).toBe(false);
  });

  it('hasOwnMembers does not list an overlay of a large map', () => {
    let listed = 0;
    const labels = new Proxy(many(1000), {
      ownKeys(target) {
        listed++;
        return Reflect.ownKeys(target);
      },
    });
    const draft = writableCopy({ metadata: { labels } }, [['metadata', 'labels']]);
    listed = 0;
    const overlaid = (draft.metadata as Record<string, Record<string, unknown>>).labels!;
    overlaid.extra = 'x';
    expect(hasOwnMembers(overlaid)).toBe(true);
    expect(listed).toBe(0);
  });
});

describe("createMutator with drafts: 'overlay'", () => {
  /** Adds `extra` to `spec.hard` unless the map has members already. */
  const fillEmpty: MutatorDefinition = {
    id: 'fill-empty',
    targets: ['Profile'],
    writes: [
      ['spec', 'hard'],
      ['metadata', 'labels'],
    ],
    apply: (_ctx, draft) => {
      const hard = (draft.spec as Record<string, Record<string, unknown>> | undefined)?.hard;
      if (hard !== undefined && !hasOwnMembers(hard)) hard.extra = '1';
      const labels = (draft.metadata as Record<string, Record<string, unknown>>).labels;
      if (labels !== undefined) {
        labels.team = 'a';
        labels.l1 = 'changed';
      }
    },
  };
  const objects: [string, KubeObject][] = [
    ['an empty hard', { metadata: { name: 'p' }, spec: { hard: {} } }],
    ['a small hard', { metadata: { name: 'p', labels: { l1: 'v' } }, spec: { hard: { a: '1' } } }],
    [
      'a hard with inherited members only',
      { metadata: { name: 'p' }, spec: { hard: Object.create({ a: 1 }) as object } },
    ],
    [
      'large maps',
      {
        metadata: {
          name: 'p',
          labels: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`l${i}`, 'v'])),
        },
        spec: { hard: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`r${i}`, '1'])) },
      },
    ],
  ];

  it.each(objects)('reads, enumerates and diffs as the copies would, for %s', (_name, object) => {
    const frozen = deepFreeze(object);
    const mutate = (drafts: 'auto' | 'overlay') =>
      createMutator([fillEmpty], { drafts })(input('Profile', frozen), testPolicy(), NO_CLUSTER);
    const auto = mutate('auto');
    const overlaid = mutate('overlay');
    expect(JSON.stringify(overlaid?.mutated)).toBe(JSON.stringify(auto?.mutated));
    expect(diffToJsonPatch(frozen, overlaid?.mutated)).toEqual(
      diffToJsonPatch(frozen, auto?.mutated),
    );
    // Every written container is an overlay, however small.
    const hardOf = (result: typeof auto) => (result?.mutated.spec as Record<string, object>).hard;
    expect(overlayChanges((frozen.spec as Record<string, object>).hard, hardOf(overlaid))).toEqual(
      expect.any(Array),
    );
  });

  it('hasOwnMembers reads a small overlay from its base and what was written', () => {
    const draftOf = (hard: Record<string, unknown>) =>
      (
        writableCopy({ spec: { hard } }, [['spec', 'hard']], true).spec as Record<
          string,
          Record<string, unknown>
        >
      ).hard!;
    expect(hasOwnMembers(draftOf({}))).toBe(false);
    expect(hasOwnMembers(draftOf({ a: '1' }))).toBe(true);
    const emptied = draftOf({ a: '1' });
    Reflect.deleteProperty(emptied, 'a');
    expect(hasOwnMembers(emptied)).toBe(false);
    emptied.b = undefined;
    expect(hasOwnMembers(emptied)).toBe(true);
  });
});
