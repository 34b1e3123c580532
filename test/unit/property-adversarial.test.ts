/**
 * Properties of the real handlers (full rule and mutator catalog, the embedded default policy)
 * over deep, large and adversarial reviews of every handled kind:
 * - every review with a uid gets a well-formed answer carrying it;
 * - a quantity longer than 64 characters is a denial naming its field;
 * - the work per review is bounded by the input: the handlers' reads of the review (property
 *   reads and key enumerations, counted through a Proxy) stay within a fixed multiple of its size.
 *   A count, never a time.
 */
import fc from 'fast-check';

import type { AdmissionHandler } from '../../src/admission/handler.js';
import { decodeReview, encodeReviewResponse } from '../../src/admission/review-codec.js';
import type { AdmissionReviewResponse } from '../../src/admission/review.js';
import { EMBEDDED_DEFAULT_POLICY } from '../../src/config/default-policy.js';
import { NO_CLUSTER } from '../../src/policy/cluster-snapshot.js';
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
