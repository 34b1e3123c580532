import {
  aliceProfile,
  evaluateProfile,
  findingsOf,
  pathsOf,
  profileWithSpec,
} from '../../test-support/profile-fixtures.js';
import { CONTRACT_DEFAULT_SPEC, testPolicy } from '../../test-support/test-policy.js';

const owned = (owner: unknown) => profileWithSpec({ owner });
const ADMIN = { username: 'admin', groups: ['system:masters'] };

describe('profile-owner-required', () => {
  it.each([
    [
      'missing owner',
      profileWithSpec({ owner: undefined }),
      'spec.owner',
      'spec.owner is missing; a Profile needs an owner {kind, name}',
    ],
    [
      'null owner',
      owned(null),
      'spec.owner',
      'spec.owner is missing; a Profile needs an owner {kind, name}',
    ],
    [
      'no spec',
      { ...aliceProfile(), spec: undefined },
      'spec.owner',
      'spec.owner is missing; a Profile needs an owner {kind, name}',
    ],
    [
      'spec a string',
      { ...aliceProfile(), spec: 'x' },
      'spec.owner',
      'spec.owner is missing; a Profile needs an owner {kind, name}',
    ],
    [
      'owner a string',
      owned('alice@example.com'),
      'spec.owner',
      'spec.owner "alice@example.com" is not an object; expected {kind, name}',
    ],
    [
      'owner an array',
      owned([]),
      'spec.owner',
      'spec.owner [] is not an object; expected {kind, name}',
    ],
    ['no name', owned({ kind: 'User' }), 'spec.owner.name', 'spec.owner.name is missing or empty'],
    [
      'empty name',
      owned({ kind: 'User', name: '' }),
      'spec.owner.name',
      'spec.owner.name is missing or empty',
    ],
    [
      'blank name',
      owned({ kind: 'User', name: '  ' }),
      'spec.owner.name',
      'spec.owner.name is missing or empty',
    ],
    [
      'numeric name',
      owned({ kind: 'User', name: 7 }),
      'spec.owner.name',
      'spec.owner.name 7 is not a string',
    ],
  ])('%s', (_case, object, path, message) => {
    const result = evaluateProfile(object);
    expect(findingsOf(result, 'profile-owner-required')).toEqual([{ path, message }]);
    expect(result.allowed).toBe(false);
  });

  it('passes a named owner', () => {
    expect(pathsOf('profile-owner-required', aliceProfile())).toEqual([]);
  });

  it('is structural', () => {
    const result = evaluateProfile(owned({ kind: 'User' }), { user: ADMIN });
    expect(result.denials.map((d) => d.ruleId)).toEqual(['profile-owner-required']);
  });
});

describe('profile-owner-kind', () => {
  it.each([
    [{ kind: 'User', name: 'a@example.com' }, null],
    [{ kind: 'Group', name: 'team' }, 'spec.owner.kind "Group" is not allowed; allowed: User'],
    [
      { kind: 'user', name: 'a@example.com' },
      'spec.owner.kind "user" is not allowed; allowed: User',
    ],
    [{ name: 'a@example.com' }, 'spec.owner.kind is missing; allowed: User'],
    [{ kind: '', name: 'a@example.com' }, 'spec.owner.kind is missing; allowed: User'],
    [{ kind: 5, name: 'a@example.com' }, 'spec.owner.kind 5 is not allowed; allowed: User'],
  ])('%o', (owner, message) => {
    expect(findingsOf(evaluateProfile(owned(owner)), 'profile-owner-kind')).toEqual(
      message === null ? [] : [{ path: 'spec.owner.kind', message }],
    );
  });

  it('allows the kinds the policy lists', () => {
    const policy = testPolicy({ profiles: { owner: { kinds: ['User', 'Group'] } } });
    expect(pathsOf('profile-owner-kind', owned({ kind: 'Group', name: 'ml' }), { policy })).toEqual(
      [],
    );
  });

  it('skips exempt callers', () => {
    expect(evaluateProfile(owned({ kind: 'Group', name: 'ml' }), { user: ADMIN }).allowed).toBe(
      true,
    );
  });
});

describe('profile-owner-format', () => {
  it.each([
    ['alice@example.com', null],
    ['a.b+c@mail.example.co.uk', null],
    ["o'brien@example.io", null],
    ['x@xn--bcher-kva.example', null],
    ['alice', 'spec.owner.name "alice" is not an e-mail address (user@example.com)'],
    [
      'alice@localhost',
      'spec.owner.name "alice@localhost" is not an e-mail address (user@example.com)',
    ],
    [
      'alice@example',
      'spec.owner.name "alice@example" is not an e-mail address (user@example.com)',
    ],
    [
      'alice@1.2.3.4',
      'spec.owner.name "alice@1.2.3.4" is not an e-mail address (user@example.com)',
    ],
    [
      'al ice@example.com',
      'spec.owner.name "al ice@example.com" is not an e-mail address (user@example.com)',
    ],
    [
      '.alice@example.com',
      'spec.owner.name ".alice@example.com" is not an e-mail address (user@example.com)',
    ],
    [
      'al..ice@example.com',
      'spec.owner.name "al..ice@example.com" is not an e-mail address (user@example.com)',
    ],
    [
      'alice@-example.com',
      'spec.owner.name "alice@-example.com" is not an e-mail address (user@example.com)',
    ],
    [
      'alice@example..com',
      'spec.owner.name "alice@example..com" is not an e-mail address (user@example.com)',
    ],
    ['@example.com', 'spec.owner.name "@example.com" is not an e-mail address (user@example.com)'],
    [
      'a@b@example.com',
      'spec.owner.name "a@b@example.com" is not an e-mail address (user@example.com)',
    ],
    [
      'alice@example.com\n',
      'spec.owner.name "alice@example.com\\n" is not an e-mail address (user@example.com)',
    ],
    [
      `${'a'.repeat(70)}@example.com`,
      `spec.owner.name "${'a'.repeat(70)}@example… is not an e-mail address (user@example.com)`,
    ],
  ])('User %p', (name, message) => {
    expect(
      findingsOf(evaluateProfile(owned({ kind: 'User', name })), 'profile-owner-format'),
    ).toEqual(message === null ? [] : [{ path: 'spec.owner.name', message }]);
  });

  it('does not require an e-mail of a Group owner', () => {
    const policy = testPolicy({ profiles: { owner: { kinds: ['User', 'Group'] } } });
    expect(
      pathsOf('profile-owner-format', owned({ kind: 'Group', name: 'ml-team' }), { policy }),
    ).toEqual([]);
  });

  it.each([
    [{ apiGroup: 'rbac.authorization.k8s.io' }, []],
    [{ apiGroup: '' }, []],
    [{ apiGroup: 'rbac.authorization.k8s.io/v1' }, ['spec.owner.apiGroup']],
    [{ apiGroup: 'kubeflow.org' }, ['spec.owner.apiGroup']],
    [{ namespace: 'kubeflow' }, ['spec.owner.namespace']],
    [{ namespace: '' }, []],
    [
      { apiGroup: 'x', namespace: 'y', name: 'bob' },
      ['spec.owner.name', 'spec.owner.apiGroup', 'spec.owner.namespace'],
    ],
  ])('User owner with %o reports %p', (extra, paths) => {
    const owner = { kind: 'User', name: 'alice@example.com', ...extra };
    expect(pathsOf('profile-owner-format', owned(owner))).toEqual(paths);
  });

  it('quotes apiGroup and namespace and says what is allowed', () => {
    const owner = { kind: 'Group', name: 'ml', apiGroup: 'x.io', namespace: 'team' };
    expect(findingsOf(evaluateProfile(owned(owner)), 'profile-owner-format')).toEqual([
      {
        path: 'spec.owner.apiGroup',
        message:
          'spec.owner.apiGroup "x.io" is not allowed; use "rbac.authorization.k8s.io" or leave it unset',
      },
      {
        path: 'spec.owner.namespace',
        message: 'spec.owner.namespace "team" must not be set on a Group owner',
      },
    ]);
  });

  it('allows a namespace on a ServiceAccount owner', () => {
    const owner = { kind: 'ServiceAccount', name: 'bot', namespace: 'ci' };
    expect(pathsOf('profile-owner-format', owned(owner))).toEqual([]);
  });
});

describe('profile-owner-lowercase (Warn in the embedded default)', () => {
  it('warns, quoting the lower-case spelling, and allows', () => {
    const result = evaluateProfile(owned({ kind: 'User', name: 'Alice@Example.com' }));
    expect(result.allowed).toBe(true);
    expect(result.warnings).toMatchObject([
      {
        ruleId: 'profile-owner-lowercase',
        path: 'spec.owner.name',
        message:
          'spec.owner.name "Alice@Example.com" has upper-case letters; RBAC user names are case-sensitive, use "alice@example.com"',
      },
    ]);
  });

  it('denies under the contract defaults (Enforce)', () => {
    const policy = testPolicy({}, CONTRACT_DEFAULT_SPEC);
    const result = evaluateProfile(owned({ kind: 'User', name: 'ALICE@example.com' }), { policy });
    expect(result.denials.map((d) => d.ruleId)).toEqual(['profile-owner-lowercase']);
  });

  it('passes lower case and ignores Group owners', () => {
    expect(pathsOf('profile-owner-lowercase', aliceProfile())).toEqual([]);
    const policy = testPolicy({ profiles: { owner: { kinds: ['Group'] } } });
    expect(
      pathsOf('profile-owner-lowercase', owned({ kind: 'Group', name: 'ML' }), { policy }),
    ).toEqual([]);
  });
});

describe('profile-owner-domain', () => {
  const domains = (emailDomains: string[]) => testPolicy({ profiles: { owner: { emailDomains } } });

  it.each([
    [[], 'bob@anywhere.org', true],
    [['example.com'], 'alice@example.com', true],
    [['example.com'], 'alice@EXAMPLE.com', true],
    [['Example.COM'], 'alice@example.com', true],
    [['example.com', 'corp.io'], 'bob@corp.io', true],
    [['example.com'], 'alice@corp.example.com', false], // exact match only, no subdomains
    [['example.com'], 'alice@example.com.evil.io', false],
    [['example.com'], 'alice@notexample.com', false],
    [['example.com'], 'alice', false],
  ])('domains %p, owner %p: passes %p', (allowed, name, ok) => {
    const findings = findingsOf(
      evaluateProfile(owned({ kind: 'User', name }), { policy: domains(allowed) }),
      'profile-owner-domain',
    );
    expect(findings).toEqual(
      ok
        ? []
        : [
            {
              path: 'spec.owner.name',
              message: `spec.owner.name "${name}" is not in an allowed e-mail domain; allowed: ${allowed.join(', ')}`,
            },
          ],
    );
  });
});

describe('profile-owner-immutable', () => {
  const update = (from: unknown, to: unknown, policy = testPolicy()) =>
    evaluateProfile(owned(to), { operation: 'UPDATE', oldObject: owned(from), policy });
  const alice = { kind: 'User', name: 'alice@example.com' };

  it('denies a change of owner name, naming the change', () => {
    const result = update(alice, { kind: 'User', name: 'bob@example.com' });
    expect(result.allowed).toBe(false);
    expect(findingsOf(result, 'profile-owner-immutable')).toEqual([
      {
        path: 'spec.owner',
        message:
          'spec.owner cannot change (profiles.owner.allowTransfer is false): name "alice@example.com" -> "bob@example.com"',
      },
    ]);
  });

  it.each([
    ['kind', { kind: 'Group', name: 'alice@example.com' }],
    ['apiGroup', { ...alice, apiGroup: 'example.io' }],
    ['namespace', { ...alice, namespace: 'x' }],
    ['removal', undefined],
  ])('denies a change of %s', (_field, to) => {
    expect(
      pathsOf('profile-owner-immutable', owned(to), {
        operation: 'UPDATE',
        oldObject: owned(alice),
      }),
    ).toEqual(['spec.owner']);
  });

  it.each([
    ['the same owner', alice],
    ['the default apiGroup spelled out', { ...alice, apiGroup: 'rbac.authorization.k8s.io' }],
    ['an empty namespace', { ...alice, namespace: '' }],
  ])('allows %s', (_case, to) => {
    expect(
      pathsOf('profile-owner-immutable', owned(to), {
        operation: 'UPDATE',
        oldObject: owned(alice),
      }),
    ).toEqual([]);
  });

  it('allows a transfer when allowTransfer is true', () => {
    const policy = testPolicy({ profiles: { owner: { allowTransfer: true } } });
    expect(update(alice, { kind: 'User', name: 'bob@example.com' }, policy).allowed).toBe(true);
  });

  it('does not run on CREATE', () => {
    const result = evaluateProfile(aliceProfile());
    expect(result.evaluations.some((e) => e.ruleId === 'profile-owner-immutable')).toBe(false);
  });

  it('lets a stored Profile without an owner get one', () => {
    expect(
      pathsOf('profile-owner-immutable', owned(alice), {
        operation: 'UPDATE',
        oldObject: owned('junk'),
      }),
    ).toEqual([]);
  });

  it('skips exempt callers (cluster admins may transfer)', () => {
    const result = evaluateProfile(owned({ kind: 'User', name: 'bob@example.com' }), {
      operation: 'UPDATE',
      oldObject: owned(alice),
      user: ADMIN,
    });
    expect(result.allowed).toBe(true);
  });
});

describe('owner rules never throw on malformed owners', () => {
  it.each([
    null,
    'x',
    42,
    [],
    [{ kind: 'User' }],
    { kind: ['User'], name: { a: 1 } },
    { name: null },
  ])('owner %p', (owner) => {
    const policy = testPolicy({ profiles: { owner: { emailDomains: ['example.com'] } } });
    const result = evaluateProfile(owned(owner), {
      policy,
      operation: 'UPDATE',
      oldObject: owned(owner),
    });
    expect(result.evaluations.filter((e) => e.status === 'error')).toEqual([]);
  });
});
