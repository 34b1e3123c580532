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

// Issue 8, point 1: the profile controller's own policies, as profile_controller.go writes them
// (getAuthorizationPolicy: the same-namespace source is a `when` on source.namespace, no `from`;
// updateL4AuthorizationPolicy in ambient mode admits the namespace's waypoint).
describe('the profile controller’s AuthorizationPolicies, whole catalog, not exempt', () => {
  const controller = {
    username: 'system:serviceaccount:kubeflow:profiles-controller-service-account',
    groups: ['system:serviceaccounts', 'system:serviceaccounts:kubeflow', 'system:authenticated'],
  };
  const owner = authorizationPolicy('alice', 'ns-owner-access-istio', {
    action: 'ALLOW',
    rules: [
      {
        from: [
          {
            source: {
              principals: [
                'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account',
                'cluster.local/ns/kubeflow/sa/ml-pipeline-ui',
              ],
            },
          },
        ],
        when: [{ key: 'request.headers[kubeflow-userid]', values: ['alice@example.com'] }],
      },
      { when: [{ key: 'source.namespace', values: ['alice'] }] },
      { to: [{ operation: { paths: ['/healthz', '/metrics', '/wait-for-drain'] } }] },
      {
        from: [
          {
            source: {
              principals: ['cluster.local/ns/kubeflow/sa/notebook-controller-service-account'],
            },
          },
        ],
        to: [{ operation: { methods: ['GET'], paths: ['*/api/kernels'] } }],
      },
    ],
  });
  const waypoint = authorizationPolicy('alice', 'waypoint-l4-access', {
    action: 'ALLOW',
    rules: [{ from: [{ source: { principals: ['cluster.local/ns/alice/sa/waypoint'] } }] }],
  });

  it.each([
    ['ns-owner-access-istio', owner],
    ['ns-owner-access-istio (v1beta1)', { ...owner, apiVersion: 'security.istio.io/v1beta1' }],
    ['waypoint-l4-access', waypoint],
  ])('allows %s on CREATE with no warnings', (_name, object) => {
    const result = evaluate('AuthorizationPolicy', object, { user: controller });
    expect(result.denials).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(statusOf(result, 'authz-any-source')).toBe('pass');
    expect(statusOf(result, 'authz-gateway-user')).toBe('pass');
  });

  it.each([
    ['ns-owner-access-istio', owner],
    ['waypoint-l4-access', waypoint],
  ])('allows the controller to rewrite %s, and denies the owner', (_name, object) => {
    const rewritten = { ...object, metadata: { ...object.metadata, resourceVersion: '2' } };
    const spec = object.spec as Record<string, unknown>;
    const changed = { ...object, spec: { ...spec, rules: [...(spec.rules as unknown[]), {}] } };
    expect(
      evaluate('AuthorizationPolicy', changed, {
        user: controller,
        operation: 'UPDATE',
        oldObject: object,
      }).denials.map((finding) => finding.ruleId),
    ).toEqual(['authz-any-source']);
    expect(
      evaluate('AuthorizationPolicy', rewritten, {
        user: controller,
        operation: 'UPDATE',
        oldObject: object,
      }).allowed,
    ).toBe(true);
    expect(
      evaluate('AuthorizationPolicy', undefined, {
        operation: 'DELETE',
        oldObject: object,
      }).denials.map((finding) => finding.ruleId),
    ).toEqual(['binding-protected']);
  });
});
