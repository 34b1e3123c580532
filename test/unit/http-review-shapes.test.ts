/**
 * Review shapes the real API server can send, and identities that only look exempt, over HTTP to
 * the app factory under the embedded default policy: the decision does not depend on the fields
 * the webhook does not read (`subResource`, `requestKind`/`requestResource`, `options`,
 * `userInfo.extra`, `dryRun`), and exemptions match a caller's exact user name and groups.
 */
import request from 'supertest';
import { testWebhook } from './webhook-support.js';
import { profile, reviewBody } from '../../src/admission/test-support/reviews.js';
import type { KubeObject } from '../../src/policy/kube-object.js';

const UID = '705ab4f5-6393-11e8-b7cc-42010a800002';
const RBAC = 'rbac.authorization.k8s.io';
const ROLE_BINDING_KIND = { group: RBAC, version: 'v1', kind: 'RoleBinding' };
const CONTROLLER = 'system:serviceaccount:kubeflow:profiles-controller-service-account';

interface Answer {
  readonly uid: string;
  readonly allowed: boolean;
  readonly status?: { readonly code: number; readonly message: string };
}

async function validate(body: Record<string, unknown>): Promise<Answer> {
  const res = await request(testWebhook())
    .post('/validate')
    .set('Content-Type', 'application/json')
    .send(JSON.stringify(body))
    .expect(200);
  return (res.body as { response: Answer }).response;
}

/** `body` with `request` fields replaced or added. */
function withRequest(
  body: Record<string, unknown>,
  fields: Record<string, unknown>,
): Record<string, unknown> {
  return { ...body, request: { ...(body.request as object), ...fields } };
}

const defaulted = (name: string, owner: string): KubeObject => ({
  ...profile(name, owner),
  metadata: { name, labels: { 'app.kubernetes.io/part-of': 'kubeflow-profile' } },
  spec: {
    owner: { kind: 'User', name: owner },
    resourceQuotaSpec: {
      hard: { cpu: '4', memory: '16Gi', persistentvolumeclaims: '10', 'requests.storage': '100Gi' },
    },
  },
});

function binding(name: string, subjects: readonly Record<string, unknown>[]): KubeObject {
  return {
    apiVersion: `${RBAC}/v1`,
    kind: 'RoleBinding',
    metadata: { name, namespace: 'alice' },
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'kubeflow-edit' },
    subjects,
  };
}

describe('an owner change whatever the review around it', () => {
  const stored = defaulted('alice', 'alice@example.com');
  const handed = defaulted('alice', 'bob@example.com');
  const update = reviewBody({ operation: 'UPDATE', object: handed, oldObject: stored });

  it.each<[string, Record<string, unknown>]>([
    ['a plain UPDATE', {}],
    [
      // matchPolicy Equivalent: the API server converts a v1beta1 write to the version registered.
      'requestKind/requestResource of v1beta1 (converted by the API server)',
      {
        requestKind: { group: 'kubeflow.org', version: 'v1beta1', kind: 'Profile' },
        requestResource: { group: 'kubeflow.org', version: 'v1beta1', resource: 'profiles' },
      },
    ],
    [
      'request.kind v1beta1',
      {
        kind: { group: 'kubeflow.org', version: 'v1beta1', kind: 'Profile' },
        object: { ...handed, apiVersion: 'kubeflow.org/v1beta1' },
        oldObject: { ...stored, apiVersion: 'kubeflow.org/v1beta1' },
      },
    ],
    ['subResource set', { subResource: 'status' }],
    [
      'UpdateOptions with a field manager',
      { options: { kind: 'UpdateOptions', fieldManager: 'x' } },
    ],
    [
      'userInfo with extra and a uid',
      {
        userInfo: {
          username: 'alice@example.com',
          uid: 'u-1',
          groups: ['system:authenticated'],
          extra: { 'authentication.kubernetes.io/credential-id': ['JTI=1'] },
        },
      },
    ],
    ['a dry run', { dryRun: true }],
  ])('is denied: %s', async (_case, fields) => {
    const response = await validate(withRequest(update, fields));
    expect(response).toMatchObject({ uid: UID, allowed: false, status: { code: 403 } });
    expect(response.status?.message).toMatch(/^profile-owner-immutable: spec\.owner cannot change/);
  });
});

describe('identities that only look exempt', () => {
  const namespaceAdmin = binding('namespaceAdmin', [
    { apiGroup: RBAC, kind: 'User', name: 'alice@example.com' },
  ]);
  const deletion = reviewBody({
    kind: ROLE_BINDING_KIND,
    operation: 'DELETE',
    namespace: 'alice',
    oldObject: namespaceAdmin,
  });
  const opened = reviewBody({
    kind: ROLE_BINDING_KIND,
    namespace: 'alice',
    object: binding('everyone', [{ apiGroup: RBAC, kind: 'Group', name: 'system:authenticated' }]),
  });

  it.each<[string, string, readonly string[]]>([
    ['the controller with a trailing space', `${CONTROLLER} `, ['system:authenticated']],
    ['the controller in another case', CONTROLLER.toUpperCase(), ['system:authenticated']],
    [
      'the controller of another namespace',
      'system:serviceaccount:kubeflow-x:profiles-controller-service-account',
      ['system:serviceaccounts', 'system:serviceaccounts:kubeflow-x'],
    ],
    [
      'a group that starts like kube-system',
      'alice@example.com',
      ['system:serviceaccounts:kube-system-x'],
    ],
    ['system:masters with a trailing space', 'alice@example.com', ['system:masters ']],
    ['system:masters in another case', 'alice@example.com', ['System:Masters']],
    ['a kube-system service account name as a user', 'system:serviceaccounts:kube-system', []],
  ])('%s may not delete namespaceAdmin', async (_case, username, groups) => {
    const response = await validate(
      withRequest(deletion, { userInfo: { username, groups: [...groups] } }),
    );
    expect(response).toMatchObject({ uid: UID, allowed: false, status: { code: 403 } });
    expect(response.status?.message).toMatch(/^binding-protected: metadata\.name "namespaceAdmin"/);
  });

  it.each<[string, string, readonly string[]]>([
    [
      'a group that starts like kube-system',
      'alice@example.com',
      ['system:serviceaccounts:kube-system-x'],
    ],
    ['system:masters in another case', 'alice@example.com', ['System:Masters']],
  ])('%s may not bind system:authenticated', async (_case, username, groups) => {
    const response = await validate(
      withRequest(opened, { userInfo: { username, groups: [...groups] } }),
    );
    expect(response).toMatchObject({ allowed: false, status: { code: 403 } });
    expect(response.status?.message).toMatch(/^binding-group: subjects\[0\]\.name/);
  });

  it('the real identities are let through (so the rows above can fail)', async () => {
    const controller = await validate(
      withRequest(deletion, {
        userInfo: { username: CONTROLLER, groups: ['system:serviceaccounts:kubeflow'] },
      }),
    );
    expect(controller.allowed).toBe(true);
    const kubeSystem = await validate(
      withRequest(opened, {
        userInfo: {
          username: 'system:serviceaccount:kube-system:namespace-controller',
          groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system'],
        },
      }),
    );
    expect(kubeSystem.allowed).toBe(true);
  });
});
