import {
  findingsOf,
  evaluateProfile,
  pathsOf,
  profileWithSpec,
} from '../../test-support/profile-fixtures.js';
import { CLUSTER_ADMIN } from '../../test-support/kubeflow-objects.js';
import { CONTRACT_DEFAULT_SPEC, testPolicy } from '../../test-support/test-policy.js';

const named = (name: unknown) => ({ ...profileWithSpec({}), metadata: { name } });

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
    expect(evaluateProfile(named('kube-x'), { user: CLUSTER_ADMIN }).allowed).toBe(true);
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

  it.each([[{ a: 1 }], [42], [null]])(
    'leaves the non-string name %p to profile-name-format',
    (name) => {
      const policy = testPolicy({ profiles: { name: { pattern: 'x' } } });
      const result = evaluateProfile(named(name), { policy });
      expect(findingsOf(result, 'profile-name-reserved')).toEqual([]);
      expect(result.evaluations.find((e) => e.ruleId === 'profile-name-reserved')?.status).toBe(
        'skip',
      );
    },
  );
});
