import { named, type ProfileRuleCase } from '../../test-support/rule-cases.js';
import { CONTRACT_DEFAULT_SPEC, testPolicy } from '../../test-support/test-policy.js';

const withPattern = (pattern: string) =>
  testPolicy({ profiles: { name: { pattern } } }, CONTRACT_DEFAULT_SPEC);

/** profile-name-pattern's table: [pattern, name, passes] (see rule-cases.ts). */
const TABLE: readonly (readonly [string, string, boolean])[] = [
  // Searched, as JSON Schema's and Kubernetes OpenAPI's `pattern`.
  ['^team-', 'team-ml', true],
  ['^team-', 'x-team-ml', false],
  ['^team-', 'team', false],
  ['team-[a-z]+', 'x-team-ml', true],
  ['team-[a-z]+', 'team-ml2', true],
  ['^team-[a-z]+$', 'team-ml2', false],
  ['^team-[a-z0-9-]+$', 'team-ml-2', true],
  ['^[a-z]+$|^team-', 'team-42', true],
  ['^[a-z]+$|^team-', 'ateam-42', false],
  ['ml$', 'team-ml', true],
  ['[A-Z]', 'team-ml', false],
  ['', 'anything', true],
];

export const CASES: readonly ProfileRuleCase[] = TABLE.map(([pattern, name, ok]) => ({
  title: `pattern ${JSON.stringify(pattern)}, name ${JSON.stringify(name)}: ${ok ? 'passes' : 'fails'}`,
  object: named(name),
  policy: withPattern(pattern),
  findings: ok
    ? []
    : [
        {
          path: 'metadata.name',
          message: `metadata.name "${name}" does not match the pattern ${JSON.stringify(pattern)}`,
        },
      ],
}));
