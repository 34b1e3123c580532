import { NO_CLUSTER } from './cluster-snapshot.js';
import { createValidator, MAX_RATCHET_WORK, MAX_RATCHETED_VIOLATIONS } from './engine.js';
import type { KubeObject } from './kube-object.js';
import type { Policy, PolicySpec } from './policy-spec.js';
import { asString, getPath } from './object-access.js';
import { ratchetKeysComputed } from './ratchet-key.js';
import { DeferredViolations, failIf, type RuleDefinition } from './rule.js';
import { input } from './test-support/fixtures.js';

const baseSpec = {
  defaultMode: 'Enforce',
  ruleModes: {},
  priority: 0,
  exemptions: { users: ['root'], groups: ['system:masters'], serviceAccounts: ['kube-system/gc'] },
} as unknown as PolicySpec;
const policy = (spec: Partial<PolicySpec> = {}): Policy => ({
  name: 't',
  generation: 1,
  spec: { ...baseSpec, ...spec },
});

// A rule that fails when spec.owner.name is not "ok"; a structural one on metadata.name.
const ownerRule: RuleDefinition = {
  id: 'profile-owner-domain',
  targets: ['Profile'],
  operations: ['CREATE', 'UPDATE'],
  structural: false,
  description: 'test',
  clusterState: 'none',
  check: ({ object }) =>
    failIf(
      asString(getPath(object, 'spec', 'owner', 'name')) === 'ok'
        ? []
        : [{ path: 'spec.owner.name', message: 'spec.owner.name is not ok' }],
    ),
};
const structural: RuleDefinition = {
  id: 'profile-name-format',
  targets: ['Profile'],
  operations: ['CREATE', 'UPDATE'],
  structural: true,
  description: 'test',
  clusterState: 'none',
  check: ({ object }) =>
    failIf(
      getPath(object, 'metadata', 'name') === 'bad'
        ? [{ path: 'metadata.name', message: 'bad name' }]
        : [],
    ),
};
const throwing: RuleDefinition = {
  id: 'profile-plugin',
  targets: ['Profile'],
  operations: ['CREATE'],
  structural: false,
  description: 'test',
  clusterState: 'none',
  check: () => {
    throw new Error('boom');
  },
};

const profile = (name: string, owner: string, extra: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: 'kubeflow.org/v1',
  kind: 'Profile',
  metadata: { name },
  spec: { owner: { kind: 'User', name: owner } },
  ...extra,
});

describe('createValidator', () => {
  const validate = createValidator([structural, ownerRule]);

  it('allows when every rule passes', () => {
    const result = validate(input('Profile', profile('a', 'ok')), policy(), NO_CLUSTER);
    expect(result.allowed).toBe(true);
    expect(result.evaluations.map((e) => e.status)).toEqual(['pass', 'pass']);
  });

  it('denies with every failing rule in catalog order', () => {
    const result = validate(input('Profile', profile('bad', 'no')), policy(), NO_CLUSTER);
    expect(result.allowed).toBe(false);
    expect(result.denials.map((d) => d.ruleId)).toEqual([
      'profile-name-format',
      'profile-owner-domain',
    ]);
  });

  it.each([
    ['Warn', 'warnings'],
    ['Audit', 'audits'],
  ] as const)('reports a %s-mode failure without denying', (mode, bucket) => {
    const result = validate(
      input('Profile', profile('a', 'no')),
      policy({ ruleModes: { 'profile-owner-domain': mode } }),
      NO_CLUSTER,
    );
    expect(result.allowed).toBe(true);
    expect(result[bucket]).toHaveLength(1);
  });

  it('does not run Disabled rules', () => {
    const result = validate(
      input('Profile', profile('a', 'no')),
      policy({ ruleModes: { 'profile-owner-domain': 'Disabled' } }),
      NO_CLUSTER,
    );
    expect(result.allowed).toBe(true);
    expect(result.evaluations.map((e) => e.ruleId)).toEqual(['profile-name-format']);
  });

  it.each([
    { username: 'root', groups: [] },
    { username: 'x', groups: ['system:masters'] },
    { username: 'system:serviceaccount:kube-system:gc', groups: [] },
  ])('skips non-structural rules for exempt caller %o but keeps structural ones', (user) => {
    const result = validate(input('Profile', profile('bad', 'no'), { user }), policy(), NO_CLUSTER);
    expect(result.exempt).toBe(true);
    expect(result.denials.map((d) => d.ruleId)).toEqual(['profile-name-format']);
  });

  it('ratchets a violation the stored object already had into a warning', () => {
    const result = validate(
      input('Profile', profile('a', 'no', { metadata: { name: 'a', labels: { x: 'y' } } }), {
        operation: 'UPDATE',
        oldObject: profile('a', 'no'),
      }),
      policy(),
      NO_CLUSTER,
    );
    expect(result.allowed).toBe(true);
    expect(result.warnings).toMatchObject([{ ruleId: 'profile-owner-domain', ratcheted: true }]);
  });

  it('denies a new violation on UPDATE', () => {
    const result = validate(
      input('Profile', profile('a', 'no'), { operation: 'UPDATE', oldObject: profile('a', 'ok') }),
      policy(),
      NO_CLUSTER,
    );
    expect(result.allowed).toBe(false);
  });

  it('never denies an update that only changes finalizers', () => {
    const old = profile('a', 'ok', { metadata: { name: 'a', finalizers: ['x'] } });
    const next = profile('a', 'ok', { metadata: { name: 'a', finalizers: [] } });
    const strict = createValidator([
      { ...ownerRule, check: () => failIf([{ path: 'spec', message: 'always' }]) },
    ]);
    // The old object fails too here, but the point is the metadata-only exception on its own:
    const result = strict(
      input('Profile', next, { operation: 'UPDATE', oldObject: old }),
      policy(),
      NO_CLUSTER,
    );
    expect(result.allowed).toBe(true);
  });

  it('turns a throwing rule into an error that fails closed', () => {
    const result = createValidator([throwing])(
      input('Profile', profile('a', 'ok')),
      policy(),
      NO_CLUSTER,
    );
    expect(result.allowed).toBe(false);
    expect(result.evaluations[0]).toMatchObject({ status: 'error', ruleId: 'profile-plugin' });
    expect(result.denials[0]?.message).toContain('boom');
  });

  it('evaluates the stored object on DELETE', () => {
    const deleting = createValidator([{ ...ownerRule, operations: ['DELETE'] }]);
    const result = deleting(
      input('Profile', undefined, { operation: 'DELETE', oldObject: profile('a', 'no') }),
      policy(),
      NO_CLUSTER,
    );
    expect(result.allowed).toBe(false);
  });
});

describe('ratcheting by value', () => {
  // Fails every string in `spec.values` other than "ok", every non-default subject, and every
  // `hard` value other than "1"; each violation points at the offending value.
  const listRule: RuleDefinition = {
    ...ownerRule,
    check: ({ object }) => {
      const values = (getPath(object, 'spec', 'values') ?? []) as unknown[];
      const hard = (getPath(object, 'spec', 'hard') ?? {}) as Record<string, unknown>;
      return failIf([
        ...values.flatMap((value, index) =>
          value === 'ok' ? [] : [{ path: `spec.values[${index}]`, message: 'not ok' }],
        ),
        ...Object.entries(hard).flatMap(([key, value]) =>
          value === '1' ? [] : [{ path: `spec.hard[${JSON.stringify(key)}]`, message: 'not 1' }],
        ),
      ]);
    },
  };
  const subjectRule: RuleDefinition = {
    ...ownerRule,
    targets: ['RoleBinding'],
    check: ({ object }) =>
      failIf(
        ((object.subjects ?? []) as { name?: string }[]).flatMap((subject, index) =>
          subject.name === 'default-editor' && index >= 0
            ? []
            : [{ path: `subjects[${index}].name`, message: 'foreign' }],
        ),
      ),
  };
  const validate = createValidator([listRule, subjectRule]);
  const withSpec = (spec: Record<string, unknown>): KubeObject => ({
    apiVersion: 'kubeflow.org/v1',
    kind: 'Profile',
    metadata: { name: 'a' },
    spec,
  });
  const update = (oldObject: KubeObject, object: KubeObject, target: 'Profile' | 'RoleBinding') =>
    validate(input(target, object, { operation: 'UPDATE', oldObject }), policy(), NO_CLUSTER);
  const outcome = (result: ReturnType<typeof validate>) => ({
    denied: result.denials.map((d) => d.path),
    ratcheted: result.warnings.filter((w) => w.ratcheted).map((w) => w.path),
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>, object]>([
    [
      'a changed value at the same index is judged afresh',
      { values: ['monitoring'] },
      { values: ['*'] },
      { denied: ['spec.values[0]'], ratcheted: [] },
    ],
    [
      'an unchanged value keeps its warning wherever it moves in the list',
      { values: ['monitoring'] },
      { values: ['extra', 'monitoring'] },
      { denied: ['spec.values[0]'], ratcheted: ['spec.values[1]'] },
    ],
    [
      'an unchanged list is ratcheted in full',
      { values: ['a', 'b'] },
      { values: ['b', 'a'] },
      { denied: [], ratcheted: ['spec.values[0]', 'spec.values[1]'] },
    ],
    [
      'a raised quota is a new violation',
      { hard: { cpu: '100' } },
      { hard: { cpu: '10000' } },
      { denied: ['spec.hard["cpu"]'], ratcheted: [] },
    ],
    [
      'an unchanged quota is ratcheted, a newly violating key is not',
      { hard: { cpu: '100' } },
      { hard: { cpu: '100', memory: '2' } },
      { denied: ['spec.hard["memory"]'], ratcheted: ['spec.hard["cpu"]'] },
    ],
    [
      'the same value under another key is a new violation',
      { hard: { cpu: '100' } },
      { hard: { 'requests.cpu': '100' } },
      { denied: ['spec.hard["requests.cpu"]'], ratcheted: [] },
    ],
  ])('%s', (_name, before, after, expected) => {
    expect(outcome(update(withSpec(before), withSpec(after), 'Profile'))).toEqual(expected);
  });

  const binding = (...subjects: Record<string, string>[]): KubeObject => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'b', namespace: 'alice' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kubeflow-edit' },
    subjects,
  });
  const sa = (namespace: string, name: string) => ({ kind: 'ServiceAccount', namespace, name });

  it('matches subjects by kind, namespace and name, never by index', () => {
    const stored = binding(sa('team-shared', 'ci'));
    expect(outcome(update(stored, binding(sa('bob', 'ci')), 'RoleBinding'))).toEqual({
      denied: ['subjects[0].name'],
      ratcheted: [],
    });
    expect(
      outcome(
        update(
          stored,
          binding(sa('alice', 'default-editor'), sa('team-shared', 'ci')),
          'RoleBinding',
        ),
      ),
    ).toEqual({ denied: [], ratcheted: ['subjects[1].name'] });
    expect(
      outcome(update(stored, binding(sa('bob', 'x'), sa('team-shared', 'ci')), 'RoleBinding')),
    ).toEqual({ denied: ['subjects[0].name'], ratcheted: ['subjects[1].name'] });
    expect(
      outcome(
        update(
          stored,
          binding({ kind: 'User', namespace: 'team-shared', name: 'ci' }),
          'RoleBinding',
        ),
      ),
    ).toEqual({ denied: ['subjects[0].name'], ratcheted: [] });
  });

  it('identifies other list elements by their whole content', () => {
    const fromRule: RuleDefinition = {
      ...ownerRule,
      check: ({ object }) =>
        failIf(
          ((getPath(object, 'spec', 'rules') ?? []) as Record<string, unknown>[]).flatMap(
            (rule, index) =>
              rule.from === undefined
                ? [{ path: `spec.rules[${index}].from`, message: 'open' }]
                : [],
          ),
        ),
    };
    const strict = createValidator([fromRule]);
    const run = (before: unknown[], after: unknown[]) =>
      outcome(
        strict(
          input('Profile', withSpec({ rules: after }), {
            operation: 'UPDATE',
            oldObject: withSpec({ rules: before }),
          }),
          policy(),
          NO_CLUSTER,
        ),
      );
    const narrow = { to: [{ operation: { paths: ['/api'] } }] };
    expect(run([narrow], [{}])).toEqual({ denied: ['spec.rules[0].from'], ratcheted: [] });
    expect(run([narrow], [{ from: [] }, narrow])).toEqual({
      denied: [],
      ratcheted: ['spec.rules[1].from'],
    });
    // Key order does not make content different.
    expect(
      run(
        [{ to: [{ operation: { paths: ['/a'], methods: ['GET'] } }] }],
        [{ to: [{ operation: { methods: ['GET'], paths: ['/a'] } }] }],
      ),
    ).toEqual({ denied: [], ratcheted: ['spec.rules[0].from'] });
  });

  it('never ratchets a rule that says so, except on a metadata-only update', () => {
    const never = createValidator([{ ...ownerRule, ratchets: false }]);
    const stored = profile('a', 'no');
    const relabelled = profile('a', 'no', { metadata: { name: 'a', labels: { x: 'y' } } });
    const finalized = profile('a', 'no', { metadata: { name: 'a', finalizers: ['f'] } });
    const run = (object: KubeObject) =>
      never(
        input('Profile', object, { operation: 'UPDATE', oldObject: stored }),
        policy(),
        NO_CLUSTER,
      );
    expect(run(relabelled).allowed).toBe(false);
    expect(run(finalized).allowed).toBe(true);
    expect(run(finalized).warnings).toMatchObject([{ ratcheted: true }]);
  });

  it('never ratchets a violation whose path does not lead into the object', () => {
    const odd = createValidator([
      { ...ownerRule, check: () => failIf([{ path: 'spec..x', message: 'odd' }]) },
    ]);
    const stored = profile('a', 'no');
    const result = odd(
      input('Profile', profile('a', 'no', { metadata: { name: 'a', labels: {} } }), {
        operation: 'UPDATE',
        oldObject: stored,
      }),
      policy(),
      NO_CLUSTER,
    );
    expect(result.denials.map((d) => d.path)).toEqual(['spec..x']);
  });

  it('does not run the rule over the stored object unless a violation could be ratcheted', () => {
    const runs: string[] = [];
    const counting: RuleDefinition = {
      ...ownerRule,
      check: (ctx) => {
        runs.push(ctx.run);
        return ownerRule.check(ctx);
      },
    };
    const counted = createValidator([counting]);
    const stored = profile('a', 'no');
    counted(
      input('Profile', profile('a', 'ok'), { operation: 'UPDATE', oldObject: stored }),
      policy(),
      NO_CLUSTER,
    );
    counted(
      input('Profile', profile('a', 'no', { metadata: { name: 'a', labels: {} } }), {
        operation: 'UPDATE',
        oldObject: stored,
      }),
      policy({ ruleModes: { 'profile-owner-domain': 'Warn' } }),
      NO_CLUSTER,
    );
    expect(runs).toEqual(['request', 'request']);
  });
});

describe('bounded findings', () => {
  const many: RuleDefinition = {
    ...ownerRule,
    check: ({ object }) =>
      failIf(
        ((getPath(object, 'spec', 'values') ?? []) as unknown[]).map((_value, index) => ({
          path: `spec.values[${index}]`,
          message: `spec.values[${index}] is bad`,
        })),
      ),
  };
  const validate = createValidator([many]);
  const withValues = (count: number): KubeObject => ({
    apiVersion: 'kubeflow.org/v1',
    kind: 'Profile',
    metadata: { name: 'a' },
    spec: { values: Array.from({ length: count }, (_, index) => `v${index}`) },
  });

  it('lists 20 findings of a rule and summarises the rest, deciding on all of them', () => {
    const result = validate(input('Profile', withValues(100_000)), policy(), NO_CLUSTER);
    expect(result.allowed).toBe(false);
    expect(result.denials).toHaveLength(21);
    expect(result.denials[19]?.path).toBe('spec.values[19]');
    expect(result.denials[20]).toEqual({
      ruleId: 'profile-owner-domain',
      mode: 'Enforce',
      path: 'spec.values[20]',
      message:
        'spec.values[20] and 99979 more fields (99980 in all) fail this rule too; only the first 20 are listed',
      ratcheted: false,
    });
    expect(result.evaluations[0]?.findings).toHaveLength(21);
  });

  it('reads the message of reported findings only, however many violations there are', () => {
    // Each violation counts the reads of its message; the path is free.
    const judgeCounted = (count: number, operation: 'CREATE' | 'UPDATE') => {
      let reads = 0;
      const counted: RuleDefinition = {
        ...ownerRule,
        check: ({ object }) =>
          failIf(
            ((getPath(object, 'spec', 'values') ?? []) as unknown[]).map((_value, index) => ({
              path: `spec.values[${index}]`,
              get message() {
                reads++;
                return `spec.values[${index}] is bad`;
              },
            })),
          ),
      };
      const object = withValues(count);
      const result = createValidator([counted])(
        input(
          'Profile',
          object,
          operation === 'UPDATE'
            ? { operation, oldObject: { ...withValues(count), metadata: { name: 'b' } } }
            : {},
        ),
        policy(),
        NO_CLUSTER,
      );
      return { reads, result };
    };
    // An UPDATE stays within the ratcheting bound, so that its violations are ratcheted.
    for (const [operation, largeCount] of [
      ['CREATE', 2000],
      ['UPDATE', MAX_RATCHETED_VIOLATIONS],
    ] as const) {
      const small = judgeCounted(500, operation);
      const large = judgeCounted(largeCount, operation);
      // The 20 listed (denials on CREATE; ratcheted warnings on UPDATE), nothing else.
      expect(small.reads).toBe(20);
      expect(large.reads).toBe(20);
      const listed = operation === 'CREATE' ? large.result.denials : large.result.warnings;
      expect(listed).toHaveLength(21);
      expect(listed[20]?.message).toBe(
        `spec.values[20] and ${String(largeCount - 21)} more fields (${String(largeCount - 20)} in all) fail this rule too; only the first 20 are listed`,
      );
    }
  });

  it('reads 21 violations of a sequence recorded unwritten, and judges on all of them', () => {
    /** Records every value as a violation; counts the violations made (read). */
    const judgeDeferred = (object: KubeObject, oldObject?: KubeObject) => {
      let made = 0;
      const deferred: RuleDefinition = {
        ...ownerRule,
        check: ({ object: judged }) => {
          const violations = new DeferredViolations<string>((base, index) => {
            made++;
            return { path: `${base}[${index}]`, message: `${base}[${index}] is bad` };
          });
          const values = (getPath(judged, 'spec', 'values') ?? []) as unknown[];
          for (let index = 0; index < values.length; index++) violations.add('spec.values', index);
          return failIf(violations);
        },
      };
      const options = oldObject === undefined ? {} : { operation: 'UPDATE' as const, oldObject };
      const result = createValidator([deferred])(
        input('Profile', object, options),
        policy(),
        NO_CLUSTER,
      );
      return { made, result };
    };
    // The same answer as the same violations in a plain list, with 21 of 100 000 made.
    const created = judgeDeferred(withValues(100_000));
    const plain = validate(input('Profile', withValues(100_000)), policy(), NO_CLUSTER);
    expect(created.result).toEqual(plain);
    expect(created.made).toBe(21);
    // Matched with the stored object's one by one, each is made (both objects': 31 + 30).
    const stored = withValues(30);
    const updated = judgeDeferred(
      { ...withValues(31), metadata: { name: 'a', labels: { x: 'y' } } },
      stored,
    );
    expect(updated.made).toBe(61);
    expect(updated.result.denials.map((finding) => finding.path)).toEqual(['spec.values[30]']);
    expect(updated.result.warnings).toHaveLength(21);
    expect(updated.result.warnings[20]?.message).toContain('(10 in all)');
  });

  it('keeps 20 findings as they are', () => {
    const result = validate(input('Profile', withValues(20)), policy(), NO_CLUSTER);
    expect(result.denials.map((finding) => finding.path)).toEqual(
      Array.from({ length: 20 }, (_, index) => `spec.values[${index}]`),
    );
  });

  it('caps ratcheted warnings apart from new denials', () => {
    const stored = withValues(30);
    const next = { ...withValues(31), metadata: { name: 'a', labels: { x: 'y' } } };
    const result = validate(
      input('Profile', next, { operation: 'UPDATE', oldObject: stored }),
      policy(),
      NO_CLUSTER,
    );
    // Values are content-identified: all 30 stored ones are kept, the new one is denied.
    expect(result.denials.map((finding) => finding.path)).toEqual(['spec.values[30]']);
    expect(result.warnings).toHaveLength(21);
    expect(result.warnings[20]?.ratcheted).toBe(true);
  });
});

describe('the ratcheting bound', () => {
  const N = MAX_RATCHETED_VIOLATIONS;
  // Fails every entry of spec.values (each a string identified by its content); counts the runs
  // over the stored object.
  let storedRuns = 0;
  const everyValue: RuleDefinition = {
    ...ownerRule,
    check: ({ object, run }) => {
      if (run === 'stored') storedRuns++;
      const values = (getPath(object, 'spec', 'values') ?? []) as unknown[];
      return failIf(
        values.map((_value, index) => ({
          path: `spec.values[${index}]`,
          message: `spec.values[${index}] is bad`,
        })),
      );
    },
  };
  const validate = createValidator([everyValue]);
  const withValues = (count: number, labels: Record<string, string> = {}): KubeObject => ({
    apiVersion: 'kubeflow.org/v1',
    kind: 'Profile',
    metadata: { name: 'a', labels },
    spec: { values: Array.from({ length: count }, (_, index) => `v${index}`) },
  });
  /** An UPDATE from `stored` values to `next` values (plus a label: not metadata-only). */
  const judge = (stored: number, next: number, spec: Partial<PolicySpec> = {}) => {
    storedRuns = 0;
    const keysBefore = ratchetKeysComputed();
    const result = validate(
      input('Profile', withValues(next, { edited: 'yes' }), {
        operation: 'UPDATE',
        oldObject: withValues(stored),
      }),
      policy(spec),
      NO_CLUSTER,
    );
    return { result, keys: ratchetKeysComputed() - keysBefore, storedRuns };
  };

  it('ratchets as before while both objects fail the rule in at most N places', () => {
    const { result, keys } = judge(N, N);
    expect(result.allowed).toBe(true);
    expect(result.denials).toEqual([]);
    expect(result.warnings).toHaveLength(21);
    expect(result.warnings.every((finding) => finding.ratcheted)).toBe(true);
    // Every violation of both objects keyed.
    expect(keys).toBe(2 * N);
  });

  it('ratchets N - 1 stored violations and denies the one added at N', () => {
    const { result } = judge(N - 1, N);
    expect(result.allowed).toBe(false);
    expect(result.denials.map((finding) => finding.path)).toEqual([`spec.values[${N - 1}]`]);
    expect(result.warnings).toHaveLength(21);
  });

  it('judges afresh, keying nothing, when the stored object fails the rule in N + 1 places', () => {
    const { result, keys, storedRuns: runs } = judge(N + 1, N);
    expect(result.allowed).toBe(false);
    expect(result.warnings).toEqual([]);
    expect(keys).toBe(0);
    expect(runs).toBe(1);
    // The reason first, then the violations as on a CREATE (20 listed and a summary).
    expect(result.denials).toHaveLength(22);
    expect(result.denials[0]).toEqual({
      ruleId: 'profile-owner-domain',
      mode: 'Enforce',
      path: 'spec.values[0]',
      message:
        `spec.values[0] and the other ${N - 1} violations of this rule were not compared with ` +
        `the stored object (ratcheting compares at most ${N} per object, and the stored object ` +
        `has ${N + 1}): each is judged as new`,
      ratcheted: false,
    });
    expect(result.denials[1]?.path).toBe('spec.values[0]');
    expect(result.denials.every((finding) => !finding.ratcheted)).toBe(true);
    expect(result.evaluations[0]?.findings[0]).toEqual(result.denials[0]);
  });

  it('judges afresh, without judging the stored object, when the new one fails in N + 1 places', () => {
    const { result, keys, storedRuns: runs } = judge(N, N + 1);
    expect(result.allowed).toBe(false);
    expect(result.warnings).toEqual([]);
    expect(keys).toBe(0);
    expect(runs).toBe(0);
    expect(result.denials[0]?.message).toBe(
      `spec.values[0] and the other ${N} violations of this rule were not compared with the ` +
        `stored object (ratcheting compares at most ${N} per object, and this object has ` +
        `${N + 1}): each is judged as new`,
    );
    expect(result.denials.at(-1)?.message).toBe(
      `spec.values[20] and ${N - 20} more fields (${N + 1 - 20} in all) fail this rule too; only the first 20 are listed`,
    );
  });

  it('keys nothing however far beyond the bound either object goes', () => {
    for (const [stored, next] of [
      [N + 1, N + 1],
      [10 * N, 3],
      [3, 10 * N],
      [10 * N, 10 * N],
    ] as const) {
      const { result, keys } = judge(stored, next);
      expect(result.allowed).toBe(false);
      expect(keys).toBe(0);
    }
  });

  it('denies as after a clean stored object when the stored one is over the bound', () => {
    // The same new object, once after a stored object over the bound, once after one without
    // violations: denied alike.
    const over = judge(N + 1, 5).result;
    const clean = judge(0, 5).result;
    expect(over.allowed).toBe(false);
    expect(clean.allowed).toBe(false);
    expect(over.denials.slice(1)).toEqual(clean.denials);
    expect(judge(N + 1, 1).result.denials[0]?.message).toBe(
      `spec.values[0] was not compared with the stored object (ratcheting compares at most ` +
        `${N} per object, and the stored object has ${N + 1}): each is judged as new`,
    );
  });

  it('leaves Warn and Audit rules as they are (nothing to ratchet, no reason added)', () => {
    for (const mode of ['Warn', 'Audit'] as const) {
      const {
        result,
        keys,
        storedRuns: runs,
      } = judge(N + 1, N + 1, {
        ruleModes: { 'profile-owner-domain': mode },
      });
      expect(result.allowed).toBe(true);
      expect(keys).toBe(0);
      expect(runs).toBe(0);
      const listed = mode === 'Warn' ? result.warnings : result.audits;
      expect(listed).toHaveLength(21);
      expect(listed.some((finding) => finding.message.includes('not compared'))).toBe(false);
    }
  });

  it('never denies a metadata-only update, however many violations (no keys needed)', () => {
    const stored = withValues(10 * N);
    const next = { ...withValues(10 * N), metadata: { name: 'a', labels: {}, finalizers: ['x'] } };
    const keysBefore = ratchetKeysComputed();
    const result = validate(
      input('Profile', next, { operation: 'UPDATE', oldObject: stored }),
      policy(),
      NO_CLUSTER,
    );
    expect(result.allowed).toBe(true);
    expect(result.warnings).toHaveLength(21);
    expect(result.warnings.every((finding) => finding.ratcheted)).toBe(true);
    expect(ratchetKeysComputed() - keysBefore).toBe(0);
  });

  it('adds no reason for a rule that never ratchets', () => {
    const never = createValidator([{ ...everyValue, ratchets: false }]);
    const result = never(
      input('Profile', withValues(N + 1, { edited: 'yes' }), {
        operation: 'UPDATE',
        oldObject: withValues(N + 1),
      }),
      policy(),
      NO_CLUSTER,
    );
    expect(result.allowed).toBe(false);
    expect(result.denials).toHaveLength(21);
    expect(result.denials.some((finding) => finding.message.includes('not compared'))).toBe(false);
  });
});

describe('the ratcheting work bound', () => {
  // Fails every entry of spec.items at its `x` (entries are identified by their whole content).
  const everyItem: RuleDefinition = {
    ...ownerRule,
    check: ({ object }) =>
      failIf(
        ((getPath(object, 'spec', 'items') ?? []) as unknown[]).map((_item, index) => ({
          path: `spec.items[${index}].x`,
          message: `spec.items[${index}].x is bad`,
        })),
      ),
  };
  const validate = createValidator([everyItem]);
  /** `count` items, each holding `size` values. */
  const withItems = (count: number, size: number, labels: Record<string, string> = {}) => ({
    apiVersion: 'kubeflow.org/v1',
    kind: 'Profile',
    metadata: { name: 'a', labels },
    spec: {
      items: Array.from({ length: count }, (_, index) => ({
        x: index,
        pad: Array.from({ length: size }, (_, value) => value),
      })),
    },
  });
  const judge = (count: number, size: number) => {
    const keysBefore = ratchetKeysComputed();
    const result = validate(
      input('Profile', withItems(count, size, { edited: 'yes' }), {
        operation: 'UPDATE',
        oldObject: withItems(count, size),
      }),
      policy(),
      NO_CLUSTER,
    );
    return { result, keys: ratchetKeysComputed() - keysBefore };
  };

  it('ratchets elements of ordinary size up to the count bound', () => {
    const { result } = judge(MAX_RATCHETED_VIOLATIONS, 3);
    expect(result.allowed).toBe(true);
    expect(result.warnings.every((finding) => finding.ratcheted)).toBe(true);
  });

  it('judges afresh, saying why, when identifying the elements would pass the work bound', () => {
    // 50 violations, well under the count bound, in elements of 2 000 values each.
    const { result, keys } = judge(50, 2000);
    expect(result.allowed).toBe(false);
    expect(result.warnings).toEqual([]);
    expect(result.denials[0]?.message).toBe(
      `spec.items[0].x and the other 49 violations of this rule were not compared with the ` +
        `stored object (comparing them would take this request's ratcheting past its bound of ` +
        `${MAX_RATCHET_WORK} JSON values compared): each is judged as new`,
    );
    // Keying stopped once the bound was reached (each key costs its element's 2 003 values).
    expect(keys).toBeLessThanOrEqual(MAX_RATCHET_WORK / 2000 + 1);
    expect(result.denials.slice(1)).toHaveLength(21);
  });
});
