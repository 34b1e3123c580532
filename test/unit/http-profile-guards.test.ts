import { pino } from 'pino';
import request from 'supertest';
import { testWebhook } from './webhook-support.js';
import { applyJsonPatch } from '../../src/admission/apply-json-patch.js';
import { decodePatch, profile, reviewBody } from '../../src/admission/test-support/reviews.js';
import { createClusterPolicies } from '../../src/kube/cluster-policies.js';
import { staticPolicyProvider, type PolicyProvider } from '../../src/policy/policy-provider.js';
import { EMBEDDED_DEFAULT_POLICY } from '../../src/config/default-policy.js';
import type { KubeObject } from '../../src/policy/kube-object.js';

const UID = '705ab4f5-6393-11e8-b7cc-42010a800002';
const PART_OF = { 'app.kubernetes.io/part-of': 'kubeflow-profile' };
const DEFAULT_HARD = ['cpu', 'memory', 'persistentvolumeclaims', 'requests.storage'];

/** The webhook over the full catalog, as `serve` builds it. */
const webhook = (policies?: PolicyProvider) =>
  testWebhook(policies === undefined ? {} : { policies });

/** A review body whose `spec.plugins[0].spec.extra` is `depth` levels deep (written as text). */
function deepPluginReview(depth: number, object = profile('deep', 'alice@example.com')): string {
  const marker = '"__deep__"';
  const withMarker = {
    ...object,
    spec: {
      ...(object.spec as object),
      plugins: [
        {
          kind: 'WorkloadIdentity',
          spec: {
            gcpServiceAccount: 'kf-user@my-project.iam.gserviceaccount.com',
            extra: '__deep__',
          },
        },
      ],
    },
  };
  const nested = '{"a":'.repeat(depth) + '{}' + '}'.repeat(depth);
  return JSON.stringify(reviewBody({ object: withMarker })).replace(marker, nested);
}

async function post(app: ReturnType<typeof webhook>, path: string, body: string) {
  const res = await request(app)
    .post(path)
    .set('Content-Type', 'application/json')
    .send(body)
    .expect(200);
  return res.body as {
    response: {
      uid: string;
      allowed: boolean;
      patch?: string;
      status?: { code: number; message: string };
    };
  };
}

describe('a Profile never lands without its defaults', () => {
  it('mutates a Profile whose plugin spec is 10 000 levels deep, and /validate admits the result', async () => {
    const app = webhook();
    const body = deepPluginReview(10_000);
    const mutated = await post(app, '/mutate', body);
    expect(mutated.response.uid).toBe(UID);
    expect(mutated.response.allowed).toBe(true);
    const patch = decodePatch(mutated.response.patch);
    expect(patch.map((operation) => operation.path)).toEqual([
      '/metadata/labels',
      '/spec/resourceQuotaSpec',
    ]);

    // The patched object, spliced as text (node cannot stringify 10 000 levels).
    const patched = applyJsonPatch(profile('deep', 'alice@example.com'), patch) as KubeObject;
    const validated = await post(app, '/validate', deepPluginReview(10_000, patched));
    expect(validated.response).toEqual({
      uid: UID,
      allowed: true,
      auditAnnotations: { decision: 'allowed', policy: 'default' },
    });
  });

  it('denies at /validate the same deep Profile when /mutate was skipped', async () => {
    const app = webhook();
    const validated = await post(app, '/validate', deepPluginReview(10_000));
    expect(validated.response.uid).toBe(UID);
    expect(validated.response.allowed).toBe(false);
    expect(validated.response.status?.code).toBe(403);
    expect(validated.response.status?.message).toContain(
      'profile-defaults-applied: metadata.labels lacks {"app.kubernetes.io/part-of":"kubeflow-profile"}',
    );
    expect(validated.response.status?.message).toContain(
      'profile-defaults-applied: spec.resourceQuotaSpec lacks',
    );
  });

  it('answers 100 000 levels with the uid, and never allows it without the defaults', async () => {
    const app = webhook();
    const body = deepPluginReview(100_000);
    const mutated = await post(app, '/mutate', body);
    expect(mutated.response.uid).toBe(UID);
    if (mutated.response.allowed) {
      const paths = decodePatch(mutated.response.patch).map((operation) => operation.path);
      expect(paths).toEqual(['/metadata/labels', '/spec/resourceQuotaSpec']);
    }
    const validated = await post(app, '/validate', body);
    expect(validated.response).toMatchObject({ uid: UID, allowed: false });
  });

  it('denies at /mutate a Profile whose mutation throws, and /validate denies it too', async () => {
    // A policy whose defaults cannot be read: any exception inside the mutation.
    const broken = {
      ...EMBEDDED_DEFAULT_POLICY,
      spec: {
        ...EMBEDDED_DEFAULT_POLICY.spec,
        profiles: {
          ...EMBEDDED_DEFAULT_POLICY.spec.profiles,
          get labels(): Record<string, string> {
            throw new Error('labels unreadable');
          },
        },
      },
    };
    const app = webhook(staticPolicyProvider(broken));
    const body = JSON.stringify(reviewBody({ object: profile('team', 'alice@example.com') }));
    const mutated = await post(app, '/mutate', body);
    expect(mutated.response).toMatchObject({ uid: UID, allowed: false });
    expect(mutated.response.patch).toBeUndefined();
    expect(mutated.response.status?.message).toContain('metadata.labels');
    const validated = await post(app, '/validate', body);
    expect(validated.response).toMatchObject({ uid: UID, allowed: false });
  });

  it.each([
    ['hard: null', { resourceQuotaSpec: { hard: null } }],
    ['resourceQuotaSpec: null', { resourceQuotaSpec: null }],
  ])(
    'treats %s as no quota: /mutate injects the defaults, /validate denies it unmutated',
    async (_case, spec) => {
      // The profile controller reads null as absent: left alone, the namespace's ResourceQuota
      // would hold no limits at all.
      const app = webhook();
      const base = profile('nulls', 'alice@example.com');
      const object = { ...base, spec: { ...(base.spec as object), ...spec } };
      const mutated = await post(app, '/mutate', JSON.stringify(reviewBody({ object })));
      expect(mutated.response.allowed).toBe(true);
      const patched = applyJsonPatch(object, decodePatch(mutated.response.patch)) as {
        spec: { resourceQuotaSpec: { hard: Record<string, unknown> } };
      };
      expect(Object.keys(patched.spec.resourceQuotaSpec.hard).sort()).toEqual(DEFAULT_HARD.sort());
      const admitted = await post(
        app,
        '/validate',
        JSON.stringify(reviewBody({ object: patched })),
      );
      expect(admitted.response.allowed).toBe(true);
      const unmutated = await post(app, '/validate', JSON.stringify(reviewBody({ object })));
      expect(unmutated.response.allowed).toBe(false);
      expect(unmutated.response.status?.message).toMatch(
        /^profile-defaults-applied: .*spec\.resourceQuotaSpec/,
      );
    },
  );
});

describe('a Profile whose metadata.labels is null or no map', () => {
  it('treats labels: null as no labels: /mutate adds the label, /validate denies it unmutated', async () => {
    // The API server decodes null as absent; a review sent straight to the webhook must not be
    // admitted without the label the policy injects.
    const app = webhook();
    const base = profile('nulls', 'alice@example.com');
    const object = { ...base, metadata: { name: 'nulls', labels: null } };
    const mutated = await post(app, '/mutate', JSON.stringify(reviewBody({ object })));
    expect(mutated.response.allowed).toBe(true);
    const patched = applyJsonPatch(object, decodePatch(mutated.response.patch)) as {
      metadata: { labels: unknown };
    };
    expect(patched.metadata.labels).toEqual(PART_OF);
    const admitted = await post(app, '/validate', JSON.stringify(reviewBody({ object: patched })));
    expect(admitted.response.allowed).toBe(true);
    const unmutated = await post(app, '/validate', JSON.stringify(reviewBody({ object })));
    expect(unmutated.response.allowed).toBe(false);
    expect(unmutated.response.status?.message).toMatch(
      /^profile-defaults-applied: metadata\.labels lacks/,
    );
  });

  it.each([
    ['a string', 'x'],
    ['a list', [PART_OF]],
  ])('denies labels that are %s at /validate, naming the field', async (_case, labels) => {
    // /mutate cannot add to them and leaves them alone; /validate denies (403), never admits.
    const app = webhook();
    const base = profile('malformed', 'alice@example.com');
    const object = { ...base, metadata: { name: 'malformed', labels } };
    const body = JSON.stringify(reviewBody({ object }));
    const mutated = await post(app, '/mutate', body);
    expect(mutated.response.uid).toBe(UID);
    expect(
      decodePatch(mutated.response.patch).some((op) => op.path.startsWith('/metadata/labels')),
    ).toBe(false);
    const validated = await post(app, '/validate', body);
    expect(validated.response).toMatchObject({ uid: UID, allowed: false, status: { code: 403 } });
    expect(validated.response.status?.message).toContain(
      'profile-defaults-applied: metadata.labels ',
    );
    expect(validated.response.status?.message).toContain('is not a map');
  });
});

describe('profile-selector-label over HTTP, with ProfilePolicy objects in force', () => {
  function clusterPolicies() {
    const policies = createClusterPolicies({ logger: pino({ level: 'silent' }) });
    policies.handle({
      type: 'add',
      object: {
        apiVersion: 'profile-guard.io/v1alpha1',
        kind: 'ProfilePolicy',
        metadata: { name: 'lenient', generation: 1, resourceVersion: '1', uid: 'u-lenient' },
        spec: {
          selector: { matchLabels: { tier: 'lenient' } },
          priority: 10,
          bindings: { forbiddenGroups: [] },
        },
      },
    });
    return policies;
  }
  const stored = {
    ...profile('alice', 'alice@example.com'),
    metadata: { name: 'alice', labels: PART_OF },
    spec: {
      owner: { kind: 'User', name: 'alice@example.com' },
      resourceQuotaSpec: {
        hard: Object.fromEntries(DEFAULT_HARD.map((key) => [key, '1'])),
      },
    },
  };
  const relabelled = {
    ...stored,
    metadata: { name: 'alice', labels: { ...PART_OF, tier: 'lenient' } },
  };

  it('denies the tenant who labels her Profile into a lenient policy', async () => {
    const app = webhook(clusterPolicies());
    const body = JSON.stringify(
      reviewBody({ operation: 'UPDATE', object: relabelled, oldObject: stored }),
    );
    const validated = await post(app, '/validate', body);
    expect(validated.response.allowed).toBe(false);
    expect(validated.response.status?.message).toBe(
      'profile-selector-label: metadata.labels["tier"] is read by a ProfilePolicy selector (it chooses the policy that governs this Profile), so only an exempt caller may set it: added as "lenient"',
    );
  });

  it('lets a cluster admin move it', async () => {
    const app = webhook(clusterPolicies());
    const body = JSON.stringify(
      reviewBody({
        operation: 'UPDATE',
        object: relabelled,
        oldObject: stored,
        username: 'admin',
        groups: ['system:masters'],
      }),
    );
    expect((await post(app, '/validate', body)).response).toMatchObject({ allowed: true });
  });

  it('leaves labels alone when a single policy governs', async () => {
    const app = webhook();
    const body = JSON.stringify(
      reviewBody({ operation: 'UPDATE', object: relabelled, oldObject: stored }),
    );
    expect((await post(app, '/validate', body)).response.allowed).toBe(true);
  });
});
