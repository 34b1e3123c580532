import {
  evaluateProfile,
  findingsOf,
  pathsOf,
  profileWithSpec,
} from '../../test-support/profile-fixtures.js';
import { testPolicy } from '../../test-support/test-policy.js';

const owned = (owner: unknown) => profileWithSpec({ owner });

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
