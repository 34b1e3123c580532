import { EMBEDDED_DEFAULT_POLICY } from '../../config/default-policy.js';
import { parsePolicyDocument } from '../../config/parse-policy.js';
import { aliceProfile, evaluateProfile } from './profile-fixtures.js';
import { CONTRACT_DEFAULT_SPEC, EMBEDDED_DEFAULT_SPEC, testPolicy } from './test-policy.js';

// The rule tables build policies from these literals (the pure core cannot load the schema);
// these checks keep them equal to what the config layer really produces.
describe('test policies', () => {
  it('the embedded default literal equals EMBEDDED_DEFAULT_POLICY', () => {
    expect(EMBEDDED_DEFAULT_SPEC).toEqual(EMBEDDED_DEFAULT_POLICY.spec);
  });

  it('the contract default literal equals an empty policy with every default filled', () => {
    const parsed = parsePolicyDocument({
      apiVersion: 'profile-guard.io/v1alpha1',
      kind: 'ProfilePolicy',
      metadata: { name: 'empty' },
      spec: {},
    });
    expect(parsed.ok && parsed.policy.spec).toEqual(CONTRACT_DEFAULT_SPEC);
  });

  it('the Kubeflow Profile gets the same decision under the real embedded default', () => {
    const withLiteral = evaluateProfile(aliceProfile(), { policy: testPolicy() });
    const withReal = evaluateProfile(aliceProfile(), { policy: EMBEDDED_DEFAULT_POLICY });
    expect(withReal).toEqual(withLiteral);
    expect(withReal).toMatchObject({ allowed: true, denials: [], warnings: [] });
  });

  it('deep-merges overrides, replacing lists', () => {
    const spec = testPolicy({ profiles: { owner: { kinds: ['Group'] } } }).spec;
    expect(spec.profiles.owner).toEqual({
      ...EMBEDDED_DEFAULT_SPEC.profiles.owner,
      kinds: ['Group'],
    });
    expect(spec.profiles.name).toBe(EMBEDDED_DEFAULT_SPEC.profiles.name);
  });
});
