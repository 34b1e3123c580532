import { CLUSTER_ADMIN } from '../../test-support/kubeflow-objects.js';
import { named, type ProfileRuleCase } from '../../test-support/rule-cases.js';
import { CONTRACT_DEFAULT_SPEC, testPolicy } from '../../test-support/test-policy.js';

const finding = (message: string) => [{ path: 'metadata.name', message }];

/** profile-name-reserved's table (embedded default lists unless said; see rule-cases.ts). */
export const CASES: readonly ProfileRuleCase[] = [
  ...['alice', 'kubex', 'kubeflow-alice'].map((name) => ({
    title: `passes ${name}`,
    object: named(name),
    findings: [],
    allowed: true,
  })),
  ...['default', 'kubeflow'].map((name) => ({
    title: `refuses the reserved ${name}`,
    object: named(name),
    findings: finding(`metadata.name "${name}" is a reserved name`),
    allowed: false,
  })),
  ...[
    ['kube-alice', 'kube-'],
    ['istio-x', 'istio-'],
    ['openshift-a', 'openshift-'],
  ].map(([name, prefix]) => ({
    title: `refuses ${name ?? ''} (prefix ${prefix ?? ''})`,
    object: named(name),
    findings: finding(
      `metadata.name ${JSON.stringify(name)} starts with the reserved prefix ${JSON.stringify(prefix)}`,
    ),
    allowed: false,
  })),
  {
    title: 'lets exempt callers through',
    object: named('kube-x'),
    user: CLUSTER_ADMIN,
    findings: [],
    allowed: true,
  },
  {
    title: 'reserves nothing under the contract defaults',
    object: named('kube-system'),
    policy: testPolicy({}, CONTRACT_DEFAULT_SPEC),
    findings: [],
  },
  {
    title: 'is a warning in Warn mode',
    object: named('default'),
    policy: testPolicy({ ruleModes: { 'profile-name-reserved': 'Warn' } }),
    findings: finding('metadata.name "default" is a reserved name'),
    allowed: true,
  },
  {
    title: 'ratchets the reserved name of a stored Profile on UPDATE',
    object: { ...named('kubeflow'), metadata: { name: 'kubeflow', labels: { team: 'ml' } } },
    operation: 'UPDATE',
    oldObject: named('kubeflow'),
    findings: finding('metadata.name "kubeflow" is a reserved name'),
    allowed: true,
  },
  {
    title: 'never denies a metadata-only UPDATE: the controller removes its finalizer',
    object: named('kube-legacy'),
    operation: 'UPDATE',
    oldObject: {
      ...named('kube-legacy'),
      metadata: { name: 'kube-legacy', finalizers: ['profile-finalizer'] },
    },
    findings: finding('metadata.name "kube-legacy" starts with the reserved prefix "kube-"'),
    allowed: true,
  },
];
