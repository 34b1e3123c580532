import { CLUSTER_ADMIN } from '../../test-support/kubeflow-objects.js';
import { aliceProfile, profileWithSpec } from '../../test-support/profile-fixtures.js';
import { owned, type ProfileRuleCase } from '../../test-support/rule-cases.js';

const MISSING = 'spec.owner is missing; a Profile needs an owner {kind, name}';
const NO_NAME = 'spec.owner.name is missing or empty';

/** profile-owner-required's table (see rule-cases.ts). */
export const CASES: readonly ProfileRuleCase[] = [
  ...(
    [
      ['missing owner', profileWithSpec({ owner: undefined }), 'spec.owner', MISSING],
      ['null owner', owned(null), 'spec.owner', MISSING],
      ['no spec', { ...aliceProfile(), spec: undefined }, 'spec.owner', MISSING],
      ['spec a string', { ...aliceProfile(), spec: 'x' }, 'spec.owner', MISSING],
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
      ['no name', owned({ kind: 'User' }), 'spec.owner.name', NO_NAME],
      ['empty name', owned({ kind: 'User', name: '' }), 'spec.owner.name', NO_NAME],
      ['blank name', owned({ kind: 'User', name: '  ' }), 'spec.owner.name', NO_NAME],
      [
        'numeric name',
        owned({ kind: 'User', name: 7 }),
        'spec.owner.name',
        'spec.owner.name 7 is not a string',
      ],
    ] as const
  ).map(([title, object, path, message]) => ({
    title: `refuses ${title}`,
    object,
    findings: [{ path, message }],
    allowed: false,
  })),
  { title: 'passes a named owner', object: aliceProfile(), findings: [] },
  {
    title: 'is structural: enforced for exempt callers',
    object: owned({ kind: 'User', name: '' }),
    user: CLUSTER_ADMIN,
    findings: [{ path: 'spec.owner.name', message: NO_NAME }],
    allowed: false,
  },
];
