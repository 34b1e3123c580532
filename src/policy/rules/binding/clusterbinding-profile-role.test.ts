import { evaluate, group, user } from '../../test-support/cluster-fixtures.js';
import {
  evaluateObjectCase,
  objectCaseDenials,
  objectCaseTable,
} from '../../test-support/rule-cases.js';
import { CASES, crb } from './clusterbinding-profile-role.cases.js';

describe('clusterbinding-profile-role', () => {
  it.each(objectCaseTable(CASES))('%s', (_title, row) => {
    const result = evaluateObjectCase(row);
    expect(objectCaseDenials(row)).toEqual(row.denials);
    expect(result.allowed).toBe(row.denials.length === 0);
  });

  describe('on UPDATE of a binding that already violated (ratcheting by subject)', () => {
    const stored = crb('kubeflow-edit', [user('bob@example.com')]);
    const update = (subjects: Record<string, unknown>[]) => {
      const result = evaluate('ClusterRoleBinding', crb('kubeflow-edit', subjects), {
        operation: 'UPDATE',
        oldObject: stored,
      });
      return {
        denied: result.denials.map((finding) => finding.path),
        kept: result.warnings.filter((finding) => finding.ratcheted).map((finding) => finding.path),
      };
    };

    it.each<[string, Record<string, unknown>[], object]>([
      [
        'unchanged subjects stay warnings',
        [user('bob@example.com')],
        { denied: [], kept: ['subjects[0].name'] },
      ],
      [
        'an added subject is denied',
        [user('bob@example.com'), user('eve@example.com')],
        { denied: ['subjects[1].name'], kept: ['subjects[0].name'] },
      ],
      [
        'a subject added in front is denied, the stored one kept',
        [group('system:authenticated'), user('bob@example.com')],
        { denied: ['subjects[0].name'], kept: ['subjects[1].name'] },
      ],
      [
        'a replaced subject is denied',
        [user('eve@example.com')],
        { denied: ['subjects[0].name'], kept: [] },
      ],
      [
        'a subject of another kind is a new one',
        [group('bob@example.com')],
        { denied: ['subjects[0].name'], kept: [] },
      ],
      ['removing every subject is allowed', [], { denied: [], kept: [] }],
    ])('%s', (_name, subjects, expected) => {
      expect(update(subjects)).toEqual(expected);
    });
  });
});
