import { NO_CLUSTER } from './cluster-snapshot.js';
import { createValidator } from './engine.js';
import type { KubeObject } from './kube-object.js';
import type { Policy, PolicySpec } from './policy-spec.js';
import { asString, getPath } from './object-access.js';
import { failIf, type RuleDefinition } from './rule.js';
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
