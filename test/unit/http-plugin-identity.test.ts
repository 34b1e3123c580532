/**
 * profile-plugin-identity over HTTP, on the app factory as `serve` builds it: a policy with
 * `profiles.plugins.exclusiveIdentities` and a cluster snapshot holding bob's Profile, which
 * names his GCP service account. alice's Profile naming the same one is denied through /mutate
 * then /validate (the API server's order); her own is admitted.
 */
import request from 'supertest';
import { testWebhook } from './webhook-support.js';
import { applyJsonPatch } from '../../src/admission/apply-json-patch.js';
import { decodePatch, profile, reviewBody } from '../../src/admission/test-support/reviews.js';
import { EMBEDDED_DEFAULT_POLICY_DOCUMENT } from '../../src/config/default-policy.js';
import { parsePolicyDocument } from '../../src/config/parse-policy.js';
import type { ClusterSnapshot } from '../../src/policy/cluster-snapshot.js';
import type { KubeObject } from '../../src/policy/kube-object.js';
import { staticPolicyProvider } from '../../src/policy/policy-provider.js';
import { SnapshotIndex } from '../../src/policy/snapshot-index.js';

const BOBS_GSA = 'bob-pipelines@bob-project.iam.gserviceaccount.com';

function withPlugin(object: KubeObject, gcpServiceAccount: string): KubeObject {
  return {
    ...object,
    spec: {
      ...(object.spec as object),
      plugins: [{ kind: 'WorkloadIdentity', spec: { gcpServiceAccount } }],
    },
  };
}

function exclusivePolicy(exclusiveIdentities: boolean) {
  const document = structuredClone(EMBEDDED_DEFAULT_POLICY_DOCUMENT) as {
    spec: { profiles: { plugins?: Record<string, unknown> } };
  };
  document.spec.profiles.plugins = { exclusiveIdentities };
  const parsed = parsePolicyDocument(document);
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  return parsed.policy;
}

function webhook(exclusiveIdentities: boolean, snapshot: ClusterSnapshot) {
  return testWebhook({
    policies: staticPolicyProvider(exclusivePolicy(exclusiveIdentities)),
    snapshot,
  });
}

interface Answer {
  allowed: boolean;
  patch?: string;
  status?: { code: number; message: string };
}

async function post(app: ReturnType<typeof webhook>, path: string, object: KubeObject) {
  const res = await request(app)
    .post(path)
    .set('Content-Type', 'application/json')
    .send(JSON.stringify(reviewBody({ object })))
    .expect(200);
  return (res.body as { response: Answer }).response;
}

/** /mutate, its patch applied, then /validate: the answer the API server would act on. */
async function admit(app: ReturnType<typeof webhook>, object: KubeObject): Promise<Answer> {
  const mutated = await post(app, '/mutate', object);
  expect(mutated.allowed).toBe(true);
  const patched = applyJsonPatch(object, decodePatch(mutated.patch)) as KubeObject;
  return post(app, '/validate', patched);
}

const cluster = SnapshotIndex.fromObjects([
  withPlugin(profile('bob', 'bob@example.com'), BOBS_GSA),
]);

describe('profile-plugin-identity over HTTP', () => {
  it("denies alice's Profile naming bob's GCP service account, naming the field", async () => {
    const answer = await admit(
      webhook(true, cluster),
      withPlugin(profile('alice-ml', 'alice@example.com'), BOBS_GSA),
    );
    expect(answer.allowed).toBe(false);
    expect(answer.status?.code).toBe(403);
    expect(answer.status?.message).toMatch(
      /^profile-plugin-identity: spec\.plugins\[0\]\.spec\.gcpServiceAccount "bob-pipelines@bob-project\.iam\.gserviceaccount\.com" names the GCP service account that a Profile of another owner already names;/,
    );
  });

  it('admits her own service account, and bob naming his again', async () => {
    const app = webhook(true, cluster);
    const own = await admit(
      app,
      withPlugin(
        profile('alice-ml', 'alice@example.com'),
        'alice-sa@alice-project.iam.gserviceaccount.com',
      ),
    );
    expect(own.allowed).toBe(true);
    const bobs = await admit(app, withPlugin(profile('bob-2', 'bob@example.com'), BOBS_GSA));
    expect(bobs.allowed).toBe(true);
  });

  it('admits it when the policy leaves exclusiveIdentities off (the default)', async () => {
    const answer = await admit(
      webhook(false, cluster),
      withPlugin(profile('alice-ml', 'alice@example.com'), BOBS_GSA),
    );
    expect(answer.allowed).toBe(true);
  });

  it('fails closed while the cluster state has never synced', async () => {
    const unsynced = new SnapshotIndex();
    const answer = await admit(
      webhook(true, unsynced),
      withPlugin(profile('alice-ml', 'alice@example.com'), BOBS_GSA),
    );
    expect(answer.allowed).toBe(false);
    expect(answer.status?.message).toContain(
      'profile-plugin-identity: cluster state not synced: cannot verify which Profiles name the same plugin identity; retry shortly',
    );
  });
});
