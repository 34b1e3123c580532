import type { KubeObject } from '../../kube-object.js';
import type { TargetKind, UserInfo } from '../../request.js';
import { denials, editBinding, evaluate, user } from '../../test-support/cluster-fixtures.js';
import {
  ALICE_USER,
  CLUSTER_ADMIN,
  NAMESPACE_ADMIN,
  NS_OWNER_ACCESS_ISTIO,
  PROFILES_CONTROLLER,
} from '../../test-support/kubeflow-objects.js';

const MANAGERS = 'kubeflow/profiles-controller-service-account (bindings.protectedManagers)';

describe('binding-protected', () => {
  it.each<[string, TargetKind, KubeObject, string]>([
    [
      'the owner deleting namespaceAdmin',
      'RoleBinding',
      NAMESPACE_ADMIN,
      `binding-protected: metadata.name "namespaceAdmin" is a protected RoleBinding (bindings.protected): it may only be deleted by ${MANAGERS}`,
    ],
    [
      'the owner deleting ns-owner-access-istio',
      'AuthorizationPolicy',
      NS_OWNER_ACCESS_ISTIO,
      `binding-protected: metadata.name "ns-owner-access-istio" is a protected AuthorizationPolicy (bindings.protected): it may only be deleted by ${MANAGERS}`,
    ],
  ])('denies %s', (_case, target, stored, message) => {
    const result = evaluate(target, undefined, { operation: 'DELETE', oldObject: stored });
    expect(denials(result)).toEqual([message]);
  });

  it('denies the owner changing namespaceAdmin', () => {
    const changed: KubeObject = {
      ...NAMESPACE_ADMIN,
      subjects: [user('alice@example.com'), user('mallory@example.com')],
    };
    const result = evaluate('RoleBinding', changed, {
      operation: 'UPDATE',
      oldObject: NAMESPACE_ADMIN,
    });
    expect(result.denials.map((d) => `${d.ruleId} ${d.path}`)).toEqual([
      'binding-owner-only-role subjects[1].name',
      'binding-protected metadata.name',
    ]);
    expect(result.warnings).toEqual([]);
  });

  it.each<[string, TargetKind, KubeObject, UserInfo]>([
    [
      'the profile controller (bindings.protectedManagers) to delete namespaceAdmin',
      'RoleBinding',
      NAMESPACE_ADMIN,
      PROFILES_CONTROLLER,
    ],
    [
      'a cluster admin (exempt) to delete namespaceAdmin',
      'RoleBinding',
      NAMESPACE_ADMIN,
      CLUSTER_ADMIN,
    ],
    [
      'the profile controller to delete ns-owner-access-istio',
      'AuthorizationPolicy',
      NS_OWNER_ACCESS_ISTIO,
      PROFILES_CONTROLLER,
    ],
    [
      'the owner to delete an unprotected binding',
      'RoleBinding',
      editBinding([user('bob@example.com')], 'alice', 'user-bob'),
      ALICE_USER,
    ],
    [
      'the owner to delete a protected name outside profile namespaces',
      'RoleBinding',
      { ...NAMESPACE_ADMIN, metadata: { name: 'namespaceAdmin', namespace: 'plain' } },
      ALICE_USER,
    ],
  ])('allows %s', (_case, target, stored, caller) => {
    const result = evaluate(target, undefined, {
      operation: 'DELETE',
      oldObject: stored,
      user: caller,
    });
    expect(result.allowed).toBe(true);
  });

  it('never denies a metadata-only update (finalizers)', () => {
    const finalized = {
      ...NAMESPACE_ADMIN,
      metadata: { ...NAMESPACE_ADMIN.metadata, finalizers: ['x'] },
    };
    const result = evaluate('RoleBinding', finalized, {
      operation: 'UPDATE',
      oldObject: NAMESPACE_ADMIN,
    });
    expect(result.allowed).toBe(true);
    expect(result.warnings).toEqual([]);
  });
});
