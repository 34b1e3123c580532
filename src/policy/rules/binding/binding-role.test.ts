import {
  objectCaseDenials,
  objectCaseTable,
  objectCaseWarnings,
} from '../../test-support/rule-cases.js';
import { CASES } from './binding-role.cases.js';

describe('binding-role (in a profile namespace, by a non-exempt user)', () => {
  it.each(objectCaseTable(CASES))('%s', (_title, row) => {
    expect(objectCaseDenials(row)).toEqual(row.denials);
    if (row.warnings !== undefined) expect(objectCaseWarnings(row)).toEqual(row.warnings);
  });
});
