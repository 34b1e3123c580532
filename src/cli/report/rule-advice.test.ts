import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { RULE_IDS } from '../../policy/rule-ids.js';
import {
  ADVICE_END,
  ADVICE_START,
  GENERIC_ADVICE,
  RULE_ADVICE,
  adviceFor,
  adviceMarkdown,
} from './rule-advice.js';

const README = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');

describe('per-rule advice', () => {
  it.each(RULE_IDS.map((rule) => [rule]))('%s has advice of its own', (rule) => {
    expect(Object.hasOwn(RULE_ADVICE, rule)).toBe(true);
    expect(adviceFor(rule)).not.toBe(GENERIC_ADVICE);
  });

  it('is one line of text each, with balanced backticks', () => {
    for (const [rule, advice] of Object.entries(RULE_ADVICE)) {
      expect([rule, /[\r\n|]/.test(advice)]).toEqual([rule, false]);
      expect([rule, advice.split('`').length % 2]).toEqual([rule, 1]);
    }
  });

  it('falls back to the generic advice for a rule it does not know', () => {
    expect(adviceFor('no-such-rule')).toBe(GENERIC_ADVICE);
    expect(adviceFor('constructor')).toBe(GENERIC_ADVICE);
  });

  it('the README copies it exactly, in catalog order (npm run generate rewrites the copy)', () => {
    const start = README.indexOf(ADVICE_START);
    const end = README.indexOf(ADVICE_END);
    expect(start).toBeGreaterThan(0);
    expect(end).toBeGreaterThan(start);
    expect(README.slice(start + ADVICE_START.length, end)).toBe(`\n${adviceMarkdown(RULE_IDS)}\n`);
  });
});
