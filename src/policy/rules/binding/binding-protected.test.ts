import { EMBEDDED_DEFAULT_POLICY } from '../../../config/default-policy.js';
import { validateAsWebhook } from '../../test-support/as-webhook.js';
import {
  cluster,
  denials,
  evaluate,
  roleBinding,
  user,
} from '../../test-support/cluster-fixtures.js';
import { input } from '../../test-support/fixtures.js';
import {
  CLUSTER_ADMIN,
  NAMESPACE_ADMIN,
  NS_OWNER_ACCESS_ISTIO,
  PROFILES_CONTROLLER,
  ALICE_USER,
} from '../../test-support/kubeflow-objects.js';
import type { KubeObject } from '../../kube-object.js';
import { objectCaseDenials, objectCaseTable } from '../../test-support/rule-cases.js';
import { CASES } from './binding-protected.cases.js';

describe('binding-protected', () => {
  it.each(objectCaseTable(CASES))('%s', (_title, row) => {
    expect(objectCaseDenials(row)).toEqual(row.denials);
  });

  it('warns of nothing on a metadata-only update', () => {
    const finalized = {
      ...NAMESPACE_ADMIN,
      metadata: { ...NAMESPACE_ADMIN.metadata, finalizers: ['x'] },
    };
    const result = evaluate('RoleBinding', finalized, {
      operation: 'UPDATE',
      oldObject: NAMESPACE_ADMIN,
    });
    expect(result.warnings).toEqual([]);
  });

  // The API server names the object in request.name; a review whose name and object disagree is
  // judged by whichever of the two is protected.
  it.each([
    ['the request names another object', NAMESPACE_ADMIN, 'other'],
    [
      'the object is another binding',
      roleBinding('alice', 'other', { name: 'kubeflow-admin' }, [user('alice@example.com')]),
      'namespaceAdmin',
    ],
  ])('denies deleting namespaceAdmin when %s', (_title, stored, name) => {
    const request = {
      ...input('RoleBinding', undefined, { operation: 'DELETE', oldObject: stored }),
      name,
    };
    const result = validateAsWebhook(request, EMBEDDED_DEFAULT_POLICY, cluster());
    expect(denials(result)).toEqual([
      expect.stringContaining(
        'binding-protected: metadata.name "namespaceAdmin" is a protected RoleBinding',
      ) as string,
    ]);
  });

  // The garbage collector deletes an object whose owners are all gone: swapping the Profile's
  // reference for one to an object the tenant then deletes (or to one that does not exist) would
  // delete the protected object through it, although the UPDATE changes only ownerReferences.
  describe('ownerReferences of a protected object', () => {
    const withOwners = (object: KubeObject, ownerReferences: unknown[]): KubeObject => ({
      ...object,
      metadata: { ...object.metadata, ownerReferences },
    });
    const stored = NAMESPACE_ADMIN;
    const storedOwners = (stored.metadata?.ownerReferences ?? []) as unknown[];
    const dangling = { apiVersion: 'v1', kind: 'ConfigMap', name: 'bait', uid: 'u-1' };

    it.each([
      ['swaps the Profile for an object alice owns', [dangling], 'metadata.ownerReferences[0]'],
      [
        'adds one beside the Profile',
        [...storedOwners, dangling],
        `metadata.ownerReferences[${storedOwners.length}]`,
      ],
      [
        'changes the uid of the Profile reference',
        storedOwners.map((owner) => ({ ...(owner as object), uid: 'another' })),
        'metadata.ownerReferences[0]',
      ],
    ])('denies alice an update that %s', (_title, ownerReferences, path) => {
      const result = evaluate('RoleBinding', withOwners(stored, ownerReferences), {
        operation: 'UPDATE',
        oldObject: stored,
      });
      expect(result.allowed).toBe(false);
      expect(denials(result)).toEqual([
        `binding-protected: ${path} adds an owner to the protected RoleBinding "namespaceAdmin" (bindings.protected): the garbage collector deletes an object whose owners are all gone, so only kubeflow/profiles-controller-service-account (bindings.protectedManagers) may add one`,
      ]);
    });

    it('denies it on an AuthorizationPolicy too (ns-owner-access-istio)', () => {
      const result = evaluate(
        'AuthorizationPolicy',
        withOwners(NS_OWNER_ACCESS_ISTIO, [dangling]),
        {
          operation: 'UPDATE',
          oldObject: NS_OWNER_ACCESS_ISTIO,
        },
      );
      expect(result.allowed).toBe(false);
    });

    it.each([
      ['alice removes every reference (orphaning deletes nothing)', ALICE_USER, []],
      ['alice adds a finalizer', ALICE_USER, undefined],
      ['the profile controller adds a reference', PROFILES_CONTROLLER, [dangling]],
      ['a cluster admin adds a reference', CLUSTER_ADMIN, [dangling]],
    ] as const)('allows: %s', (_title, caller, ownerReferences) => {
      const next =
        ownerReferences === undefined
          ? { ...stored, metadata: { ...stored.metadata, finalizers: ['example.com/keep'] } }
          : withOwners(stored, [...ownerReferences]);
      const result = evaluate('RoleBinding', next, {
        operation: 'UPDATE',
        oldObject: stored,
        user: caller,
      });
      expect(denials(result)).toEqual([]);
    });

    it('leaves other objects to the metadata-only rule (never denied)', () => {
      const binding = roleBinding('alice', 'mine', { name: 'kubeflow-edit' }, [
        user('bob@example.com'),
      ]);
      const result = evaluate('RoleBinding', withOwners(binding, [dangling]), {
        operation: 'UPDATE',
        oldObject: binding,
      });
      expect(result.allowed).toBe(true);
    });
  });
});
