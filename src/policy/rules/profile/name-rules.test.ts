import type { RuleId } from '../../rule-ids.js';
import {
  findingsOf,
  evaluateProfile,
  pathsOf,
  profileWithSpec,
} from '../../test-support/profile-fixtures.js';
import { CONTRACT_DEFAULT_SPEC, testPolicy } from '../../test-support/test-policy.js';
import { namePattern } from './profile-name-pattern.js';

const named = (name: unknown) => ({ ...profileWithSpec({}), metadata: { name } });
const ADMIN = { username: 'admin', groups: ['system:masters'] };

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
    const result = evaluateProfile(named('Bad_Name'), { user: ADMIN });
    expect(result.exempt).toBe(true);
    expect(result.allowed).toBe(false);
    expect(result.denials.map((d) => d.ruleId)).toEqual(['profile-name-format']);
  });
});

describe('profile-name-reserved (embedded default lists)', () => {
  it.each([
    ['alice', null],
    ['kubex', null],
    ['kubeflow-alice', null],
    ['default', 'metadata.name "default" is a reserved name'],
    ['kubeflow', 'metadata.name "kubeflow" is a reserved name'],
    ['kube-alice', 'metadata.name "kube-alice" starts with the reserved prefix "kube-"'],
    ['istio-x', 'metadata.name "istio-x" starts with the reserved prefix "istio-"'],
    ['openshift-a', 'metadata.name "openshift-a" starts with the reserved prefix "openshift-"'],
  ])('%s', (name, message) => {
    const result = evaluateProfile(named(name));
    expect(findingsOf(result, 'profile-name-reserved')).toEqual(
      message === null ? [] : [{ path: 'metadata.name', message }],
    );
    expect(result.allowed).toBe(message === null);
  });

  it('lets exempt callers through', () => {
    expect(evaluateProfile(named('kube-x'), { user: ADMIN }).allowed).toBe(true);
  });

  it('reserves nothing under the contract defaults', () => {
    const policy = testPolicy({}, CONTRACT_DEFAULT_SPEC);
    expect(pathsOf('profile-name-reserved', named('kube-system'), { policy })).toEqual([]);
  });

  it('is a warning in Warn mode', () => {
    const policy = testPolicy({ ruleModes: { 'profile-name-reserved': 'Warn' } });
    const result = evaluateProfile(named('default'), { policy });
    expect(result.allowed).toBe(true);
    expect(result.warnings.map((w) => w.ruleId)).toEqual(['profile-name-reserved']);
  });
});

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
});

describe('name rules on malformed names', () => {
  it.each<RuleId>(['profile-name-reserved', 'profile-name-pattern'])(
    '%s leaves a non-string name to profile-name-format',
    (rule) => {
      const policy = testPolicy({ profiles: { name: { pattern: 'x' } } });
      const result = evaluateProfile(named({ a: 1 }), { policy });
      expect(findingsOf(result, rule)).toEqual([]);
      expect(result.evaluations.find((e) => e.ruleId === rule)?.status).toBe('skip');
    },
  );
});
