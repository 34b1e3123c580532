import { NO_CLUSTER } from '../../cluster-snapshot.js';
import type { KubeObject } from '../../kube-object.js';
import type { RuleId } from '../../rule-ids.js';
import {
  denials,
  emptySnapshot,
  evaluate,
  group,
  roleBinding,
  serviceAccount,
  statusOf,
} from '../../test-support/cluster-fixtures.js';
import { CLUSTER_ADMIN } from '../../test-support/kubeflow-objects.js';

// Cross-rule: where the RoleBinding rules apply (profile namespaces: a Profile of that name or the
// profile label; every namespace without cluster state) and exemptions, for all of them at once.
const ruleIds = (messages: string[]): string[] => messages.map((m) => m.slice(0, m.indexOf(':')));

describe('where the binding rules apply', () => {
  const attack = (ns: string): KubeObject =>
    roleBinding(ns, 'x', { name: 'cluster-admin' }, [
      group('system:authenticated'),
      serviceAccount('d', 'bob'),
    ]);
  const nonStateful: RuleId[] = [
    'binding-serviceaccount-namespace',
    'binding-group',
    'binding-role',
  ];

  it('skips them outside profile namespaces', () => {
    const result = evaluate('RoleBinding', attack('plain'));
    expect(result.allowed).toBe(true);
    expect(nonStateful.map((id) => statusOf(result, id))).toEqual(['skip', 'skip', 'skip']);
    expect(result.evaluations[0]?.reason).toBe('namespace "plain" is not a profile namespace');
  });

  it('applies them in a namespace carrying the profile label', () => {
    expect(ruleIds(denials(evaluate('RoleBinding', attack('labelled'))))).toEqual(nonStateful);
  });

  it.each([
    ['none', NO_CLUSTER],
    ['unsynced', emptySnapshot('unsynced')],
  ] as const)('applies them everywhere when the cluster state is %s', (_state, snapshot) => {
    const result = evaluate('RoleBinding', attack('plain'), { cluster: snapshot });
    expect(ruleIds(denials(result))).toEqual(nonStateful);
  });

  it('skips every non-structural rule for exempt callers', () => {
    const result = evaluate('RoleBinding', attack('alice'), { user: CLUSTER_ADMIN });
    expect(result.exempt).toBe(true);
    expect(result.allowed).toBe(true);
    expect(new Set(result.evaluations.map((e) => e.reason))).toEqual(new Set(['exempt caller']));
  });
});
