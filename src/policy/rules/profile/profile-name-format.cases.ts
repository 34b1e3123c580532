import { CLUSTER_ADMIN } from '../../test-support/kubeflow-objects.js';
import { named, type ProfileRuleCase } from '../../test-support/rule-cases.js';

const notALabel = (name: string) => ({
  path: 'metadata.name',
  message: `metadata.name ${JSON.stringify(name)} is not a DNS-1123 label (a-z, 0-9 and "-", starting and ending with a-z or 0-9)`,
});
const missing = { path: 'metadata.name', message: 'metadata.name is missing' };

/** profile-name-format's table (see rule-cases.ts). */
export const CASES: readonly ProfileRuleCase[] = [
  ...['a', 'alice', 'team-42', '0abc', 'a'.repeat(63)].map((name) => ({
    title: `passes ${JSON.stringify(name)}`,
    object: named(name),
    findings: [],
  })),
  {
    title: 'refuses 64 characters, saying how long',
    object: named('a'.repeat(64)),
    findings: [
      {
        path: 'metadata.name',
        message: `metadata.name "${'a'.repeat(64)}" is 64 characters long; at most 63 are allowed`,
      },
    ],
  },
  ...['-a', 'a-', 'Alice', 'al_ice', 'al.ice'].map((name) => ({
    title: `refuses ${JSON.stringify(name)}`,
    object: named(name),
    findings: [notALabel(name)],
  })),
  { title: 'refuses ""', object: named(''), findings: [missing] },
  { title: 'refuses the number 42', object: named(42), findings: [missing] },
  { title: 'refuses a missing name', object: named(undefined), findings: [missing] },
  {
    title: 'is structural: enforced for exempt callers too',
    object: named('bad.name'),
    user: CLUSTER_ADMIN,
    findings: [notALabel('bad.name')],
    allowed: false,
  },
];
