import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MUTATORS, RULES } from './catalog.js';
import { RULE_IDS } from './rule-ids.js';

const RULES_DIR = fileURLToPath(new URL('./rules/', import.meta.url));
const files = readdirSync(RULES_DIR, { recursive: true, encoding: 'utf8' }).map((file) =>
  file.replaceAll('\\', '/'),
);

/**
 * The rule ids the contract published, with whether each is structural. Ids are never renamed nor
 * dropped; new rules join the catalog without being listed here.
 */
const PUBLISHED: readonly (readonly [string, boolean])[] = [
  ['profile-name-format', true],
  ['profile-name-reserved', false],
  ['profile-name-pattern', false],
  ['profile-owner-required', true],
  ['profile-owner-kind', false],
  ['profile-owner-format', false],
  ['profile-owner-lowercase', false],
  ['profile-owner-domain', false],
  ['profile-owner-immutable', false],
  ['profile-owner-limit', false],
  ['profile-namespace-takeover', false],
  ['profile-quota-quantity', true],
  ['profile-quota-resource', false],
  ['profile-quota-max', false],
  ['profile-plugin', false],
  ['binding-serviceaccount-namespace', false],
  ['binding-group', false],
  ['binding-role', false],
  ['binding-owner-only-role', false],
  ['binding-user-domain', false],
  ['binding-contributor-limit', false],
  ['binding-protected', false],
  ['clusterbinding-profile-role', false],
  ['authz-source-namespace', false],
  ['authz-any-source', false],
  ['authz-user-header', false],
];

describe('the rule catalog', () => {
  it('gives RULE_IDS in catalog order, each id once', () => {
    expect(RULE_IDS).toEqual(RULES.map((rule) => rule.id));
    expect(new Set(RULE_IDS).size).toBe(RULE_IDS.length);
  });

  it.each(PUBLISHED)('still has the published rule %s (structural: %p)', (id, structural) => {
    expect(RULES.find((rule) => rule.id === id)?.structural).toBe(structural);
  });

  it('keeps the Profile rules in the contract order, none for DELETE', () => {
    const profileRules = RULES.filter((rule) => rule.targets.includes('Profile'));
    const published = PUBLISHED.map(([id]) => id);
    const ids = profileRules.map((rule) => rule.id).filter((id) => published.includes(id));
    expect(ids).toEqual([
      'profile-name-format',
      'profile-name-reserved',
      'profile-name-pattern',
      'profile-owner-required',
      'profile-owner-kind',
      'profile-owner-format',
      'profile-owner-lowercase',
      'profile-owner-domain',
      'profile-owner-immutable',
      'profile-quota-quantity',
      'profile-quota-resource',
      'profile-quota-max',
      'profile-plugin',
      'profile-owner-limit',
      'profile-namespace-takeover',
    ]);
    for (const rule of profileRules) expect(rule.operations).not.toContain('DELETE');
  });

  it.each(RULES.map((rule) => [rule.id, rule] as const))(
    '%s lives in rules/<group>/<its id>.ts beside its <id>.test.ts and describes itself on one line',
    (id, rule) => {
      const [file, ...others] = files.filter((name) => name.endsWith(`/${id}.ts`));
      expect(others).toEqual([]);
      expect(files).toContain(file?.replace(/\.ts$/, '.test.ts'));
      expect(rule.description).not.toMatch(/[\r\n|]/);
      expect(rule.targets.length).toBeGreaterThan(0);
      expect(rule.operations.length).toBeGreaterThan(0);
    },
  );

  it('registers every rule defined under rules/', () => {
    const defined = files
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
      .filter((file) => readFileSync(`${RULES_DIR}${file}`, 'utf8').includes('defineRule('))
      .map((file) => file.slice(file.lastIndexOf('/') + 1, -'.ts'.length));
    expect(defined.sort()).toEqual([...RULE_IDS].sort());
  });

  it('lists every mutator once', () => {
    const ids = MUTATORS.map((mutator) => mutator.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
