import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  NATIVE_RULES_END,
  NATIVE_RULES_START,
  nativeRulesMarkdown,
} from '../../src/native/native-catalog.js';

const README = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');

describe('README: native admission policies', () => {
  it('lists which rule is native, and why not, exactly as the generator places them', () => {
    const start = README.indexOf(`${NATIVE_RULES_START}\n`);
    const end = README.indexOf(`\n${NATIVE_RULES_END}`);
    expect(start).toBeGreaterThan(0);
    // On failure: npm run generate.
    expect(README.slice(start + NATIVE_RULES_START.length + 1, end)).toBe(nativeRulesMarkdown());
  });
});
