import {
  findingsOf,
  evaluateProfile,
  pathsOf,
  profileWithSpec,
} from '../../test-support/profile-fixtures.js';
import { CONTRACT_DEFAULT_SPEC, testPolicy } from '../../test-support/test-policy.js';
import { namePattern } from './profile-name-pattern.js';

const named = (name: unknown) => ({ ...profileWithSpec({}), metadata: { name } });

describe('profile-name-pattern', () => {
  const withPattern = (pattern: string) =>
    testPolicy({ profiles: { name: { pattern } } }, CONTRACT_DEFAULT_SPEC);

  it.each([
    ['team-[a-z]+', 'team-ml', true],
    ['team-[a-z]+', 'team-ml2', false],
    ['team-[a-z]+', 'x-team-ml', false], // whole-name match, not a search
    ['[a-z]+|team-.*', 'team-42', true], // alternation is anchored as a whole
    ['[a-z]+|team-.*', 'ateam-42', false],
    ['', 'anything', true],
  ])('pattern %p, name %p: passes %p', (pattern, name, ok) => {
    const findings = findingsOf(
      evaluateProfile(named(name), { policy: withPattern(pattern) }),
      'profile-name-pattern',
    );
    expect(findings).toEqual(
      ok
        ? []
        : [
            {
              path: 'metadata.name',
              message: `metadata.name "${name}" does not match the pattern ${JSON.stringify(pattern)}`,
            },
          ],
    );
  });

  it('compiles the pattern once per policy object', () => {
    const policy = withPattern('[a-z]+');
    expect(namePattern(policy.spec)).toBe(namePattern(policy.spec));
    expect(namePattern(withPattern('[a-z]+').spec)).not.toBe(namePattern(policy.spec));
  });

  it('refuses a pattern that would escape the anchors, failing closed', () => {
    const policy = withPattern('team-.*)|(.*');
    expect(namePattern(policy.spec)).toBeNull();
    expect(pathsOf('profile-name-pattern', named('anything'), { policy })).toEqual([
      'metadata.name',
    ]);
  });

  it('fails closed without throwing when the pattern does not compile', () => {
    const result = evaluateProfile(named('alice'), { policy: withPattern('(') });
    expect(result.allowed).toBe(false);
    expect(findingsOf(result, 'profile-name-pattern')).toEqual([
      {
        path: 'metadata.name',
        message: 'profiles.name.pattern "(" is not a valid regular expression',
      },
    ]);
  });

  it.each([[{ a: 1 }], [42], [null]])(
    'leaves the non-string name %p to profile-name-format',
    (name) => {
      const policy = testPolicy({ profiles: { name: { pattern: 'x' } } });
      const result = evaluateProfile(named(name), { policy });
      expect(findingsOf(result, 'profile-name-pattern')).toEqual([]);
      expect(result.evaluations.find((e) => e.ruleId === 'profile-name-pattern')?.status).toBe(
        'skip',
      );
    },
  );
});
