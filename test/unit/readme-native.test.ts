import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { nativeRulesMarkdown } from '../../src/native/native-catalog.js';

const README = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');

describe('README: native admission policies', () => {
  it('lists which rule is native, and why not, exactly as the generator places them', () => {
    const start = README.indexOf('<!-- native-rules -->\n');
    const end = README.indexOf('\n<!-- /native-rules -->');
    expect(start).toBeGreaterThan(0);
    // On failure, paste the expected table between the markers.
    expect(README.slice(start + '<!-- native-rules -->\n'.length, end)).toBe(nativeRulesMarkdown());
  });
});
