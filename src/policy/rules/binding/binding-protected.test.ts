import { evaluate } from '../../test-support/cluster-fixtures.js';
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
});
