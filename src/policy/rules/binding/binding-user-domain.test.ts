import {
  evaluateObjectCase,
  objectCaseDenials,
  objectCaseTable,
} from '../../test-support/rule-cases.js';
import { statusOf } from '../../test-support/cluster-fixtures.js';
import { CASES } from './binding-user-domain.cases.js';

describe('binding-user-domain', () => {
  it.each(objectCaseTable(CASES))('%s', (_title, row) => {
    expect(objectCaseDenials(row)).toEqual(row.denials);
  });

  it('skips when no domains are set', () => {
    expect(statusOf(evaluateObjectCase(CASES[2]!), 'binding-user-domain')).toBe('skip');
  });
});
