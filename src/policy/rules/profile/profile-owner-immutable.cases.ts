import { CLUSTER_ADMIN } from '../../test-support/kubeflow-objects.js';
import { owned, type ProfileRuleCase } from '../../test-support/rule-cases.js';
import { testPolicy } from '../../test-support/test-policy.js';

const ALICE_OWNER = { kind: 'User', name: 'alice@example.com' };
const change = (message: string) => [
  {
    path: 'spec.owner',
    message: `spec.owner cannot change (profiles.owner.allowTransfer is false): ${message}`,
  },
];
const update = (to: unknown, from: unknown = ALICE_OWNER) => ({
  object: owned(to),
  operation: 'UPDATE' as const,
  oldObject: owned(from),
});

/** profile-owner-immutable's table: UPDATEs of alice's Profile (see rule-cases.ts). */
export const CASES: readonly ProfileRuleCase[] = [
  {
    title: 'denies a change of owner name, naming the change',
    ...update({ kind: 'User', name: 'bob@example.com' }),
    findings: change('name "alice@example.com" -> "bob@example.com"'),
    allowed: false,
  },
  {
    title: 'denies a change of kind',
    ...update({ kind: 'Group', name: 'alice@example.com' }),
    findings: change('kind "User" -> "Group"'),
  },
  {
    title: 'denies a change of apiGroup',
    ...update({ ...ALICE_OWNER, apiGroup: 'example.io' }),
    findings: change('apiGroup "rbac.authorization.k8s.io" -> "example.io"'),
  },
  {
    title: 'denies a change of namespace',
    ...update({ ...ALICE_OWNER, namespace: 'x' }),
    findings: change('namespace "" -> "x"'),
  },
  { title: 'denies the removal of the owner', ...update(undefined), findings: change('removed') },
  { title: 'allows the same owner', ...update(ALICE_OWNER), findings: [] },
  {
    title: 'allows the default apiGroup spelled out',
    ...update({ ...ALICE_OWNER, apiGroup: 'rbac.authorization.k8s.io' }),
    findings: [],
  },
  {
    title: 'allows an empty namespace',
    ...update({ ...ALICE_OWNER, namespace: '' }),
    findings: [],
  },
  {
    title: 'allows a transfer when allowTransfer is true',
    ...update({ kind: 'User', name: 'bob@example.com' }),
    policy: testPolicy({ profiles: { owner: { allowTransfer: true } } }),
    findings: [],
    allowed: true,
  },
  {
    // Claiming a Profile stored without a usable owner (written before the webhook judged it) is
    // a change of spec.owner too: its namespace would become hers. A cluster admin may repair it.
    title: 'denies an owner set on a Profile stored without one',
    ...update(ALICE_OWNER, 'junk'),
    findings: change('added'),
    allowed: false,
  },
  {
    title: 'denies an owner set on a Profile stored with an empty owner name',
    ...update(ALICE_OWNER, { kind: 'User', name: '' }),
    findings: change('name "" -> "alice@example.com"'),
    allowed: false,
  },
  {
    title: 'lets a cluster admin (exempt) give a stored Profile without an owner one',
    ...update(ALICE_OWNER, 'junk'),
    user: CLUSTER_ADMIN,
    findings: [],
    allowed: true,
  },
  {
    title: 'skips exempt callers (cluster admins may transfer)',
    ...update({ kind: 'User', name: 'bob@example.com' }),
    user: CLUSTER_ADMIN,
    findings: [],
    allowed: true,
  },
];
