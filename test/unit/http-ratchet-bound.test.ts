import request from 'supertest';
import { testWebhook } from './webhook-support.js';
import { reviewBody } from '../../src/admission/test-support/reviews.js';
import { MAX_RATCHETED_VIOLATIONS } from '../../src/policy/engine.js';
import type { KubeObject } from '../../src/policy/kube-object.js';

const RBAC = 'rbac.authorization.k8s.io';
const N = MAX_RATCHETED_VIOLATIONS;

/** A RoleBinding in alice's namespace binding `count` ServiceAccounts of other namespaces. */
function binding(count: number, labels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: `${RBAC}/v1`,
    kind: 'RoleBinding',
    metadata: { name: 'ci-access', namespace: 'alice', labels },
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'kubeflow-edit' },
    subjects: Array.from({ length: count }, (_, index) => ({
      kind: 'ServiceAccount',
      namespace: `team-${String(index)}`,
      name: 'ci',
    })),
  };
}

/** alice relabels a stored binding with `count` foreign ServiceAccounts; /validate's answer. */
async function relabel(count: number) {
  const body = reviewBody({
    kind: { group: RBAC, version: 'v1', kind: 'RoleBinding' },
    namespace: 'alice',
    operation: 'UPDATE',
    object: binding(count, { note: 'x' }),
    oldObject: binding(count),
  });
  const res = await request(testWebhook())
    .post('/validate')
    .set('Content-Type', 'application/json')
    .send(JSON.stringify(body))
    .expect(200);
  return (
    res.body as {
      response: {
        allowed: boolean;
        status?: { code: number; message: string };
        warnings?: string[];
      };
    }
  ).response;
}

describe('the ratcheting bound over HTTP', () => {
  it('keeps N old violations of a rule as warnings', async () => {
    const response = await relabel(N);
    expect(response.allowed).toBe(true);
    expect(response.warnings?.[0]).toMatch(/^binding-serviceaccount-namespace: subjects\[0\]/);
    expect(response.warnings).toHaveLength(21);
  });

  it('denies N + 1 of them, saying why and naming the rule', async () => {
    const response = await relabel(N + 1);
    expect(response.allowed).toBe(false);
    expect(response.status?.code).toBe(403);
    const [reason, first] = response.status?.message.split('; ') ?? [];
    expect(reason).toBe(
      `binding-serviceaccount-namespace: subjects[0].namespace and the other ${N} violations of this rule were not compared with the stored object (ratcheting compares at most ${N} per object, and this object has ${N + 1}): each is judged as new`,
    );
    expect(first).toMatch(/^binding-serviceaccount-namespace: subjects\[0\]/);
    expect(response.warnings).toBeUndefined();
  });
});
