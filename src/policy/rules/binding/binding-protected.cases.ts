import type { KubeObject } from '../../kube-object.js';
import { editBinding, user } from '../../test-support/cluster-fixtures.js';
import {
  ALICE_USER,
  CLUSTER_ADMIN,
  NAMESPACE_ADMIN,
  NS_OWNER_ACCESS_ISTIO,
  PROFILES_CONTROLLER,
} from '../../test-support/kubeflow-objects.js';
import { KUBE_CONTROLLER_MANAGER_USER } from '../../test-support/kubeflow-upstream.js';
import type { ObjectRuleCase } from '../../test-support/rule-cases.js';

const MANAGERS = 'kubeflow/profiles-controller-service-account (bindings.protectedManagers)';
const deleted = (oldObject: KubeObject) => ({
  target: 'RoleBinding' as const,
  operation: 'DELETE' as const,
  oldObject,
});

/** binding-protected's table (alice's namespace; by alice unless said). */
export const CASES: readonly ObjectRuleCase[] = [
  {
    title: 'denies the owner deleting namespaceAdmin',
    ...deleted(NAMESPACE_ADMIN),
    denials: [
      `binding-protected: metadata.name "namespaceAdmin" is a protected RoleBinding (bindings.protected): it may only be deleted by ${MANAGERS}`,
    ],
  },
  {
    title: 'denies the owner changing namespaceAdmin',
    target: 'RoleBinding',
    operation: 'UPDATE',
    object: {
      ...NAMESPACE_ADMIN,
      subjects: [user('alice@example.com'), user('mallory@example.com')],
    },
    oldObject: NAMESPACE_ADMIN,
    denials: [
      'binding-owner-only-role: subjects[1].name "mallory@example.com" (User) is not the owner of profile namespace "alice" (User "alice@example.com"); roleRef.name "kubeflow-admin" is reserved to the owner (bindings.ownerOnlyRoles)',
      `binding-protected: metadata.name "namespaceAdmin" is a protected RoleBinding (bindings.protected): it may only be changed by ${MANAGERS}`,
    ],
  },
  {
    title: 'allows the profile controller (bindings.protectedManagers) to delete namespaceAdmin',
    ...deleted(NAMESPACE_ADMIN),
    user: PROFILES_CONTROLLER,
    denials: [],
  },
  {
    title: 'allows a cluster admin (exempt) to delete namespaceAdmin',
    ...deleted(NAMESPACE_ADMIN),
    user: CLUSTER_ADMIN,
    denials: [],
  },
  {
    title:
      'allows kube-controller-manager as the plain user (exempt) to delete namespaceAdmin, as its garbage collector does',
    ...deleted(NAMESPACE_ADMIN),
    user: KUBE_CONTROLLER_MANAGER_USER,
    denials: [],
  },
  {
    title: 'allows the owner to delete an unprotected binding',
    ...deleted(editBinding([user('bob@example.com')], 'alice', 'user-bob')),
    user: ALICE_USER,
    denials: [],
  },
  {
    title: 'allows the owner to delete a protected name outside profile namespaces',
    ...deleted({ ...NAMESPACE_ADMIN, metadata: { name: 'namespaceAdmin', namespace: 'plain' } }),
    user: ALICE_USER,
    denials: [],
  },
  {
    title: 'never denies a metadata-only update (finalizers)',
    target: 'RoleBinding',
    operation: 'UPDATE',
    object: { ...NAMESPACE_ADMIN, metadata: { ...NAMESPACE_ADMIN.metadata, finalizers: ['x'] } },
    oldObject: NAMESPACE_ADMIN,
    denials: [],
  },
  {
    title: 'denies the owner deleting the AuthorizationPolicy ns-owner-access-istio',
    target: 'AuthorizationPolicy',
    operation: 'DELETE',
    oldObject: NS_OWNER_ACCESS_ISTIO,
    denials: [
      `binding-protected: metadata.name "ns-owner-access-istio" is a protected AuthorizationPolicy (bindings.protected): it may only be deleted by ${MANAGERS}`,
    ],
  },
  {
    title: 'denies the owner relabelling ns-owner-access-istio',
    target: 'AuthorizationPolicy',
    operation: 'UPDATE',
    object: {
      ...NS_OWNER_ACCESS_ISTIO,
      metadata: { ...NS_OWNER_ACCESS_ISTIO.metadata, labels: { team: 'alice' } },
    },
    oldObject: NS_OWNER_ACCESS_ISTIO,
    denials: [
      `binding-protected: metadata.name "ns-owner-access-istio" is a protected AuthorizationPolicy (bindings.protected): it may only be changed by ${MANAGERS}`,
    ],
  },
  {
    title:
      'allows kube-controller-manager as the plain user (exempt) to delete ns-owner-access-istio',
    target: 'AuthorizationPolicy',
    operation: 'DELETE',
    oldObject: NS_OWNER_ACCESS_ISTIO,
    user: KUBE_CONTROLLER_MANAGER_USER,
    denials: [],
  },
  {
    title: 'allows the profile controller to delete ns-owner-access-istio',
    target: 'AuthorizationPolicy',
    operation: 'DELETE',
    oldObject: NS_OWNER_ACCESS_ISTIO,
    user: PROFILES_CONTROLLER,
    denials: [],
  },
];
