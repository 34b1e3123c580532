import { owned, type ProfileRuleCase } from '../../test-support/rule-cases.js';
import { testPolicy } from '../../test-support/test-policy.js';

const notEmail = (name: string) =>
  `spec.owner.name ${JSON.stringify(name)} is not an e-mail address (user@example.com)`;
const LONG = `${'a'.repeat(70)}@example.com`;

/** profile-owner-format's table (see rule-cases.ts). */
export const CASES: readonly ProfileRuleCase[] = [
  ...[
    'alice@example.com',
    'a.b+c@mail.example.co.uk',
    "o'brien@example.io",
    'x@xn--bcher-kva.example',
  ].map((name) => ({
    title: `User ${JSON.stringify(name)} passes`,
    object: owned({ kind: 'User', name }),
    findings: [],
  })),
  ...[
    'alice',
    'alice@localhost',
    'alice@example',
    'alice@1.2.3.4',
    'al ice@example.com',
    '.alice@example.com',
    'al..ice@example.com',
    'alice@-example.com',
    'alice@example..com',
    '@example.com',
    'a@b@example.com',
    'alice@example.com\n',
    '"alice"@example.com',
    'alice(ml)@example.com',
    'alice@例え.jp',
    'alice@example.com.',
    'alice@[127.0.0.1]',
    ' alice@example.com',
    'system:serviceaccount:alice:default-editor',
  ].map((name) => ({
    title: `User ${JSON.stringify(name)} is not an e-mail`,
    object: owned({ kind: 'User', name }),
    findings: [{ path: 'spec.owner.name', message: notEmail(name) }],
  })),
  {
    title: 'User with a 70-character local part, quoted cut at 80 characters',
    object: owned({ kind: 'User', name: LONG }),
    findings: [
      {
        path: 'spec.owner.name',
        message: `spec.owner.name "${'a'.repeat(70)}@example… is not an e-mail address (user@example.com)`,
      },
    ],
  },
  {
    title: 'does not require an e-mail of a Group owner',
    object: owned({ kind: 'Group', name: 'ml-team' }),
    policy: testPolicy({ profiles: { owner: { kinds: ['User', 'Group'] } } }),
    findings: [],
  },
  ...(
    [
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
    ] as const
  ).map(([extra, paths]) => {
    const owner: Record<string, string> = { kind: 'User', name: 'alice@example.com', ...extra };
    const messages: Record<string, string> = {
      'spec.owner.name': notEmail(owner.name ?? ''),
      'spec.owner.apiGroup': `spec.owner.apiGroup ${JSON.stringify(owner.apiGroup)} is not allowed; use "rbac.authorization.k8s.io" or leave it unset`,
      'spec.owner.namespace': `spec.owner.namespace ${JSON.stringify(owner.namespace)} must not be set on a User owner`,
    };
    return {
      title: `User owner with ${JSON.stringify(extra)}`,
      object: owned(owner),
      findings: paths.map((path) => ({ path, message: messages[path] ?? '' })),
    };
  }),
  {
    title: 'quotes apiGroup and namespace of a Group owner and says what is allowed',
    object: owned({ kind: 'Group', name: 'ml', apiGroup: 'x.io', namespace: 'team' }),
    findings: [
      {
        path: 'spec.owner.apiGroup',
        message:
          'spec.owner.apiGroup "x.io" is not allowed; use "rbac.authorization.k8s.io" or leave it unset',
      },
      {
        path: 'spec.owner.namespace',
        message: 'spec.owner.namespace "team" must not be set on a Group owner',
      },
    ],
  },
  {
    title: 'allows a namespace on a ServiceAccount owner',
    object: owned({ kind: 'ServiceAccount', name: 'bot', namespace: 'ci' }),
    findings: [],
  },
];
