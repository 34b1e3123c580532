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
import { NAMESPACE_ADMIN } from '../../test-support/kubeflow-objects.js';
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
});
