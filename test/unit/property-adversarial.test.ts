/**
 * Properties of the real handlers (full rule and mutator catalog, the embedded default policy)
 * over deep, large and adversarial reviews of every handled kind:
 * - every review with a uid gets a well-formed answer carrying it;
 * - a quantity longer than 64 characters is a denial naming its field;
 * - a Profile is never allowed by /validate unless it carries the defaults /mutate injects (/mutate
 *   allows it with no patch), whatever /mutate did with it: skipped, failed or tricked by odd
 *   shapes; only an UPDATE of metadata only (a finalizer removed) passes without them;
 * - the work per review is bounded by the input: the handlers' reads of the review (property
 *   reads and key enumerations, counted through a Proxy) stay within a fixed multiple of its size.
 *   A count, never a time.
 */
import fc from 'fast-check';

import type { AdmissionHandler } from '../../src/admission/handler.js';
import { applyJsonPatch } from '../../src/admission/apply-json-patch.js';
import type { JsonPatchOperation } from '../../src/admission/json-patch.js';
import { decodeReview, encodeReviewResponse } from '../../src/admission/review-codec.js';
import type { AdmissionReviewResponse } from '../../src/admission/review.js';
import { EMBEDDED_DEFAULT_POLICY } from '../../src/config/default-policy.js';
import { NO_CLUSTER } from '../../src/policy/cluster-snapshot.js';
import { isMetadataOnlyUpdate } from '../../src/policy/metadata-only-update.js';
import { staticPolicyProvider } from '../../src/policy/policy-provider.js';
import { createAdmissionHandlers } from '../../src/admission/admission-handlers.js';

type Json = Record<string, unknown>;

const { validating, mutating } = createAdmissionHandlers({
  policies: staticPolicyProvider(EMBEDDED_DEFAULT_POLICY),
  snapshot: () => NO_CLUSTER,
});

const rbac = 'rbac.authorization.k8s.io';
const ALICE_NS = 'alice';

/** `{a: {a: … leaf …}}` nested `depth` levels, built without recursion. */
function nested(depth: number, leaf: unknown = {}): unknown {
  let value: unknown = leaf;
  for (let i = 0; i < depth; i++) value = i % 7 === 3 ? [value] : { a: value };
  return value;
}

const DEPTHS = [0, 1, 50, 2000, 12000, 60000];
const SIZES = [0, 1, 3, 1000, 20000];

const shortText = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.constantFrom(
    '',
    '*',
    'alice@example.com',
    'Alice@example.com',
    'bob@example.com',
    'system:authenticated',
    'system:anonymous',
    'system:serviceaccounts:bob',
    'kubeflow',
    'kube-system',
    'kubeflow-edit',
    'kubeflow-admin',
    'cluster-admin',
    'cpu',
    'memory',
    'requests.cpu',
    '__proto__',
    'constructor',
    'app.kubernetes.io/part-of',
  ),
);
const longText = fc
  .tuple(
    fc.constantFrom('1', 'a', '0.', '*'),
    fc.constantFrom(65, 1000, 100000),
    fc.constantFrom('0', 'x', '9'),
  )
  .map(([head, length, fill]) => head + fill.repeat(length));
const text = fc.oneof({ weight: 8, arbitrary: shortText }, { weight: 1, arbitrary: longText });
const quantity = fc.oneof(
  fc.constantFrom(
    '4',
    '64',
    '65',
    '1e2',
    '1E2',
    '0.5Ti',
    '513Gi',
    '64001m',
    '-1',
    '+65',
    '0x40',
    '',
    ' 4',
    '1Gb',
    10,
    1000,
    0.5,
  ),
  longText,
  fc.string({ maxLength: 8 }),
);

/** A map of `size` entries from a generated seed (big maps without big generation cost). */
const bigMap = (values: fc.Arbitrary<unknown>) =>
  fc
    .tuple(fc.constantFrom(...SIZES), fc.dictionary(shortText, values, { maxKeys: 3 }))
    .map(([size, seed]) => {
      const out: Json = { ...seed };
      for (let i = 0; i < size; i++) out[`k${i}.example.com/l`] = 'v';
      return out;
    });
const bigList = <T>(item: fc.Arbitrary<T>, filler: (index: number) => unknown) =>
  fc
    .tuple(fc.constantFrom(...SIZES), fc.array(item, { maxLength: 3 }), fc.nat(3))
    .map(([size, picked, at]) => {
      const out: unknown[] = Array.from({ length: size }, (_, index) => filler(index));
      out.splice(Math.min(at, out.length), 0, ...picked);
      return out;
    });

const owner = fc.oneof(
  fc.record(
    { kind: fc.constantFrom('User', 'Group', 'user', 'ServiceAccount'), name: text },
    { requiredKeys: ['name'] },
  ),
  fc.constant(undefined),
  fc.jsonValue({ maxDepth: 2 }),
);
const plugin = fc.record({
  kind: fc.constantFrom('WorkloadIdentity', 'AwsIamForServiceAccount', 'Evil', 'workloadidentity'),
  spec: fc
    .tuple(fc.constantFrom(...DEPTHS), fc.option(text, { nil: undefined }))
    .map(([depth, account]) => ({
      gcpServiceAccount: account ?? 'sa@project.iam.gserviceaccount.com',
      awsIamRole: 'arn:aws:iam::123456789012:role/x',
      extra: nested(depth),
    })),
});
/** A Profile that breaks anything: every field optional, any shape, any size. */
const anyProfile = fc.record({
  apiVersion: fc.constantFrom('kubeflow.org/v1', 'kubeflow.org/v1beta1'),
  kind: fc.constant('Profile'),
  metadata: fc.record(
    {
      name: fc.oneof(fc.constantFrom('team-a', 'kubeflow', 'a.b', 'x'.repeat(64)), text),
      labels: bigMap(shortText),
      annotations: bigMap(text),
      finalizers: fc.array(shortText, { maxLength: 2 }),
    },
    { requiredKeys: ['name'] },
  ),
  spec: fc.record(
    {
      owner,
      resourceQuotaSpec: fc.record(
        {
          hard: fc.dictionary(
            fc.oneof(fc.constantFrom('cpu', 'memory', 'requests.cpu', 'CPU', 'pods'), shortText),
            quantity,
            { maxKeys: 4 },
          ),
          scopes: fc.array(shortText, { maxLength: 2 }),
        },
        { requiredKeys: [] },
      ),
      plugins: fc.array(plugin, { maxLength: 2 }),
    },
    { requiredKeys: [] },
  ),
});

/**
 * A Profile the rules would admit but for its size or depth: a valid name and owner, labels and
 * quotas that may or may not already hold the defaults, plugins nested to any depth.
 */
const admissibleProfile = fc.record({
  apiVersion: fc.constantFrom('kubeflow.org/v1', 'kubeflow.org/v1beta1'),
  kind: fc.constant('Profile'),
  metadata: fc.record(
    {
      name: fc.constantFrom('team-a', 'alice', 'ml-research'),
      labels: fc.tuple(fc.constantFrom(...SIZES), fc.boolean()).map(([size, withDefault]) => {
        const labels: Json = withDefault ? { 'app.kubernetes.io/part-of': 'kubeflow-profile' } : {};
        for (let i = 0; i < size; i++) labels[`k${i}.example.com/l`] = 'v';
        return labels;
      }),
      finalizers: fc.array(fc.constant('profile-finalizer'), { maxLength: 1 }),
    },
    { requiredKeys: ['name'] },
  ),
  spec: fc.record(
    {
      owner: fc.constant({ kind: 'User', name: 'alice@example.com' }),
      resourceQuotaSpec: fc.record(
        {
          hard: fc
            .subarray(['cpu', 'memory', 'persistentvolumeclaims', 'requests.storage'])
            .map((keys) => Object.fromEntries(keys.map((key) => [key, '2']))),
        },
        { requiredKeys: [] },
      ),
      plugins: fc.array(
        plugin.filter((p) => p.kind === 'WorkloadIdentity'),
        { maxLength: 1 },
      ),
    },
    { requiredKeys: ['owner'] },
  ),
});
const profileObject = fc.oneof(anyProfile, admissibleProfile);

const subject = fc.oneof(
  fc.record({ apiGroup: fc.constant(rbac), kind: fc.constantFrom('User', 'Group'), name: text }),
  fc.record({
    kind: fc.constant('ServiceAccount'),
    name: text,
    namespace: fc.option(fc.constantFrom(ALICE_NS, 'bob', 'kubeflow', 'kube-system'), {
      nil: undefined,
    }),
  }),
);
const bindingObject = fc.record({
  apiVersion: fc.constant(`${rbac}/v1`),
  kind: fc.constantFrom('RoleBinding', 'ClusterRoleBinding'),
  metadata: fc.record({
    name: fc.constantFrom('namespaceAdmin', 'share', 'x'),
    namespace: fc.constant(ALICE_NS),
    labels: bigMap(shortText),
  }),
  roleRef: fc.record({
    apiGroup: fc.constant(rbac),
    kind: fc.constantFrom('ClusterRole', 'Role'),
    name: text,
  }),
  subjects: bigList(subject, (index) => ({
    apiGroup: rbac,
    kind: 'User',
    name: `u${index}@example.com`,
  })),
});

const source = fc.record(
  {
    namespaces: fc.array(text, { maxLength: 2 }),
    principals: fc.array(
      fc.oneof(
        text,
        fc.constantFrom(
          'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account',
          'cluster.local/ns/bob/sa/x',
        ),
      ),
      { maxLength: 2 },
    ),
    notNamespaces: fc.array(text, { maxLength: 1 }),
  },
  { requiredKeys: [] },
);
const condition = fc.record({
  key: fc.constantFrom(
    'source.namespace',
    'source.principal',
    'request.headers[kubeflow-userid]',
    'request.headers[Kubeflow-UserID]',
    'source.ip',
  ),
  values: fc.array(text, { maxLength: 2 }),
});
const authzRule = fc.record(
  {
    from: fc.array(fc.record({ source }), { maxLength: 2 }),
    to: fc.array(
      fc.record({
        operation: fc.record({
          paths: fc.array(fc.oneof(text, fc.constant('/healthz')), { maxLength: 2 }),
        }),
      }),
      { maxLength: 1 },
    ),
    when: fc.array(condition, { maxLength: 2 }),
  },
  { requiredKeys: [] },
);
const authzObject = fc.record({
  apiVersion: fc.constantFrom('security.istio.io/v1', 'security.istio.io/v1beta1'),
  kind: fc.constant('AuthorizationPolicy'),
  metadata: fc.record({
    name: fc.constantFrom('ns-owner-access-istio', 'p'),
    namespace: fc.constant(ALICE_NS),
  }),
  spec: fc.record(
    {
      action: fc.constantFrom('ALLOW', 'DENY', 'allow', 'CUSTOM'),
      rules: bigList(authzRule, () => ({ from: [{ source: { namespaces: [ALICE_NS] } }] })),
    },
    { requiredKeys: [] },
  ),
});

const KIND_OF: Record<string, { group: string; version: string }> = {
  Profile: { group: 'kubeflow.org', version: 'v1' },
  RoleBinding: { group: rbac, version: 'v1' },
  ClusterRoleBinding: { group: rbac, version: 'v1' },
  AuthorizationPolicy: { group: 'security.istio.io', version: 'v1' },
};

const userInfo = fc.constantFrom(
  { username: 'alice@example.com', groups: ['system:authenticated'] },
  { username: 'admin', groups: ['system:masters', 'system:authenticated'] },
  {
    username: 'system:serviceaccount:kubeflow:profiles-controller-service-account',
    groups: ['system:serviceaccounts', 'system:serviceaccounts:kubeflow', 'system:authenticated'],
  },
);

/** A review of an object (and, for UPDATE/DELETE, an old one: the same or another). */
const review = fc
  .tuple(
    fc.oneof(profileObject, bindingObject, authzObject),
    fc.constantFrom('CREATE', 'UPDATE', 'DELETE'),
    fc.oneof(fc.constant('same' as const), fc.constant('other' as const)),
    fc.oneof(profileObject, bindingObject, authzObject),
    userInfo,
    fc.uuid(),
  )
  .map(([object, operation, oldKind, other, user, uid]) => {
    const kind = object.kind;
    const { group, version } = KIND_OF[kind]!;
    const old = oldKind === 'same' ? object : other.kind === object.kind ? other : object;
    const metadata = object.metadata as Json;
    return {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid,
        kind: { group, version, kind },
        resource: { group, version, resource: `${kind.toLowerCase()}s` },
        name: metadata.name,
        ...(typeof metadata.namespace === 'string' ? { namespace: metadata.namespace } : {}),
        operation,
        userInfo: user,
        object: operation === 'DELETE' ? null : object,
        oldObject: operation === 'CREATE' ? null : old,
        dryRun: false,
      },
    };
  });

interface Review {
  apiVersion: string;
  kind: string;
  request: Json & { uid: string; object: Json | null; oldObject: Json | null; operation: string };
}

/**
 * fast-check parameters: a failure reports the property's own message, the seed and the path to
 * replay it, not the counterexample (a review of 20 000 subjects would fill the terminal).
 */
function runs(numRuns: number): fc.Parameters<unknown[]> {
  const shortReport: fc.Plugin<unknown[]> = () => ({
    onAllRunsComplete: (details) => {
      if (!details.failed) return;
      const cause =
        details.errorInstance instanceof Error ? details.errorInstance.message : 'failed';
      throw new Error(
        `${cause}\n(fast-check seed ${details.seed}, path "${details.counterexamplePath ?? ''}")`,
      );
    },
  });
  return { numRuns, plugins: [shortReport] };
}

/** Asserts the contract's shape of a 200 answer carrying `uid`. */
function checkAnswer(answer: EndpointAnswer, uid: string): void {
  expect(answer.status).toBe(200);
  if (answer.status !== 200) return;
  const response = answer.body.response;
  expect(response.uid).toBe(uid);
  expect(typeof response.allowed).toBe('boolean');
  if (!response.allowed) {
    expect(response.status?.code).toBe(403);
    expect(typeof response.status?.message).toBe('string');
    expect(response.patch).toBeUndefined();
  }
  if (response.patch !== undefined) {
    expect(response.patchType).toBe('JSONPatch');
    const patch: unknown = JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8'));
    expect(Array.isArray(patch) && patch.length > 0).toBe(true);
  }
  for (const warning of response.warnings ?? [])
    expect(Array.from(warning).length).toBeLessThanOrEqual(256);
}

/** What the HTTP edge answers for a decoded body: 200 with the encoded result, or 400. */
type EndpointAnswer =
  { readonly status: 200; readonly body: AdmissionReviewResponse } | { readonly status: 400 };

function handle(handler: AdmissionHandler, body: Review): EndpointAnswer {
  const decoded = decodeReview(body);
  return decoded.ok
    ? { status: 200, body: encodeReviewResponse(handler.handle(decoded.review)) }
    : { status: 400 };
}

/** The same review with another `request` field set. */
const withRequest = (body: Review, fields: Partial<Review['request']>): Review => ({
  ...body,
  request: { ...body.request, ...fields },
});
const withObject = (body: Review, object: Json): Review => withRequest(body, { object });

/**
 * The review wrapped in Proxies (made lazily, one per object) that count every property read,
 * `in` test and key enumeration (one per key) the handlers make of it.
 */
function counted(body: Review): { body: Review; reads: () => number } {
  let reads = 0;
  const proxies = new WeakMap<object, object>();
  const wrap = (value: unknown): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    const known = proxies.get(value);
    if (known !== undefined) return known;
    const proxy = new Proxy(value, {
      get(target, key, receiver) {
        reads++;
        return wrap(Reflect.get(target, key, receiver));
      },
      has(target, key) {
        reads++;
        return Reflect.has(target, key);
      },
      ownKeys(target) {
        const keys = Reflect.ownKeys(target);
        reads += 1 + keys.length;
        return keys;
      },
      getOwnPropertyDescriptor(target, key) {
        reads++;
        return Reflect.getOwnPropertyDescriptor(target, key);
      },
    });
    proxies.set(value, proxy);
    return proxy;
  };
  return { body: wrap(body) as Review, reads: () => reads };
}

/** Nodes of a JSON tree (every value and every key), counted without recursion. */
function sizeOf(root: unknown): number {
  let size = 0;
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    size++;
    if (typeof value !== 'object' || value === null) continue;
    const children = Array.isArray(value) ? value : Object.values(value as Json);
    size += Array.isArray(value) ? 0 : children.length;
    for (const child of children) stack.push(child);
  }
  return size;
}

/** Reads allowed per node of the review, and a constant for the fixed work of any review. */
const READS_PER_NODE = 64;
const FIXED_READS = 20000;

describe('property: adversarial reviews against the real catalog and the embedded default policy', () => {
  it('always answers a well-formed review carrying the uid, on both endpoints', () => {
    fc.assert(
      fc.property(review, (body) => {
        for (const handler of [validating, mutating])
          checkAnswer(handle(handler, body), body.request.uid);
      }),
      runs(100),
    );
  });

  it('reads each review a bounded number of times per node (linear work, counted)', () => {
    let largest = 0;
    fc.assert(
      fc.property(review, (generated) => {
        const body = generated as Review;
        const size = sizeOf(body);
        largest = Math.max(largest, size);
        for (const handler of [validating, mutating]) {
          const probe = counted(body);
          checkAnswer(handle(handler, probe.body), body.request.uid);
          const bound = READS_PER_NODE * size + FIXED_READS;
          const reads = probe.reads();
          expect(reads <= bound ? 'within' : `${reads} reads of ${size} nodes`).toBe('within');
        }
      }),
      runs(50),
    );
    // The generators reach large reviews, so the bound is tested where it matters.
    expect(largest).toBeGreaterThan(20000);
  });

  it('denies a quantity longer than 64 characters, naming its field', () => {
    fc.assert(
      fc.property(
        review,
        fc.constantFrom('cpu', 'memory', 'requests.storage'),
        longText,
        (generated, resource, value) => {
          const body = generated as Review;
          const { object } = body.request;
          if (object?.kind !== 'Profile' || body.request.operation !== 'CREATE') return;
          const spec = (
            typeof object.spec === 'object' && object.spec !== null ? object.spec : {}
          ) as Json;
          const quota = { ...((spec.resourceQuotaSpec as Json | undefined) ?? {}) };
          const long = value.length > 64 ? value : value.padEnd(65, '0');
          const attacked = {
            ...object,
            spec: {
              ...spec,
              resourceQuotaSpec: {
                ...quota,
                hard: { ...((quota.hard as Json | undefined) ?? {}), [resource]: long },
              },
            },
          };
          const answer = handle(validating, withObject(body, attacked));
          expect(answer.status).toBe(200);
          if (answer.status !== 200) return;
          expect(answer.body.response.allowed).toBe(false);
          expect(answer.body.response.status?.message).toMatch(
            new RegExp(
              `profile-quota-quantity: [^;]*spec\\.resourceQuotaSpec\\.hard\\["${resource.replace('.', '\\.')}"\\]`,
            ),
          );
        },
      ),
      runs(60),
    );
  });
});

/*
 * Never allowed without the defaults. /mutate may be skipped (failurePolicy Ignore, a webhook
 * configuration edited), may fail, or may meet shapes it cannot write into; /validate must then
 * deny. "Carries the defaults" is the contract's own test: /mutate on the object yields no patch.
 */

/** What a broken client or a tenant may put where /mutate writes. */
const oddValue = fc
  .constantFrom<unknown>(null, [], 'x', 5, true, [{}], { '': {} })
  .map((value) => structuredClone(value));
/** What /mutate injects under the embedded default policy. */
const LABELS: Json = { ...EMBEDDED_DEFAULT_POLICY.spec.profiles.labels };
const DEFAULT_LABEL = 'app.kubernetes.io/part-of';
const DEFAULT_HARD: Json = { ...EMBEDDED_DEFAULT_POLICY.spec.profiles.quota.defaults };

type Edit = (profile: Json) => void;
const record = (value: unknown): Json | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Json)
    : undefined;
/** The object at `key` of `parent`, made a fresh copy (or created) so that edits stay local. */
const own = (parent: Json, key: string): Json => {
  const copy = { ...(record(parent[key]) ?? {}) };
  parent[key] = copy;
  return copy;
};

const labelEdit = fc.oneof(
  fc.constant<Edit>(() => undefined),
  // Present as /mutate writes it (the most common case of all).
  {
    weight: 2,
    arbitrary: fc.constant<Edit>((p) => Object.assign(own(own(p, 'metadata'), 'labels'), LABELS)),
  },
  fc.constant<Edit>((p) => delete own(p, 'metadata').labels),
  oddValue.map<Edit>((value) => (p) => (own(p, 'metadata').labels = value)),
  fc
    .constantFrom<unknown>('kubeflow-profile', 'other', '', 5, null, {}, 'Kubeflow-Profile')
    .map<Edit>((value) => (p) => (own(own(p, 'metadata'), 'labels')[DEFAULT_LABEL] = value)),
);
const quotaEdit = fc.oneof(
  fc.constant<Edit>(() => undefined),
  {
    weight: 2,
    arbitrary: fc.constant<Edit>(
      (p) => (own(own(p, 'spec'), 'resourceQuotaSpec').hard = { ...DEFAULT_HARD }),
    ),
  },
  fc.constant<Edit>((p) => delete own(p, 'spec').resourceQuotaSpec),
  oddValue.map<Edit>((value) => (p) => (own(p, 'spec').resourceQuotaSpec = value)),
  oddValue.map<Edit>((value) => (p) => (own(own(p, 'spec'), 'resourceQuotaSpec').hard = value)),
  fc.subarray(Object.keys(DEFAULT_HARD)).map<Edit>((keys) => (p) => {
    const hard = own(own(own(p, 'spec'), 'resourceQuotaSpec'), 'hard');
    for (const key of keys) hard[key] = DEFAULT_HARD[key];
  }),
  fc
    .tuple(fc.constantFrom(...Object.keys(DEFAULT_HARD)), oddValue)
    .map<Edit>(([key, value]) => (p) => {
      own(own(own(p, 'spec'), 'resourceQuotaSpec'), 'hard')[key] = value;
    }),
);
const shapeEdit = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Edit>(() => undefined) },
  { weight: 1, arbitrary: oddValue.map<Edit>((value) => (p) => (p.spec = value)) },
  { weight: 1, arbitrary: oddValue.map<Edit>((value) => (p) => (p.metadata = value)) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(...DEPTHS)
      .map<Edit>((depth) => (p) => (own(p, 'metadata').annotations = { deep: nested(depth) })),
  },
);
/** A Profile with defaults present, partly present, absent or unwritable. */
const defaultsProfile = fc
  .tuple(profileObject, labelEdit, quotaEdit, shapeEdit)
  .map(([profile, ...edits]) => {
    const out: Json = { ...profile };
    for (const edit of edits) edit(out);
    return out;
  });

/** How an UPDATE's old object relates to the new one. */
const oldOf = fc.constantFrom('same', 'finalizer removed', 'defaults stored', 'another');
const profileUser = fc.constantFrom(
  { username: 'alice@example.com', groups: ['system:authenticated'] },
  { username: 'admin', groups: ['system:masters', 'system:authenticated'] },
  {
    username: 'system:serviceaccount:kubeflow:profiles-controller-service-account',
    groups: ['system:serviceaccounts', 'system:serviceaccounts:kubeflow', 'system:authenticated'],
  },
  { username: 'system:kube-controller-manager', groups: ['system:authenticated'] },
);

const profileReview = fc
  .tuple(
    defaultsProfile,
    fc.constantFrom('CREATE', 'UPDATE'),
    oldOf,
    defaultsProfile,
    profileUser,
    fc.uuid(),
  )
  .map(([object, operation, relation, other, user, uid]): Review => {
    let old: Json = other;
    if (relation === 'same') old = object;
    else if (relation === 'finalizer removed') {
      const metadata = record(object.metadata);
      old = {
        ...object,
        metadata: { ...(metadata ?? {}), finalizers: ['profile-finalizer', 'x'] },
      };
    } else if (relation === 'defaults stored') {
      // The stored object had its defaults; the new one dropped them.
      old = { ...object };
      Object.assign(own(own(old, 'metadata'), 'labels'), LABELS);
      own(own(old, 'spec'), 'resourceQuotaSpec').hard = { ...DEFAULT_HARD };
    }
    const metadata = record(object.metadata);
    return {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid,
        kind: { group: 'kubeflow.org', version: 'v1', kind: 'Profile' },
        resource: { group: 'kubeflow.org', version: 'v1', resource: 'profiles' },
        name: typeof metadata?.name === 'string' ? metadata.name : 'x',
        operation,
        userInfo: user,
        object,
        oldObject: operation === 'CREATE' ? null : old,
        dryRun: false,
      },
    };
  });

/** The response of a 200 answer (the property checks the shape first). */
function responseOf(answer: EndpointAnswer) {
  if (answer.status !== 200) throw new Error('expected a 200 answer');
  return answer.body.response;
}

/** The JSON Patch of a /mutate answer (empty: none). */
function patchOf(answer: EndpointAnswer): readonly JsonPatchOperation[] {
  const { patch } = responseOf(answer);
  if (patch === undefined) return [];
  return JSON.parse(Buffer.from(patch, 'base64').toString('utf8')) as JsonPatchOperation[];
}

/** `ok`, or why /validate's answer breaks the property (short: paths, not values). */
function withoutDefaults(body: Review): string {
  const validated = handle(validating, body);
  checkAnswer(validated, body.request.uid);
  const { allowed, status } = responseOf(validated);
  if (!allowed) {
    return status?.message?.includes('profile-defaults-applied: ') === true
      ? 'denied for its defaults'
      : 'denied';
  }
  const { object, oldObject, operation } = body.request;
  if (operation === 'UPDATE' && isMetadataOnlyUpdate(object, oldObject)) return 'metadata only';
  const mutated = handle(mutating, body);
  checkAnswer(mutated, body.request.uid);
  const mutation = responseOf(mutated);
  if (!mutation.allowed) {
    return `/validate allowed a Profile (${operation}) that /mutate denies: ${mutation.status?.message ?? ''}`;
  }
  const patch = patchOf(mutated);
  const errors = mutation.auditAnnotations?.mutationErrors;
  if (patch.length === 0 && errors === undefined) return 'allowed with its defaults';
  return `/validate allowed a Profile (${operation}) that /mutate would still change: ${
    errors === undefined ? '' : `mutation errors ${errors}; `
  }patch ${patch.map((op) => `${op.op} ${op.path}`).join(', ')}`;
}

describe('property: never allowed without the defaults /mutate injects (embedded default policy)', () => {
  it('/validate alone (the mutating webhook skipped or failed) allows a Profile only with its defaults', () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(profileReview, (body) => {
        const outcome = withoutDefaults(body);
        const kind = outcome.startsWith('/validate allowed') ? 'violated' : outcome;
        seen.set(kind, (seen.get(kind) ?? 0) + 1);
        expect(outcome).not.toMatch(/^\/validate allowed/);
      }),
      runs(300),
    );
    // Not vacuous: Profiles with and without their defaults reached /validate, and some were
    // denied for lacking them.
    expect(seen.get('allowed with its defaults') ?? 0).toBeGreaterThan(0);
    expect(seen.get('denied for its defaults') ?? 0).toBeGreaterThan(0);
  });

  it('/mutate then /validate, as the API server runs them: whatever is admitted carries the defaults', () => {
    let admitted = 0;
    fc.assert(
      fc.property(profileReview, (body) => {
        const mutated = handle(mutating, body);
        checkAnswer(mutated, body.request.uid);
        // A Profile /mutate cannot give its defaults is denied there (fail closed): not admitted.
        if (!responseOf(mutated).allowed) return;
        const patch = patchOf(mutated);
        const object = body.request.object;
        // The API server applies the patch (every patch must apply).
        let patched: unknown;
        try {
          patched = patch.length === 0 ? object : applyJsonPatch(object, patch);
        } catch (error) {
          // The applier copies the document through JSON, which nesting this deep overflows.
          if (error instanceof RangeError) return;
          throw error;
        }
        const next = withObject(body, patched as Json);
        const outcome = withoutDefaults(next);
        if (outcome === 'allowed with its defaults') admitted++;
        expect(outcome).not.toMatch(/^\/validate allowed/);
      }),
      runs(200),
    );
    expect(admitted).toBeGreaterThan(0);
  });

  it('reads each Profile review a bounded number of times per node at /validate (counted)', () => {
    fc.assert(
      fc.property(profileReview, (body) => {
        const size = sizeOf(body);
        const probe = counted(body);
        checkAnswer(handle(validating, probe.body), body.request.uid);
        const reads = probe.reads();
        const bound = READS_PER_NODE * size + FIXED_READS;
        expect(reads <= bound ? 'within' : `${reads} reads of ${size} nodes`).toBe('within');
      }),
      runs(60),
    );
  });
});
