import {
  findingsOf,
  evaluateProfile,
  pathsOf,
  profileWithSpec,
} from '../../test-support/profile-fixtures.js';
import { CLUSTER_ADMIN } from '../../test-support/kubeflow-objects.js';

const named = (name: unknown) => ({ ...profileWithSpec({}), metadata: { name } });

describe('profile-name-format', () => {
  it.each([
    ['a', true],
    ['alice', true],
    ['team-42', true],
    ['0abc', true],
    ['a'.repeat(63), true],
    ['a'.repeat(64), false],
    ['-a', false],
    ['a-', false],
    ['Alice', false],
    ['al_ice', false],
    ['al.ice', false],
    ['', false],
    [42, false],
    [undefined, false],
  ])('%p passes: %p', (name, ok) => {
    expect(pathsOf('profile-name-format', named(name))).toEqual(ok ? [] : ['metadata.name']);
  });

  it('says why, quoting the name', () => {
    const tooLong = 'a'.repeat(64);
    expect(findingsOf(evaluateProfile(named(tooLong)), 'profile-name-format')).toEqual([
      {
        path: 'metadata.name',
        message: `metadata.name "${tooLong}" is 64 characters long; at most 63 are allowed`,
      },
    ]);
    expect(findingsOf(evaluateProfile(named('a-')), 'profile-name-format')[0]?.message).toBe(
      'metadata.name "a-" is not a DNS-1123 label (a-z, 0-9 and "-", starting and ending with a-z or 0-9)',
    );
    expect(findingsOf(evaluateProfile(named(undefined)), 'profile-name-format')[0]?.message).toBe(
      'metadata.name is missing',
    );
  });

  it('is structural: enforced for exempt callers too', () => {
    const result = evaluateProfile(named('Bad_Name'), { user: CLUSTER_ADMIN });
    expect(result.exempt).toBe(true);
    expect(result.allowed).toBe(false);
    expect(result.denials.map((d) => d.ruleId)).toEqual(['profile-name-format']);
  });
});
