import { CLUSTER_ADMIN } from '../../test-support/kubeflow-objects.js';
import { owned, type ProfileRuleCase } from '../../test-support/rule-cases.js';
import { testPolicy } from '../../test-support/test-policy.js';

/** profile-owner-kind's table (see rule-cases.ts). */
export const CASES: readonly ProfileRuleCase[] = [
  ...(
    [
      [{ kind: 'User', name: 'a@example.com' }, null],
      [{ kind: 'Group', name: 'team' }, 'spec.owner.kind "Group" is not allowed; allowed: User'],
      [
        { kind: 'user', name: 'a@example.com' },
        'spec.owner.kind "user" is not allowed; allowed: User',
      ],
      [{ name: 'a@example.com' }, 'spec.owner.kind is missing; allowed: User'],
      [{ kind: '', name: 'a@example.com' }, 'spec.owner.kind is missing; allowed: User'],
      [{ kind: 5, name: 'a@example.com' }, 'spec.owner.kind 5 is not allowed; allowed: User'],
    ] as const
  ).map(([owner, message]) => ({
    title: `owner ${JSON.stringify(owner)}`,
    object: owned(owner),
    findings: message === null ? [] : [{ path: 'spec.owner.kind', message }],
  })),
  {
    title: 'allows the kinds the policy lists',
    object: owned({ kind: 'Group', name: 'ml' }),
    policy: testPolicy({ profiles: { owner: { kinds: ['User', 'Group'] } } }),
    findings: [],
  },
  {
    title: 'skips exempt callers',
    object: owned({ kind: 'Group', name: 'ml' }),
    user: CLUSTER_ADMIN,
    findings: [],
    allowed: true,
  },
];
