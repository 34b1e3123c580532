import { objectCaseDenials, objectCaseTable } from '../../test-support/rule-cases.js';
import { CASES } from './binding-group.cases.js';

describe('binding-group (in a profile namespace, by a non-exempt user)', () => {
  it.each(objectCaseTable(CASES))('%s', (_title, row) => {
    expect(objectCaseDenials(row)).toEqual(row.denials);
  });
});
