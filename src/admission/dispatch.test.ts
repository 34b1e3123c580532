import { groupVersion, targetKind, toAdmissionInput } from './dispatch.js';
import type { AdmissionRequest } from './review.js';

describe('targetKind', () => {
  it.each([
    ['kubeflow.org', 'v1', 'Profile', 'Profile'],
    ['kubeflow.org', 'v1beta1', 'Profile', 'Profile'],
    ['', 'v1', 'Namespace', 'Namespace'],
    ['rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'RoleBinding'],
    ['rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'ClusterRoleBinding'],
    ['security.istio.io', 'v1', 'AuthorizationPolicy', 'AuthorizationPolicy'],
    ['security.istio.io', 'v1beta1', 'AuthorizationPolicy', 'AuthorizationPolicy'],
    ['kubeflow.org', 'v2', 'Profile', undefined],
    ['example.org', 'v1', 'Profile', undefined],
    ['', 'v1', 'Pod', undefined],
    ['rbac.authorization.k8s.io', 'v1', 'Role', undefined],
    ['', 'v1', 'namespace', undefined],
  ])('%s/%s %s -> %s', (group, version, kind, expected) => {
    expect(targetKind({ group, version, kind })).toBe(expected);
  });

  it('names the core group by its version alone', () => {
    expect(groupVersion({ group: '', version: 'v1', kind: 'Namespace' })).toBe('v1');
    expect(groupVersion({ group: 'kubeflow.org', version: 'v1', kind: 'Profile' })).toBe(
      'kubeflow.org/v1',
    );
  });
});

describe('toAdmissionInput', () => {
  const request = (patch: Partial<AdmissionRequest> = {}): AdmissionRequest => ({
    uid: 'u',
    kind: { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'RoleBinding' },
    operation: 'CREATE',
    name: '',
    namespace: 'team-a',
    userInfo: { username: 'alice', groups: ['g'] },
    object: { metadata: { name: 'from-object' } },
    oldObject: undefined,
    dryRun: true,
    ...patch,
  });

  it('builds the engine input, taking the name from the object when the request has none', () => {
    expect(toAdmissionInput(request(), 'RoleBinding')).toEqual({
      ok: true,
      input: {
        uid: 'u',
        target: 'RoleBinding',
        apiVersion: 'rbac.authorization.k8s.io/v1',
        operation: 'CREATE',
        name: 'from-object',
        namespace: 'team-a',
        object: { metadata: { name: 'from-object' } },
        oldObject: undefined,
        user: { username: 'alice', groups: ['g'] },
        dryRun: true,
      },
    });
  });

  it('prefers request.name, and reads the old object on DELETE', () => {
    const result = toAdmissionInput(
      request({
        operation: 'DELETE',
        name: 'rb',
        object: undefined,
        oldObject: { metadata: { name: 'x' } },
      }),
      'RoleBinding',
    );
    expect(result.ok && result.input.name).toBe('rb');
    expect(result.ok && result.input.oldObject).toEqual({ metadata: { name: 'x' } });
  });

  it.each<[Partial<AdmissionRequest>, string]>([
    [{ object: 'a string' }, 'request.object: not a JSON object'],
    [{ object: [1] }, 'request.object: not a JSON object'],
    [{ object: 5 }, 'request.object: not a JSON object'],
    [{ oldObject: true }, 'request.oldObject: not a JSON object'],
    [{ object: undefined }, 'request.object: missing on CREATE'],
    [{ operation: 'UPDATE' }, 'request.oldObject: missing on UPDATE'],
    // Nothing to judge a deletion by (binding-protected) must not allow it.
    [{ operation: 'DELETE', object: undefined }, 'request.oldObject: missing on DELETE'],
  ])('refuses a bad object %#', (patch, message) => {
    expect(toAdmissionInput(request(patch), 'RoleBinding')).toEqual({ ok: false, message });
  });
});
