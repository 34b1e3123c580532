import { NO_CLUSTER } from '../../cluster-snapshot.js';
import type { KubeObject } from '../../kube-object.js';
import {
  authorizationPolicy,
  emptySnapshot,
  evaluate,
  statusOf,
} from '../../test-support/cluster-fixtures.js';
import { CLUSTER_ADMIN } from '../../test-support/kubeflow-objects.js';

// Cross-rule: where the AuthorizationPolicy rules apply (profile namespaces only, every namespace
// without cluster state), exemptions and ratcheting, for all of them at once.
describe('where the AuthorizationPolicy rules apply', () => {
  const attack = (ns: string): KubeObject =>
    authorizationPolicy(ns, 'p', { rules: [{ from: [{ source: { namespaces: ['*'] } }] }, {}] });

  it('skips them outside profile namespaces', () => {
    const result = evaluate('AuthorizationPolicy', attack('plain'));
    expect(result.allowed).toBe(true);
    expect(statusOf(result, 'authz-source-namespace')).toBe('skip');
  });

  it.each([
    ['none', NO_CLUSTER],
    ['unsynced', emptySnapshot('unsynced')],
  ] as const)('applies them everywhere when the cluster state is %s', (_state, snapshot) => {
    expect(
      evaluate('AuthorizationPolicy', attack('plain'), { cluster: snapshot }).denials.map(
        (d) => d.ruleId,
      ),
    ).toEqual(['authz-source-namespace', 'authz-any-source']);
  });

  it('skips them for exempt callers', () => {
    expect(evaluate('AuthorizationPolicy', attack('alice'), { user: CLUSTER_ADMIN }).allowed).toBe(
      true,
    );
  });

  it('ratchets a violation the stored policy already had', () => {
    const stored = attack('alice');
    const relabelled = {
      ...stored,
      metadata: { name: 'p', namespace: 'alice', labels: { a: 'b' } },
    };
    const result = evaluate('AuthorizationPolicy', relabelled, {
      operation: 'UPDATE',
      oldObject: stored,
    });
    expect(result.allowed).toBe(true);
    expect(result.warnings.map((w) => [w.ruleId, w.ratcheted])).toEqual([
      ['authz-source-namespace', true],
      ['authz-any-source', true],
    ]);
  });
});
