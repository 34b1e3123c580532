/**
 * The tenant's attack table: what `alice`, who owns a profile namespace, tries in order to get
 * around each rule of the embedded default policy (encodings, case, wildcards, list positions,
 * UPDATE sequences, label games, oversized and deeply nested inputs), next to the Kubeflow objects
 * and tenant actions that must stay allowed. Each expected decision is the contract's
 * (CONTRACT: rule ids, ratcheting, bounded work), not what the code happens to do.
 *
 * One table, two channels (test/e2e/scenarios/80-tenant-attacks.e2e.test.ts): through the real
 * API server as alice (kubectl, so RBAC, defaulting, the mutating webhook and the chart's
 * matchConditions all apply), and as AdmissionReviews over HTTPS to `serve` directly.
 */
import { MAX_REVIEW_TOKENS } from '../../../src/admission/review-codec.js';
import { MAX_RATCHETED_VIOLATIONS } from '../../../src/policy/engine.js';
import type { Manifest } from '../harness/manifests.js';

/** Who makes a request: the tenant, the cluster admin (system:masters), Kubeflow's controller. */
export type Actor = 'alice' | 'admin' | 'controller';

/**
 * JSON text spliced verbatim into a manifest where it stands: inputs nested deeper than
 * `JSON.stringify` can write (node's stringify overflows its stack at ~10 000 levels).
 */
export class RawJson {
  constructor(readonly text: string) {}
}

/** One request: create the object, replace the stored one with it (UPDATE), or delete it. */
export interface Step {
  readonly op: 'create' | 'update' | 'delete';
  /** The object as the actor writes it (for delete: the stored object, named by it). */
  readonly object: Manifest;
  /** Default alice. */
  readonly as?: Actor;
}

/** What the contract says the answer is. */
export type Expectation =
  /**
   * Denied by the webhook; the message lists at least these rule ids (none: any rule), or is the
   * denial of the whole request (`request`: the bounded-work bound).
   */
  | {
      readonly allowed: false;
      readonly rules: readonly string[];
      /** A field path (or, for `request`, the text) the first expected entry's message names. */
      readonly path?: string;
    }
  /** Allowed (a Profile with every default `/mutate` injects), warning at least these rule ids. */
  | { readonly allowed: true; readonly warnings?: readonly string[] }
  /** Beyond what the rules can judge: denied, or allowed with the defaults — never without. */
  | { readonly allowed: 'denied-or-defaulted' };

/** One line of the table. */
export interface AttackCase {
  /** Unique title: `<rule>: <what>`. */
  readonly name: string;
  /** The rule under attack (the table is grouped by it), or `kubeflow` / `tenant` for must-allow. */
  readonly rule: string;
  /** Requests that set the stage (each must be allowed), made for real before the attack. */
  readonly setup?: readonly Step[];
  readonly attack: Step;
  readonly expect: Expectation;
  /**
   * `refuses`: the API server refuses the request by itself (its own validation or size limits),
   * so through it the case asserts only that nothing was stored; the webhook's answer is checked
   * over HTTPS. `https-only`: the request cannot be made through the API server (a review that
   * skips the mutating webhook).
   */
  readonly apiServer?: 'refuses' | 'https-only';
  /** Over HTTPS, send the object to /validate without /mutate first (default: mutate first). */
  readonly skipMutate?: boolean;
}

/** The cluster the table is written for; every name in it comes from here. */
export interface AttackContext {
  /** A short prefix unique to the run, for cluster-scoped names. */
  readonly prefix: string;
  /** alice's profile namespace (Profile of the same name, owner alice@example.com). */
  readonly alice: string;
  /** A second profile namespace of alice's, empty: where Kubeflow's objects are created. */
  readonly fresh: string;
  /** bob's profile namespace. */
  readonly bob: string;
  /** A Namespace annotated `owner: bob@example.com`, with no Profile. */
  readonly bobsNamespace: string;
  /** A Namespace with no owner annotation and no Profile. */
  readonly unannotatedNamespace: string;
  /** A Namespace annotated `owner: alice@example.com`, with no Profile. */
  readonly alicesNamespace: string;
  /** A Namespace annotated `owner: Alice@example.com` (another RBAC user), with no Profile. */
  readonly upperAlicesNamespace: string;
  /** The labels a lenient ProfilePolicy's selector reads: `tierKey=lenient` and `groupKey In [a]`. */
  readonly tierKey: string;
  readonly groupKey: string;
}

export const ALICE = 'alice@example.com';
export const BOB = 'bob@example.com';
const rbac = 'rbac.authorization.k8s.io';
const GATEWAY = 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account';
const PIPELINE_UI = 'cluster.local/ns/kubeflow/sa/ml-pipeline-ui';
const USER_HEADER = 'request.headers[kubeflow-userid]';
/** The defaults of the embedded default policy: what every admitted Profile must carry. */
export const PROFILE_DEFAULTS = {
  labels: { 'app.kubernetes.io/part-of': 'kubeflow-profile' },
  hard: ['cpu', 'memory', 'persistentvolumeclaims', 'requests.storage'],
} as const;

const user = (name: string): Manifest => ({ apiGroup: rbac, kind: 'User', name });
const group = (name: string): Manifest => ({ apiGroup: rbac, kind: 'Group', name });
const serviceAccount = (namespace: string | undefined, name: string): Manifest =>
  namespace === undefined
    ? { kind: 'ServiceAccount', name }
    : { kind: 'ServiceAccount', name, namespace };

/** `{"a":{"a":…{}…}}` nested `depth` levels, as text. */
export function nestedJson(depth: number): RawJson {
  return new RawJson(`${'{"a":'.repeat(depth)}{}${'}'.repeat(depth)}`);
}

/** The table for `ctx`. */
export function attackCases(ctx: AttackContext): readonly AttackCase[] {
  const p = ctx.prefix;

  function roleBinding(
    name: string,
    role: string,
    subjects: readonly Manifest[],
    extra: { namespace?: string; roleKind?: string; labels?: Record<string, string> } = {},
  ): Manifest {
    return {
      apiVersion: `${rbac}/v1`,
      kind: 'RoleBinding',
      metadata: {
        name,
        namespace: extra.namespace ?? ctx.alice,
        ...(extra.labels === undefined ? {} : { labels: extra.labels }),
      },
      roleRef: { apiGroup: rbac, kind: extra.roleKind ?? 'ClusterRole', name: role },
      subjects,
    };
  }

  function clusterRoleBinding(
    name: string,
    role: string,
    subjects: readonly Manifest[],
    labels?: Record<string, string>,
  ): Manifest {
    return {
      apiVersion: `${rbac}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: { name: `${p}-${name}`, ...(labels === undefined ? {} : { labels }) },
      roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: role },
      subjects,
    };
  }

  function authorizationPolicy(
    name: string,
    spec: Manifest,
    extra: { namespace?: string; labels?: Record<string, string> } = {},
  ): Manifest {
    return {
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: {
        name,
        namespace: extra.namespace ?? ctx.alice,
        ...(extra.labels === undefined ? {} : { labels: extra.labels }),
      },
      spec,
    };
  }

  /** An ALLOW policy of one rule. */
  const allow = (name: string, rule: Manifest): Manifest =>
    authorizationPolicy(name, { action: 'ALLOW', rules: [rule] });
  const fromSource = (source: Manifest): Manifest => ({ from: [{ source }] });
  const fromGateway = (extra: Manifest = {}): Manifest => ({
    from: [{ source: { principals: [GATEWAY, PIPELINE_UI] } }],
    ...extra,
  });

  /** A Profile owned by alice, named `<prefix>-<slug>` unless `name` says otherwise. */
  function profile(
    slug: string,
    spec: Manifest = {},
    extra: {
      name?: string;
      labels?: Record<string, string>;
      finalizers?: string[];
      owner?: Manifest | null;
    } = {},
  ): Manifest {
    const owner = extra.owner === undefined ? { kind: 'User', name: ALICE } : extra.owner;
    return {
      apiVersion: 'kubeflow.org/v1',
      kind: 'Profile',
      metadata: {
        name: extra.name ?? `${p}-${slug}`,
        ...(extra.labels === undefined ? {} : { labels: extra.labels }),
        ...(extra.finalizers === undefined ? {} : { finalizers: extra.finalizers }),
      },
      spec: { ...(owner === null ? {} : { owner }), ...spec },
    };
  }
  const hard = (values: Record<string, unknown>): Manifest => ({
    resourceQuotaSpec: { hard: values },
  });

  const deny = (rules: readonly string[], path?: string): Expectation =>
    path === undefined ? { allowed: false, rules } : { allowed: false, rules, path };
  const ok: Expectation = { allowed: true };
  const warned = (...warnings: string[]): Expectation => ({ allowed: true, warnings });

  const cases: AttackCase[] = [];
  const add = (
    rule: string,
    what: string,
    attack: Step,
    expect: Expectation,
    more: Partial<Pick<AttackCase, 'setup' | 'apiServer' | 'skipMutate'>> = {},
  ): void => {
    cases.push({ name: `${rule}: ${what}`, rule, attack, expect, ...more });
  };
  const create = (object: Manifest, as: Actor = 'alice'): Step => ({ op: 'create', object, as });
  const update = (object: Manifest, as: Actor = 'alice'): Step => ({ op: 'update', object, as });
  const remove = (object: Manifest, as: Actor = 'alice'): Step => ({ op: 'delete', object, as });

  // --- profile-name-format ----------------------------------------------------------------------
  add(
    'profile-name-format',
    'a dotted name (a DNS subdomain, not a label)',
    create(profile('', {}, { name: `${p}.dotted` })),
    deny(['profile-name-format'], 'metadata.name'),
  );
  add(
    'profile-name-format',
    'a 64-character name',
    create(profile('', {}, { name: `${p}-${'x'.repeat(63 - p.length)}` })),
    deny(['profile-name-format'], 'metadata.name'),
  );
  add(
    'profile-name-format',
    'upper case',
    create(profile('', {}, { name: `${p}-Alice` })),
    deny(['profile-name-format'], 'metadata.name'),
    { apiServer: 'refuses' },
  );
  add(
    'profile-name-format',
    'a Cyrillic homoglyph',
    create(profile('', {}, { name: `${p}-\u0430lice` })),
    deny(['profile-name-format'], 'metadata.name'),
    { apiServer: 'refuses' },
  );
  add(
    'profile-name-format',
    'a trailing hyphen',
    create(profile('', {}, { name: `${p}-alice-` })),
    deny(['profile-name-format'], 'metadata.name'),
    { apiServer: 'refuses' },
  );

  // --- profile-name-reserved --------------------------------------------------------------------
  for (const name of [
    'kubeflow',
    'default',
    'istio-system',
    'cert-manager',
    'kube-public',
    'auth',
    'kube-node-lease',
    'knative-serving',
    'oauth2-proxy',
  ]) {
    add(
      'profile-name-reserved',
      `the reserved name ${name}`,
      create(profile('', {}, { name })),
      deny(['profile-name-reserved'], 'metadata.name'),
    );
  }
  for (const prefix of ['kube-', 'istio-', 'openshift-']) {
    add(
      'profile-name-reserved',
      `the reserved prefix ${prefix}`,
      create(profile('', {}, { name: `${prefix}${p}` })),
      deny(['profile-name-reserved'], 'metadata.name'),
    );
  }
  add(
    'profile-name-reserved',
    'the reserved prefix kube- through kubeflow.org/v1beta1',
    create({ ...profile('', {}, { name: `kube-${p}-beta` }), apiVersion: 'kubeflow.org/v1beta1' }),
    deny(['profile-name-reserved'], 'metadata.name'),
  );
  // generateName: /mutate sees no name and request.name stays empty; the API server names the
  // object before /validate. Over HTTPS (no name at all) profile-name-format denies it instead.
  add(
    'profile-name-reserved',
    'generateName "kube-" (named by the API server before /validate)',
    create({ ...profile(''), metadata: { generateName: 'kube-' } }),
    deny([]),
  );
  add(
    'profile-name-reserved',
    'a name that only starts like a reserved one (kubeflow-…) is allowed',
    create(profile('', {}, { name: `kubeflow-${p}` })),
    ok,
  );

  // --- profile-owner-* --------------------------------------------------------------------------
  add(
    'profile-owner-required',
    'no spec.owner',
    create(profile('no-owner', {}, { owner: null })),
    deny(['profile-owner-required'], 'spec.owner'),
  );
  add(
    'profile-owner-required',
    'an empty owner name',
    create(profile('empty-owner', {}, { owner: { kind: 'User', name: '' } })),
    deny(['profile-owner-required'], 'spec.owner.name'),
  );
  add(
    'profile-owner-kind',
    'a Group owner',
    create(profile('group-owner', {}, { owner: { kind: 'Group', name: ALICE } })),
    deny(['profile-owner-kind'], 'spec.owner.kind'),
  );
  add(
    'profile-owner-kind',
    'a lower-case kind',
    create(profile('lower-kind', {}, { owner: { kind: 'user', name: ALICE } })),
    deny(['profile-owner-kind'], 'spec.owner.kind'),
  );
  add(
    'profile-owner-kind',
    'a ServiceAccount owner',
    create(
      profile(
        'sa-owner',
        {},
        { owner: { kind: 'ServiceAccount', name: 'default-editor', namespace: ctx.alice } },
      ),
    ),
    deny(['profile-owner-kind'], 'spec.owner.kind'),
  );
  for (const [slug, name] of [
    ['no-at', 'alice'],
    ['trailing-space', `${ALICE} `],
    ['newline', `${ALICE}\n`],
    ['double-at', 'alice@@example.com'],
    ['no-local', '@example.com'],
    ['quoted-local', '"alice"@example.com'],
    ['comment', 'alice(ml)@example.com'],
    ['idn', 'alice@例え.jp'],
    ['trailing-dot', `${ALICE}.`],
    ['ip-literal', 'alice@[127.0.0.1]'],
    ['bare-host', 'alice@localhost'],
    ['sa-identity', `system:serviceaccount:${ctx.alice}:default-editor`],
  ] as const) {
    add(
      'profile-owner-format',
      `owner name ${JSON.stringify(name)}`,
      create(profile(`owner-${slug}`, {}, { owner: { kind: 'User', name } })),
      deny(['profile-owner-format'], 'spec.owner.name'),
    );
  }
  add(
    'profile-owner-format',
    'an apiGroup other than RBAC',
    create(
      profile(
        'owner-group',
        {},
        { owner: { kind: 'User', name: ALICE, apiGroup: 'evil.example.com' } },
      ),
    ),
    deny(['profile-owner-format'], 'spec.owner.apiGroup'),
  );
  add(
    'profile-owner-format',
    'a namespace on a User owner',
    create(
      profile('owner-ns', {}, { owner: { kind: 'User', name: ALICE, namespace: 'kubeflow' } }),
    ),
    deny(['profile-owner-format'], 'spec.owner.namespace'),
  );
  add(
    'profile-owner-lowercase',
    'an upper-case e-mail only warns (Warn mode)',
    create(profile('owner-upper', {}, { owner: { kind: 'User', name: 'Alice@example.com' } })),
    warned('profile-owner-lowercase'),
  );
  {
    const mine = profile('mine');
    const setup = [create(mine)];
    add(
      'profile-owner-immutable',
      'handing her Profile to bob',
      update(profile('mine', {}, { owner: { kind: 'User', name: BOB } })),
      deny(['profile-owner-immutable'], 'spec.owner'),
      { setup },
    );
    add(
      'profile-owner-immutable',
      'the same e-mail in another case',
      update(profile('mine', {}, { owner: { kind: 'User', name: 'Alice@example.com' } })),
      deny(['profile-owner-immutable'], 'spec.owner'),
      { setup },
    );
    add(
      'profile-owner-immutable',
      'the same name as a Group owner',
      update(profile('mine', {}, { owner: { kind: 'Group', name: ALICE } })),
      deny(['profile-owner-kind', 'profile-owner-immutable'], 'spec.owner.kind'),
      { setup },
    );
    add(
      'profile-owner-immutable',
      'the owner removed',
      update(profile('mine', {}, { owner: null })),
      deny(['profile-owner-required', 'profile-owner-immutable'], 'spec.owner'),
      { setup },
    );
    add(
      'tenant',
      'the default apiGroup of her owner spelt out is no change',
      update(profile('mine', {}, { owner: { kind: 'User', name: ALICE, apiGroup: rbac } })),
      ok,
      { setup },
    );
    add(
      'profile-owner-immutable',
      'an owner change hidden in a finalizer update',
      update(
        profile(
          'mine',
          {},
          { owner: { kind: 'User', name: BOB }, finalizers: ['example.com/hold'] },
        ),
      ),
      deny(['profile-owner-immutable'], 'spec.owner'),
      { setup },
    );
    add(
      'tenant',
      'alice adds a finalizer to her Profile',
      update(profile('mine', {}, { finalizers: ['example.com/hold'] })),
      ok,
      { setup },
    );
    add(
      'tenant',
      'alice removes the injected quota: it comes back',
      update(profile('mine', { resourceQuotaSpec: {} })),
      ok,
      { setup },
    );
  }

  // --- profile-namespace-takeover ---------------------------------------------------------------
  add(
    'profile-namespace-takeover',
    "a Profile named after bob's namespace",
    create(profile('', {}, { name: ctx.bobsNamespace })),
    deny(['profile-namespace-takeover'], 'metadata.name'),
  );
  add(
    'profile-namespace-takeover',
    'a Profile named after an unannotated namespace',
    create(profile('', {}, { name: ctx.unannotatedNamespace })),
    deny(['profile-namespace-takeover'], 'metadata.name'),
  );
  add(
    'profile-namespace-takeover',
    'a namespace owned by "Alice@example.com" (another RBAC user)',
    create(profile('', {}, { name: ctx.upperAlicesNamespace })),
    deny(['profile-namespace-takeover'], 'metadata.name'),
  );
  add(
    'profile-namespace-takeover',
    "bob's profile namespace",
    create(profile('', {}, { name: ctx.bob })),
    deny(['profile-namespace-takeover']),
  );
  add(
    'profile-namespace-takeover',
    'a namespace annotated with her own name is hers',
    create(profile('', {}, { name: ctx.alicesNamespace })),
    ok,
  );

  // --- profile-quota-* --------------------------------------------------------------------------
  // null read as "no quota" by the profile controller: the defaults must land, or the write fail.
  add(
    'profile-defaults-applied',
    'hard: null (a ResourceQuota with no limits)',
    create(profile('null-hard', { resourceQuotaSpec: { hard: null } })),
    { allowed: 'denied-or-defaulted' },
  );
  add(
    'profile-defaults-applied',
    'resourceQuotaSpec: null',
    create(profile('null-quota', { resourceQuotaSpec: null })),
    { allowed: 'denied-or-defaulted' },
  );
  add(
    'profile-quota-quantity',
    '"1" and 100 000 zeros (bounded work; longer than 64 characters)',
    create(profile('long-cpu', hard({ cpu: `1${'0'.repeat(100000)}` }))),
    deny(['profile-quota-quantity'], 'spec.resourceQuotaSpec.hard'),
  );
  add(
    'profile-quota-quantity',
    '"0." and 100 000 zeros then 1',
    create(profile('long-fraction', hard({ memory: `0.${'0'.repeat(100000)}1` }))),
    deny(['profile-quota-quantity'], 'spec.resourceQuotaSpec.hard'),
  );
  add(
    'profile-quota-quantity',
    'a negative quantity',
    create(profile('negative', hard({ cpu: '-1' }))),
    deny(['profile-quota-quantity'], 'spec.resourceQuotaSpec.hard'),
  );
  add(
    'profile-quota-quantity',
    'a fraction of a count',
    create(profile('half-pvc', hard({ persistentvolumeclaims: '10.5' }))),
    deny(['profile-quota-quantity'], 'spec.resourceQuotaSpec.hard'),
  );
  for (const [slug, value] of [
    ['hex', '0x40'],
    ['unit-gb', '1Gb'],
    ['space', ' 4'],
    ['empty', ''],
  ] as const) {
    add(
      'profile-quota-quantity',
      `cpu ${JSON.stringify(value)}`,
      create(profile(`q-${slug}`, hard({ cpu: value }))),
      deny(['profile-quota-quantity'], 'spec.resourceQuotaSpec.hard'),
      { apiServer: 'refuses' },
    );
  }
  add(
    'profile-quota-quantity',
    'an unknown scope',
    create(profile('scope', { resourceQuotaSpec: { hard: { cpu: '4' }, scopes: ['Everything'] } })),
    deny(['profile-quota-quantity'], 'spec.resourceQuotaSpec.scopes'),
  );
  // A scope the API server refuses with the quota's resources: the profile controller's
  // ResourceQuota would never be created, leaving the namespace without any quota.
  for (const [slug, what, quota, path] of [
    [
      'scope-pods',
      'a pod scope (NotTerminating) over the default quota, which holds claims and storage',
      { scopes: ['NotTerminating'] },
      'spec.resourceQuotaSpec.scopes[0]',
    ],
    [
      'scope-besteffort',
      'BestEffort over the default quota',
      { scopes: ['BestEffort'] },
      'spec.resourceQuotaSpec.scopes[0]',
    ],
    [
      'scope-priority',
      'a scope selector on a PriorityClass no pod has',
      {
        scopeSelector: {
          matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['nobody'] }],
        },
      },
      'spec.resourceQuotaSpec.scopeSelector.matchExpressions[0].scopeName',
    ],
    [
      'scope-conflict',
      'conflicting scopes Terminating and NotTerminating',
      { hard: { pods: '10' }, scopes: ['Terminating', 'NotTerminating'] },
      'spec.resourceQuotaSpec.scopes',
    ],
  ] as const) {
    add(
      'profile-quota-quantity',
      what,
      create(profile(slug, { resourceQuotaSpec: quota })),
      deny(['profile-quota-quantity'], path),
    );
  }
  add(
    'profile-quota-resource',
    'CPU in upper case',
    create(profile('upper-cpu', hard({ CPU: '1000' }))),
    deny(['profile-quota-resource'], 'spec.resourceQuotaSpec.hard'),
  );
  add(
    'profile-quota-resource',
    'a resource name with a trailing space',
    create(profile('cpu-space', hard({ 'cpu ': '1000' }))),
    deny(['profile-quota-resource'], 'spec.resourceQuotaSpec.hard'),
  );
  for (const [slug, values] of [
    ['cpu-65', { cpu: '65' }],
    ['cpu-plus', { cpu: '+65' }],
    ['cpu-int', { cpu: 1000 }],
    ['cpu-exp', { cpu: '1e2' }],
    ['cpu-exp-upper', { cpu: '1E2' }],
    ['cpu-kilo', { cpu: '0.065k' }],
    ['cpu-dot-kilo', { cpu: '.065k' }],
    ['cpu-milli', { cpu: '64001m' }],
    ['requests-cpu', { cpu: '4', 'requests.cpu': '128' }],
    ['memory-gi', { memory: '513Gi' }],
    ['memory-mi', { memory: '524289Mi' }],
    ['memory-bytes', { memory: '549755813889' }],
    ['requests-memory', { 'requests.memory': '1Ti' }],
    ['gpu', { 'requests.nvidia.com/gpu': '9' }],
    ['pvc', { persistentvolumeclaims: '101' }],
    ['storage', { 'requests.storage': '11Ti' }],
    ['storage-bytes', { 'requests.storage': '10995116277761' }],
    ['cpu-exp-65', { cpu: '6.5e1' }],
    ['cpu-nano-over', { cpu: '64.0000000001' }],
    ['requests-cpu-alone', { 'requests.cpu': '65' }],
    ['memory-decimal-g', { memory: '550G' }],
  ] as const) {
    add(
      'profile-quota-max',
      `${JSON.stringify(values)} exceeds the maximum`,
      create(profile(`max-${slug}`, hard(values))),
      deny(['profile-quota-max'], 'spec.resourceQuotaSpec.hard'),
    );
  }
  for (const [slug, values] of [
    ['cpu-64', { cpu: '64' }],
    ['cpu-exp-64', { cpu: '6.4e1' }],
    ['cpu-milli-64', { cpu: '64000m' }],
    ['memory-ti', { memory: '0.5Ti' }],
    ['gpu-8', { 'requests.nvidia.com/gpu': '8' }],
    ['partial', { cpu: '1' }],
    ['empty-hard', {}],
  ] as const) {
    add(
      'profile-quota-max',
      `${JSON.stringify(values)} is within the maximum (defaults filled in)`,
      create(profile(`ok-${slug}`, hard(values))),
      ok,
    );
  }

  // --- profile-plugin ---------------------------------------------------------------------------
  const plugin = (kind: string, spec: unknown): Manifest => ({ kind, spec });
  add(
    'profile-plugin',
    'an unknown plugin kind',
    create(profile('plugin-evil', { plugins: [plugin('Evil', {})] })),
    deny(['profile-plugin'], 'spec.plugins[0]'),
  );
  add(
    'profile-plugin',
    'a plugin kind in lower case',
    create(
      profile('plugin-lower', {
        plugins: [
          plugin('workloadidentity', {
            gcpServiceAccount: 'analytics@my-project.iam.gserviceaccount.com',
          }),
        ],
      }),
    ),
    deny(['profile-plugin'], 'spec.plugins[0]'),
  );
  add(
    'profile-plugin',
    'a bad plugin second in the list',
    create(
      profile('plugin-second', {
        plugins: [
          plugin('WorkloadIdentity', {
            gcpServiceAccount: 'analytics@my-project.iam.gserviceaccount.com',
          }),
          plugin('Evil', {}),
        ],
      }),
    ),
    deny(['profile-plugin'], 'spec.plugins[1]'),
  );
  add(
    'profile-plugin',
    'a GCP service account that is not an e-mail',
    create(
      profile('plugin-gcp', {
        plugins: [plugin('WorkloadIdentity', { gcpServiceAccount: 'not-an-email' })],
      }),
    ),
    deny(['profile-plugin'], 'spec.plugins[0].spec.gcpServiceAccount'),
  );
  add(
    'profile-plugin',
    'an IAM user ARN instead of a role',
    create(
      profile('plugin-aws', {
        plugins: [
          plugin('AwsIamForServiceAccount', { awsIamRole: 'arn:aws:iam::123456789012:user/x' }),
        ],
      }),
    ),
    deny(['profile-plugin'], 'spec.plugins[0].spec.awsIamRole'),
  );
  add(
    'tenant',
    'a WorkloadIdentity plugin',
    create(
      profile('plugin-ok', {
        plugins: [
          plugin('WorkloadIdentity', {
            gcpServiceAccount: 'analytics@my-project.iam.gserviceaccount.com',
          }),
        ],
      }),
    ),
    ok,
  );
  add(
    'tenant',
    'an AwsIamForServiceAccount plugin',
    create(
      profile('plugin-aws-ok', {
        plugins: [
          plugin('AwsIamForServiceAccount', { awsIamRole: 'arn:aws:iam::123456789012:role/x' }),
        ],
      }),
    ),
    ok,
  );
  add(
    'profile-plugin',
    'spec.plugins[0].spec nested 3 000 levels deep',
    create(
      profile('deep-3k', {
        plugins: [
          plugin('WorkloadIdentity', {
            gcpServiceAccount: 'analytics@my-project.iam.gserviceaccount.com',
            extra: nestedJson(3000),
          }),
        ],
      }),
    ),
    { allowed: 'denied-or-defaulted' },
  );
  add(
    'profile-plugin',
    'spec.plugins[0].spec nested 10 000 levels deep',
    create(
      profile('deep-10k', {
        plugins: [
          plugin('WorkloadIdentity', {
            gcpServiceAccount: 'analytics@my-project.iam.gserviceaccount.com',
            extra: nestedJson(10000),
          }),
        ],
      }),
    ),
    { allowed: 'denied-or-defaulted' },
    { apiServer: 'refuses' },
  );
  add(
    'profile-plugin',
    'an unknown kind nested 10 000 levels deep',
    create(profile('deep-evil', { plugins: [plugin('Evil', { extra: nestedJson(10000) })] })),
    deny([]),
    { apiServer: 'refuses' },
  );
  add(
    'profile-plugin',
    'spec.plugins[0].spec nested 100 000 levels deep',
    create(
      profile('deep-100k', {
        plugins: [plugin('WorkloadIdentity', { extra: nestedJson(100000) })],
      }),
    ),
    { allowed: 'denied-or-defaulted' },
    { apiServer: 'refuses' },
  );

  // --- profile-plugin-identity (the run's unselected policy sets exclusiveIdentities) -----------
  // The profile controller binds the namespace's default-editor ServiceAccount to the identity a
  // plugin names (kubeflow/dashboard components/profile-controller/controllers/
  // plugin_workload_identity.go, plugin_iam.go): naming bob's would hand alice his cloud access.
  {
    const bobsAccount = 'bob-pipelines@bob-project.iam.gserviceaccount.com';
    const bobsRole = 'arn:aws:iam::123456789012:role/bob-pipelines';
    const bobsCloud = [
      create(
        profile(
          'bobs-cloud',
          {
            plugins: [
              plugin('WorkloadIdentity', { gcpServiceAccount: bobsAccount }),
              plugin('AwsIamForServiceAccount', { awsIamRole: bobsRole }),
            ],
          },
          { owner: { kind: 'User', name: BOB } },
        ),
        'admin',
      ),
    ];
    add(
      'profile-plugin-identity',
      "bob's GCP service account as her WorkloadIdentity",
      create(
        profile('wi-bobs', {
          plugins: [plugin('WorkloadIdentity', { gcpServiceAccount: bobsAccount })],
        }),
      ),
      deny(['profile-plugin-identity'], 'spec.plugins[0].spec.gcpServiceAccount'),
      { setup: bobsCloud },
    );
    add(
      'profile-plugin-identity',
      "bob's IAM role under another account, a path and another case (the controller finds roles by name)",
      create(
        profile('iam-bobs', {
          plugins: [
            plugin('AwsIamForServiceAccount', {
              awsIamRole: 'arn:aws:iam::999999999999:role/team/Bob-Pipelines',
            }),
          ],
        }),
      ),
      deny(['profile-plugin-identity'], 'spec.plugins[0].spec.awsIamRole'),
      { setup: bobsCloud },
    );
    add(
      'profile-plugin-identity',
      "bob's service account added to her existing Profile",
      update(
        profile('wi-later', {
          plugins: [plugin('WorkloadIdentity', { gcpServiceAccount: bobsAccount })],
        }),
      ),
      deny(['profile-plugin-identity'], 'spec.plugins[0].spec.gcpServiceAccount'),
      { setup: [...bobsCloud, create(profile('wi-later'))] },
    );
    add(
      'kubeflow',
      "the controller adds its finalizer to bob's Profile that names his own service account",
      update(
        profile(
          'bobs-cloud',
          {
            plugins: [
              plugin('WorkloadIdentity', { gcpServiceAccount: bobsAccount }),
              plugin('AwsIamForServiceAccount', { awsIamRole: bobsRole }),
            ],
          },
          { owner: { kind: 'User', name: BOB }, finalizers: ['profile-finalizer'] },
        ),
        'controller',
      ),
      ok,
      { setup: bobsCloud },
    );
  }

  // --- oversized Profiles -------------------------------------------------------------------------
  {
    // 12 000 labels: the review the API server sends holds about 5 JSON tokens a label (2 in the
    // object, 3 in its managedFields), under MAX_REVIEW_TOKENS; 20 000 would be over it.
    const labels = Object.fromEntries(Array.from({ length: 12000 }, (_, i) => [`l${i}`, 'x']));
    add(
      'profile-defaults-applied',
      '12 000 labels',
      create(profile('many-labels', {}, { labels })),
      ok,
    );
    const annotation = 'x'.repeat(3 * 1024 * 1024 - 4096);
    add(
      'profile-defaults-applied',
      'a 3 MiB body (one huge annotation)',
      create({
        ...profile('big-body'),
        metadata: { name: `${p}-big-body`, annotations: { big: annotation } },
      }),
      ok,
      { apiServer: 'refuses' },
    );
  }

  // --- profile-defaults-applied -------------------------------------------------------------------
  add(
    'profile-defaults-applied',
    'a Profile sent to /validate without /mutate',
    create(profile('skipped-mutate')),
    deny(['profile-defaults-applied'], 'metadata.labels'),
    { apiServer: 'https-only', skipMutate: true },
  );

  // metadata.labels null: the API server decodes it as absent; a review sent straight to the
  // webhook must get the label too, or be denied. Labels that are no map cannot get it: denied.
  {
    const withLabels = (slug: string, labels: unknown): Manifest => ({
      ...profile(slug),
      metadata: { name: `${p}-${slug}`, labels },
    });
    add(
      'profile-defaults-applied',
      'labels: null (no labels)',
      create(withLabels('null-labels', null)),
      ok,
    );
    add(
      'profile-defaults-applied',
      'labels: null sent to /validate without /mutate',
      create(withLabels('null-labels-skipped', null)),
      deny(['profile-defaults-applied'], 'metadata.labels'),
      { apiServer: 'https-only', skipMutate: true },
    );
    add(
      'profile-defaults-applied',
      'labels that are a string (the label cannot be added)',
      create(withLabels('string-labels', 'x')),
      deny(['profile-defaults-applied'], 'metadata.labels'),
      { apiServer: 'refuses' },
    );
  }

  // --- profile-selector-label (a ProfilePolicy selects tierKey=lenient, groupKey In [a]) ---------
  {
    const lenient = { [ctx.tierKey]: 'lenient', [ctx.groupKey]: 'a' };
    const tierPath = `metadata.labels[${JSON.stringify(ctx.tierKey)}]`;
    const groupPath = `metadata.labels[${JSON.stringify(ctx.groupKey)}]`;
    add(
      'profile-selector-label',
      'her Profile labelled into the lenient policy',
      update(profile('label-up', {}, { labels: lenient })),
      deny(['profile-selector-label'], tierPath),
      { setup: [create(profile('label-up'))] },
    );
    add(
      'profile-selector-label',
      'only the In-expression key set',
      update(profile('label-in', {}, { labels: { [ctx.groupKey]: 'a' } })),
      deny(['profile-selector-label'], groupPath),
      { setup: [create(profile('label-in'))] },
    );
    add(
      'profile-selector-label',
      'a new Profile born lenient',
      create(profile('born-lenient', {}, { labels: lenient })),
      deny(['profile-selector-label'], tierPath),
    );
    const setup = [create(profile('label-game'))];
    add(
      'tenant',
      'a label no selector reads',
      update(profile('label-game', {}, { labels: { [`${ctx.tierKey}-note`]: 'lenient' } })),
      ok,
      { setup },
    );
    add(
      'kubeflow',
      'an admin places a Profile under a policy',
      create(profile('admin-placed', {}, { labels: lenient }), 'admin'),
      ok,
    );
    // Where an admin placed her, she stays: removing or blanking the label is choosing too.
    const placed = [create(profile('placed', {}, { labels: lenient }), 'admin')];
    add(
      'profile-selector-label',
      'removes the labels an admin placed her by',
      update(profile('placed')),
      deny(['profile-selector-label'], tierPath),
      { setup: placed },
    );
    add(
      'profile-selector-label',
      'blanks the label an admin placed her by',
      update(profile('placed', {}, { labels: { ...lenient, [ctx.tierKey]: '' } })),
      deny(['profile-selector-label'], tierPath),
      { setup: placed },
    );
  }

  // --- binding-serviceaccount-namespace ------------------------------------------------------------
  add(
    'binding-serviceaccount-namespace',
    "a ServiceAccount of bob's namespace",
    create(roleBinding('sa-bob', 'kubeflow-edit', [serviceAccount(ctx.bob, 'default-editor')])),
    deny(['binding-serviceaccount-namespace'], 'subjects[0]'),
  );
  add(
    'binding-serviceaccount-namespace',
    'a ServiceAccount of kube-system',
    create(
      roleBinding('sa-kube-system', 'kubeflow-view', [serviceAccount('kube-system', 'default')]),
    ),
    deny(['binding-serviceaccount-namespace'], 'subjects[0]'),
  );
  add(
    'binding-serviceaccount-namespace',
    "bob's ServiceAccount third in the list",
    create(
      roleBinding('sa-third', 'kubeflow-edit', [
        serviceAccount(ctx.alice, 'a'),
        serviceAccount(ctx.alice, 'b'),
        serviceAccount(ctx.bob, 'default-editor'),
      ]),
    ),
    deny(['binding-serviceaccount-namespace'], 'subjects[2]'),
  );
  add(
    'binding-serviceaccount-namespace',
    "bob's ServiceAccount spelt as a User (system:serviceaccount:<ns>:<name>)",
    create(
      roleBinding('sa-as-user', 'kubeflow-edit', [
        user(`system:serviceaccount:${ctx.bob}:default-editor`),
      ]),
    ),
    deny(['binding-serviceaccount-namespace'], 'subjects[0]'),
  );
  add(
    'binding-serviceaccount-namespace',
    // 12 000 users (7 JSON tokens each): a long list the rule still reads, under MAX_REVIEW_TOKENS.
    "bob's ServiceAccount after 12 000 users",
    create(
      roleBinding('sa-long-list', 'kubeflow-edit', [
        ...Array.from({ length: 12000 }, (_, i) => user(`u${i}@example.com`)),
        serviceAccount(ctx.bob, 'default-editor'),
      ]),
    ),
    deny(['binding-serviceaccount-namespace'], 'subjects[12000]'),
  );
  add(
    'tenant',
    'a ServiceAccount of her own namespace',
    create(roleBinding('sa-own', 'kubeflow-edit', [serviceAccount(ctx.alice, 'ci')])),
    ok,
  );
  add(
    'tenant',
    'a ServiceAccount with no namespace (the binding’s own)',
    create(roleBinding('sa-implicit', 'kubeflow-edit', [serviceAccount(undefined, 'ci')])),
    ok,
  );
  add(
    'tenant',
    'a ServiceAccount of kubeflow',
    create(
      roleBinding('sa-kubeflow', 'kubeflow-view', [serviceAccount('kubeflow', 'pipeline-runner')]),
    ),
    ok,
  );

  // --- binding-group / binding-forbidden-user --------------------------------------------------------
  for (const name of [
    'system:authenticated',
    'system:unauthenticated',
    'system:serviceaccounts',
    `system:serviceaccounts:${ctx.bob}`,
    'system:serviceaccounts:kube-system',
  ]) {
    add(
      'binding-group',
      `the group ${name}`,
      create(
        roleBinding(`group-${name.replace(/[^a-z0-9]+/g, '-')}`.slice(0, 60), 'kubeflow-view', [
          group(name),
        ]),
      ),
      deny(['binding-group'], 'subjects[0]'),
    );
  }
  add(
    'binding-group',
    'system:authenticated second in the list',
    create(
      roleBinding('group-second', 'kubeflow-view', [
        group('team-a'),
        group('system:authenticated'),
      ]),
    ),
    deny(['binding-group'], 'subjects[1]'),
  );
  add(
    'tenant',
    'the ServiceAccounts of her own namespace',
    create(
      roleBinding('group-own-sas', 'kubeflow-view', [group(`system:serviceaccounts:${ctx.alice}`)]),
    ),
    ok,
  );
  add(
    'tenant',
    'the ServiceAccounts of kubeflow',
    create(
      roleBinding('group-kubeflow-sas', 'kubeflow-view', [
        group('system:serviceaccounts:kubeflow'),
      ]),
    ),
    ok,
  );
  add(
    'binding-forbidden-user',
    'the user system:anonymous',
    create(roleBinding('anonymous', 'kubeflow-view', [user('system:anonymous')])),
    deny(['binding-forbidden-user'], 'subjects[0]'),
  );
  add(
    'binding-forbidden-user',
    'system:anonymous after a contributor',
    create(roleBinding('anonymous-second', 'kubeflow-view', [user(BOB), user('system:anonymous')])),
    deny(['binding-forbidden-user'], 'subjects[1]'),
  );
  // RBAC refuses a subject kind in another case; sent to the webhook directly, it is judged as
  // the kind its spelling names.
  for (const [slug, subject, rule, path] of [
    [
      'anonymous-lower',
      { kind: 'user', name: 'system:anonymous' },
      'binding-forbidden-user',
      'subjects[0].name',
    ],
    [
      'authenticated-upper',
      { kind: 'GROUP', name: 'system:authenticated' },
      'binding-group',
      'subjects[0].name',
    ],
    [
      'sa-lower',
      { kind: 'serviceaccount', name: 'default-editor', namespace: ctx.bob },
      'binding-serviceaccount-namespace',
      'subjects[0].namespace',
    ],
  ] as const) {
    add(
      rule,
      `${JSON.stringify(subject)} (a kind in another case)`,
      create(roleBinding(slug, 'kubeflow-view', [subject])),
      deny([rule], path),
      { apiServer: 'refuses' },
    );
  }

  // --- binding-role ------------------------------------------------------------------------------------
  for (const [slug, role] of [
    ['cluster-admin', 'cluster-admin'],
    ['admin', 'admin'],
    ['edit', 'edit'],
    ['view', 'view'],
    ['case', 'Kubeflow-Edit'],
    ['space', 'kubeflow-edit '],
  ] as const) {
    add(
      'binding-role',
      `the ClusterRole ${JSON.stringify(role)}`,
      create(roleBinding(`role-${slug}`, role, [user(BOB)])),
      deny(['binding-role'], 'roleRef'),
    );
  }
  add(
    'tenant',
    'a Role of her namespace, whatever its name',
    create(roleBinding('role-local', 'cluster-admin', [user(BOB)], { roleKind: 'Role' })),
    ok,
  );
  add(
    'tenant',
    'kubeflow-edit for bob (sharing her namespace)',
    create(roleBinding('share-bob', 'kubeflow-edit', [user(BOB)])),
    ok,
  );
  add(
    'tenant',
    'kubeflow-view for bob',
    create(roleBinding('share-bob-view', 'kubeflow-view', [user(BOB)])),
    ok,
  );

  // --- binding-owner-only-role ------------------------------------------------------------------------
  add(
    'binding-owner-only-role',
    'kubeflow-admin for bob',
    create(roleBinding('admin-bob', 'kubeflow-admin', [user(BOB)])),
    deny(['binding-owner-only-role'], 'subjects[0]'),
  );
  add(
    'binding-owner-only-role',
    'kubeflow-admin for her name in upper case',
    create(roleBinding('admin-upper', 'kubeflow-admin', [user('Alice@example.com')])),
    deny(['binding-owner-only-role'], 'subjects[0]'),
  );
  add(
    'binding-owner-only-role',
    'kubeflow-admin for herself and bob',
    create(roleBinding('admin-pair', 'kubeflow-admin', [user(ALICE), user(BOB)])),
    deny(['binding-owner-only-role'], 'subjects[1]'),
  );
  add(
    'binding-owner-only-role',
    'kubeflow-admin for a group',
    create(roleBinding('admin-group', 'kubeflow-admin', [group('team-a')])),
    deny(['binding-owner-only-role'], 'subjects[0]'),
  );
  add(
    'binding-owner-only-role',
    'kubeflow-admin for a ServiceAccount of her namespace',
    create(roleBinding('admin-sa', 'kubeflow-admin', [serviceAccount(ctx.alice, 'ci')])),
    deny(['binding-owner-only-role'], 'subjects[0]'),
  );
  add(
    'binding-owner-only-role',
    'kubeflow-admin for bob in a binding named by generateName',
    create({
      ...roleBinding('', 'kubeflow-admin', [user(BOB)]),
      metadata: { generateName: 'share-', namespace: ctx.alice },
    }),
    deny(['binding-owner-only-role'], 'subjects[0]'),
  );
  add(
    'tenant',
    'kubeflow-admin for herself',
    create(roleBinding('admin-self', 'kubeflow-admin', [user(ALICE)])),
    ok,
  );

  // --- binding-protected --------------------------------------------------------------------------------
  const namespaceAdmin = roleBinding('namespaceAdmin', 'kubeflow-admin', [user(ALICE)]);
  add(
    'binding-protected',
    'deleting namespaceAdmin',
    remove(namespaceAdmin),
    deny(['binding-protected']),
  );
  add(
    'binding-protected',
    'adding bob to namespaceAdmin',
    update(roleBinding('namespaceAdmin', 'kubeflow-admin', [user(ALICE), user(BOB)])),
    deny(['binding-protected']),
  );
  add(
    'binding-protected',
    'relabelling namespaceAdmin',
    update(
      roleBinding('namespaceAdmin', 'kubeflow-admin', [user(ALICE)], { labels: { mine: 'yes' } }),
    ),
    deny(['binding-protected']),
  );
  // Only ownerReferences change, but the garbage collector deletes an object whose owners are all
  // gone: an owner she then deletes (or none that exists) would delete namespaceAdmin for her. The
  // update keeps the annotation `kubectl apply` left on the stored binding, so that it changes
  // nothing else: the review `kubectl patch` of the ownerReferences alone makes. HTTPS only: the
  // table's updates are `kubectl replace`, which rewrites that annotation (a change of its own).
  add(
    'binding-protected',
    'giving namespaceAdmin an owner she can delete (the garbage collector would delete it)',
    update({
      ...namespaceAdmin,
      metadata: {
        ...(namespaceAdmin.metadata as Manifest),
        annotations: {
          'kubectl.kubernetes.io/last-applied-configuration': `${JSON.stringify({
            apiVersion: `${rbac}/v1`,
            kind: 'RoleBinding',
            metadata: { annotations: {}, name: 'namespaceAdmin', namespace: ctx.alice },
            roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: 'kubeflow-admin' },
            subjects: [{ apiGroup: rbac, kind: 'User', name: ALICE }],
          })}\n`,
        },
        ownerReferences: [
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            name: 'bait',
            uid: '00000000-0000-4000-8000-000000000001',
          },
        ],
      },
    }),
    deny(['binding-protected'], 'metadata.ownerReferences[0]'),
    { apiServer: 'https-only' },
  );
  add(
    'binding-protected',
    'deleting default-editor',
    remove(
      roleBinding('default-editor', 'kubeflow-edit', [serviceAccount(ctx.alice, 'default-editor')]),
    ),
    deny(['binding-protected']),
  );
  add(
    'binding-protected',
    'deleting ns-owner-access-istio',
    remove(authorizationPolicy('ns-owner-access-istio', {})),
    deny(['binding-protected']),
  );
  add(
    'binding-protected',
    'opening ns-owner-access-istio to every namespace',
    update(
      authorizationPolicy('ns-owner-access-istio', {
        rules: [fromSource({ namespaces: [ctx.alice] })],
      }),
    ),
    deny(['binding-protected']),
  );
  add(
    'binding-protected',
    'deleting waypoint-l4-access',
    remove(authorizationPolicy('waypoint-l4-access', {})),
    deny(['binding-protected']),
  );

  // --- clusterbinding-profile-role (Kubeflow's controller: cluster-admin, not exempt) -----------------
  add(
    'clusterbinding-profile-role',
    'kubeflow-edit cluster-wide',
    create(clusterRoleBinding('crb-edit', 'kubeflow-edit', [user(BOB)]), 'controller'),
    deny(['clusterbinding-profile-role'], 'roleRef'),
  );
  add(
    'clusterbinding-profile-role',
    'kubeflow-admin cluster-wide',
    create(clusterRoleBinding('crb-admin', 'kubeflow-admin', [user(BOB)]), 'controller'),
    deny(['clusterbinding-profile-role'], 'roleRef'),
  );
  add(
    'kubeflow',
    'a ClusterRoleBinding of another role',
    create(clusterRoleBinding('crb-view', 'view', [user(BOB)]), 'controller'),
    ok,
  );
  {
    const setup = [
      create(clusterRoleBinding('crb-ratchet', 'kubeflow-view', [user(BOB)]), 'admin'),
    ];
    add(
      'clusterbinding-profile-role',
      'adding a subject to an existing binding of kubeflow-view',
      update(
        clusterRoleBinding('crb-ratchet', 'kubeflow-view', [user(BOB), user('carol@example.com')]),
        'controller',
      ),
      deny(['clusterbinding-profile-role']),
      { setup },
    );
    add(
      'clusterbinding-profile-role',
      'relabelling an existing binding of kubeflow-view only warns',
      update(
        clusterRoleBinding('crb-ratchet', 'kubeflow-view', [user(BOB)], { note: 'x' }),
        'controller',
      ),
      warned('clusterbinding-profile-role'),
      { setup },
    );
  }

  // --- authz-source-namespace ------------------------------------------------------------------------
  const nsPath = 'spec.rules[0].from[0].source.namespaces[0]';
  const principalPath = 'spec.rules[0].from[0].source.principals[0]';
  for (const [slug, namespace] of [
    ['bob', ctx.bob],
    ['star', '*'],
    ['prefix', `${ctx.alice}*`],
    ['suffix', '*-system'],
    ['kube-system', 'kube-system'],
    ['homoglyph', 'kubef\u043Elow'],
  ] as const) {
    add(
      'authz-source-namespace',
      `source.namespaces ${JSON.stringify(namespace)}`,
      create(allow(`ns-${slug}`, fromSource({ namespaces: [namespace] }))),
      deny(['authz-source-namespace'], nsPath),
    );
  }
  for (const [slug, principal] of [
    ['bob', `cluster.local/ns/${ctx.bob}/sa/default-editor`],
    ['spiffe', `spiffe://cluster.local/ns/${ctx.bob}/sa/default-editor`],
    ['trust-domain', `other.example.com/ns/${ctx.bob}/sa/x`],
    ['star', '*'],
    ['ns-star', 'cluster.local/ns/*/sa/default-editor'],
    ['shape', 'bob'],
  ] as const) {
    add(
      'authz-source-namespace',
      `source.principals ${JSON.stringify(principal)}`,
      create(allow(`pr-${slug}`, fromSource({ principals: [principal] }))),
      deny(['authz-source-namespace'], principalPath),
    );
  }
  add(
    'authz-source-namespace',
    'a 1 MiB principal',
    create(allow('pr-huge', fromSource({ principals: ['a'.repeat(1024 * 1024)] }))),
    deny(['authz-source-namespace'], principalPath),
  );
  add(
    'authz-source-namespace',
    "bob's namespace in the second source",
    create(
      allow('ns-second-source', {
        from: [{ source: { namespaces: [ctx.alice] } }, { source: { namespaces: [ctx.bob] } }],
      }),
    ),
    deny(['authz-source-namespace'], 'spec.rules[0].from[1].source.namespaces[0]'),
  );
  add(
    'authz-source-namespace',
    "bob's namespace in the sixth rule",
    create(
      authorizationPolicy('ns-sixth-rule', {
        rules: [
          ...Array.from({ length: 5 }, () => fromSource({ namespaces: [ctx.alice] })),
          fromSource({ namespaces: [ctx.bob] }),
        ],
      }),
    ),
    deny(['authz-source-namespace'], 'spec.rules[5].from[0].source.namespaces[0]'),
  );
  add(
    'authz-source-namespace',
    "bob's namespace in the last of 512 rules (the CRD's maximum)",
    create(
      authorizationPolicy('ns-512-rules', {
        rules: [
          ...Array.from({ length: 511 }, () => fromSource({ namespaces: [ctx.alice] })),
          fromSource({ namespaces: [ctx.bob] }),
        ],
      }),
    ),
    deny(['authz-source-namespace'], 'spec.rules[511].from[0].source.namespaces[0]'),
  );
  add(
    'authz-source-namespace',
    "bob's namespace after 10 000 good rules",
    create(
      authorizationPolicy('ns-long-list', {
        rules: [
          ...Array.from({ length: 10000 }, () => fromSource({ namespaces: [ctx.alice] })),
          fromSource({ namespaces: [ctx.bob] }),
        ],
      }),
    ),
    deny(['authz-source-namespace'], 'spec.rules[10000].from[0].source.namespaces[0]'),
    { apiServer: 'refuses' },
  );
  add(
    'bounded-work',
    'one rule with 30 000 sources of her own namespace (more JSON tokens than are decoded)',
    // rules[] has maxItems 512 in the CRD (checked before the validating webhooks), from[] none:
    // 6 JSON tokens a source, 180 000 in all, about 1.4 MB (under the API server's 3 MiB).
    create(
      authorizationPolicy('dense-sources', {
        rules: [
          {
            from: Array.from({ length: 30000 }, () => ({
              source: { namespaces: [ctx.alice] },
            })),
          },
        ],
      }),
    ),
    deny(['request'], `more than ${String(MAX_REVIEW_TOKENS)} JSON tokens`),
  );
  add(
    'authz-source-namespace',
    "a when condition on bob's source.namespace",
    create(allow('when-bob', { when: [{ key: 'source.namespace', values: [ctx.bob] }] })),
    deny(['authz-source-namespace'], 'spec.rules[0].when[0].values[0]'),
  );
  add(
    'authz-source-namespace',
    'a when condition on source.namespace "*"',
    create(allow('when-star', { when: [{ key: 'source.namespace', values: ['*'] }] })),
    deny(['authz-source-namespace'], 'spec.rules[0].when[0].values[0]'),
  );
  add(
    'authz-source-namespace',
    "a when condition on bob's source.principal",
    create(
      allow('when-principal', {
        when: [{ key: 'source.principal', values: [`cluster.local/ns/${ctx.bob}/sa/x`] }],
      }),
    ),
    deny(['authz-source-namespace'], 'spec.rules[0].when[0].values[0]'),
  );
  add(
    'authz-source-namespace',
    "her namespace in from, bob's in when",
    create(
      allow('from-and-when', {
        ...fromSource({ namespaces: [ctx.alice] }),
        when: [{ key: 'source.namespace', values: [ctx.bob] }],
      }),
    ),
    deny(['authz-source-namespace'], 'spec.rules[0].when[0].values[0]'),
  );
  add(
    'tenant',
    'her own namespace',
    create(allow('ns-own', fromSource({ namespaces: [ctx.alice] }))),
    ok,
  );
  add(
    'tenant',
    'a kubeflow workload by principal (not a gateway)',
    create(
      allow(
        'pr-kubeflow',
        fromSource({
          principals: ['cluster.local/ns/kubeflow/sa/notebook-controller-service-account'],
        }),
      ),
    ),
    ok,
  );
  add(
    'tenant',
    'istio-system workloads by principal (not the gateway)',
    create(
      allow(
        'pr-istio',
        fromSource({ principals: ['cluster.local/ns/istio-system/sa/prometheus'] }),
      ),
    ),
    ok,
  );
  add(
    'tenant',
    'a when condition on her own source.namespace (Kubeflow’s shape)',
    create(allow('when-own', { when: [{ key: 'source.namespace', values: [ctx.alice] }] })),
    ok,
  );

  // --- authz-any-source ----------------------------------------------------------------------------------
  for (const [slug, rule] of [
    ['allow-all', {}],
    ['empty-from', { from: [] }],
    ['empty-source', { from: [{ source: {} }] }],
    ['empty-namespaces', fromSource({ namespaces: [] })],
    ['not-namespaces', fromSource({ notNamespaces: [ctx.bob] })],
    ['ip-blocks', fromSource({ ipBlocks: ['0.0.0.0/0'] })],
    ['request-principals', fromSource({ requestPrincipals: ['*'] })],
    ['when-not-values', { when: [{ key: 'source.namespace', notValues: [ctx.bob] }] }],
    [
      'when-claims',
      { when: [{ key: 'request.auth.claims[iss]', values: ['https://accounts.example.com'] }] },
    ],
    ['when-ip', { when: [{ key: 'source.ip', values: ['10.0.0.0/8'] }] }],
    ['methods', { to: [{ operation: { methods: ['GET'] } }] }],
    ['hosts', { to: [{ operation: { hosts: ['*'] } }] }],
    ['not-paths', { to: [{ operation: { notPaths: ['/admin'] } }] }],
    ['path-glob', { to: [{ operation: { paths: ['/healthz*'] } }] }],
    ['path-upper', { to: [{ operation: { paths: ['/HEALTHZ'] } }] }],
    ['path-dots', { to: [{ operation: { paths: ['/healthz/../api'] } }] }],
    ['path-encoded', { to: [{ operation: { paths: ['/%68ealthz'] } }] }],
    ['path-extra', { to: [{ operation: { paths: ['/healthz', '/'] } }] }],
    [
      'path-second-to',
      { to: [{ operation: { paths: ['/healthz'] } }, { operation: { methods: ['POST'] } }] },
    ],
  ] as const) {
    add(
      'authz-any-source',
      `an ALLOW rule ${JSON.stringify(rule)}`,
      create(allow(`any-${slug}`, rule)),
      deny(['authz-any-source']),
    );
  }
  add(
    'authz-any-source',
    'the action spelt "allow"',
    create(authorizationPolicy('any-lower-action', { action: 'allow', rules: [{}] })),
    deny(['authz-any-source']),
    { apiServer: 'refuses' },
  );
  add(
    'authz-any-source',
    'an unknown condition key (Source.Namespace) does not restrict',
    create(allow('any-key-case', { when: [{ key: 'Source.Namespace', values: [ctx.alice] }] })),
    deny([]),
  );
  add(
    'authz-any-source',
    'no action (ALLOW) and an open rule after a closed one',
    create(
      authorizationPolicy('any-second', { rules: [fromSource({ namespaces: [ctx.alice] }), {}] }),
    ),
    deny(['authz-any-source'], 'spec.rules[1]'),
  );
  add(
    'tenant',
    'probes: health paths from anywhere',
    create(
      allow('paths-ok', {
        to: [{ operation: { paths: ['/healthz', '/metrics'], methods: ['GET'] } }],
      }),
    ),
    ok,
  );
  add(
    'tenant',
    'a DENY of everyone',
    create(authorizationPolicy('deny-all', { action: 'DENY', rules: [{}] })),
    ok,
  );
  add(
    'tenant',
    'an AUDIT of everyone',
    create(authorizationPolicy('audit-all', { action: 'AUDIT', rules: [{}] })),
    ok,
  );
  add('tenant', 'allow-nothing (no rules)', create(authorizationPolicy('allow-nothing', {})), ok);
  // A policy that grants nothing, stored, then turned into one that grants: the UPDATE is judged
  // afresh (the stored object had no violation to keep).
  for (const [slug, what, stored, granting] of [
    [
      'flip-audit',
      'an AUDIT policy of everyone turned into ALLOW',
      { action: 'AUDIT', rules: [{}] },
      { action: 'ALLOW', rules: [{}] },
    ],
    [
      'flip-deny',
      'a DENY of other namespaces (notNamespaces) whose action is dropped (ALLOW)',
      { action: 'DENY', rules: [fromSource({ notNamespaces: [ctx.alice] })] },
      { rules: [fromSource({ notNamespaces: [ctx.alice] })] },
    ],
    [
      'flip-custom',
      'a CUSTOM policy whose action and provider are dropped',
      { action: 'CUSTOM', provider: { name: 'ext-authz' }, rules: [{}] },
      { rules: [{}] },
    ],
  ] as const) {
    add(
      'authz-any-source',
      what,
      update(authorizationPolicy(slug, granting)),
      deny(['authz-any-source'], 'spec.rules[0]'),
      { setup: [create(authorizationPolicy(slug, stored))] },
    );
  }
  add(
    'authz-any-source',
    "bob's ServiceAccount through source.serviceAccounts (not a restriction it judges)",
    create(
      allow('any-service-accounts', fromSource({ serviceAccounts: [`${ctx.bob}/default-editor`] })),
    ),
    deny(['authz-any-source'], 'spec.rules[0].from[0].source'),
  );

  // --- authz-gateway-user / authz-user-header -------------------------------------------------------------
  add(
    'authz-gateway-user',
    'the ingress gateway with no user condition (every Kubeflow user)',
    create(allow('gw-open', fromSource({ principals: [GATEWAY] }))),
    deny(['authz-gateway-user']),
  );
  add(
    'authz-gateway-user',
    'the pipeline UI with no user condition',
    create(allow('gw-ui', fromSource({ principals: [PIPELINE_UI] }))),
    deny(['authz-gateway-user']),
  );
  add(
    'authz-gateway-user',
    'the gateway spelt with spiffe://',
    create(allow('gw-spiffe', fromSource({ principals: [`spiffe://${GATEWAY}`] }))),
    deny(['authz-gateway-user']),
  );
  add(
    'authz-gateway-user',
    'the gateway through a when condition on source.principal',
    create(allow('gw-when', { when: [{ key: 'source.principal', values: [GATEWAY] }] })),
    deny(['authz-gateway-user']),
  );
  add(
    'authz-gateway-user',
    'the whole istio-system namespace, gateway included',
    create(allow('gw-namespace', fromSource({ namespaces: ['istio-system'] }))),
    deny(['authz-gateway-user']),
  );
  add(
    'authz-gateway-user',
    'the whole kubeflow namespace, the pipeline UI included',
    create(allow('gw-kubeflow-namespace', fromSource({ namespaces: ['kubeflow'] }))),
    deny(['authz-gateway-user']),
  );
  add(
    'authz-gateway-user',
    'a user condition on another header',
    create(
      allow(
        'gw-other-header',
        fromGateway({ when: [{ key: 'request.headers[x-user]', values: [ALICE] }] }),
      ),
    ),
    deny(['authz-gateway-user']),
  );
  add(
    'authz-gateway-user',
    'the user condition in another rule',
    create(
      authorizationPolicy('gw-split', {
        rules: [fromGateway(), { when: [{ key: USER_HEADER, values: [ALICE] }] }],
      }),
    ),
    deny(['authz-gateway-user'], 'spec.rules[0]'),
  );
  add(
    'authz-gateway-user',
    'a user condition with only notValues',
    create(allow('gw-not-values', fromGateway({ when: [{ key: USER_HEADER, notValues: [BOB] }] }))),
    deny(['authz-gateway-user']),
  );
  for (const [slug, values] of [
    ['star', ['*']],
    ['domain', ['*@example.com']],
    ['prefix', [`${ALICE}*`]],
    ['second', [ALICE, '*']],
  ] as const) {
    add(
      'authz-user-header',
      `user header values ${JSON.stringify(values)}`,
      create(allow(`hdr-${slug}`, fromGateway({ when: [{ key: USER_HEADER, values }] }))),
      deny(['authz-user-header'], `spec.rules[0].when[0].values[${values.length - 1}]`),
    );
  }
  add(
    'authz-user-header',
    'a wildcard user under a header name in another case',
    create(
      allow(
        'hdr-case',
        fromGateway({ when: [{ key: 'request.headers[Kubeflow-UserID]', values: ['*'] }] }),
      ),
    ),
    deny(['authz-user-header']),
  );
  add(
    'authz-gateway-user',
    'the gateway for an empty user id',
    create(allow('gw-empty-user', fromGateway({ when: [{ key: USER_HEADER, values: [''] }] }))),
    deny(['authz-gateway-user']),
  );
  add(
    'tenant',
    'the gateway for bob only (what KFAM writes)',
    create(allow('gw-bob', fromGateway({ when: [{ key: USER_HEADER, values: [BOB] }] }))),
    ok,
  );
  add(
    'tenant',
    'the gateway for bob under a header name in another case',
    create(
      allow(
        'gw-bob-case',
        fromGateway({ when: [{ key: 'request.headers[Kubeflow-UserID]', values: [BOB] }] }),
      ),
    ),
    ok,
  );

  // --- ratcheting: an old exception never widens ------------------------------------------------------------
  {
    const shared = serviceAccount('team-shared', 'ci');
    const setup = [create(roleBinding('ratchet-rb', 'kubeflow-edit', [shared]), 'admin')];
    const change = (subjects: readonly Manifest[], labels?: Record<string, string>) =>
      update(
        roleBinding(
          'ratchet-rb',
          'kubeflow-edit',
          subjects,
          labels === undefined ? {} : { labels },
        ),
      );
    add(
      'binding-serviceaccount-namespace',
      "ratcheting: team-shared/ci replaced by bob's ServiceAccount",
      change([serviceAccount(ctx.bob, 'default-editor')]),
      deny(['binding-serviceaccount-namespace'], 'subjects[0]'),
      { setup },
    );
    add(
      'binding-serviceaccount-namespace',
      'ratcheting: a second foreign ServiceAccount added',
      change([shared, serviceAccount('kube-system', 'default')]),
      deny(['binding-serviceaccount-namespace'], 'subjects[1]'),
      { setup },
    );
    add(
      'binding-group',
      'ratcheting: system:authenticated added to a violating binding',
      change([shared, group('system:authenticated')]),
      deny(['binding-group'], 'subjects[1]'),
      { setup },
    );
    add(
      'binding-serviceaccount-namespace',
      'ratcheting: a relabelled binding only warns',
      change([shared], { note: 'x' }),
      warned('binding-serviceaccount-namespace'),
      { setup },
    );
    add(
      'binding-serviceaccount-namespace',
      'ratcheting: the old subject moved to index 1 only warns',
      change([serviceAccount(ctx.alice, 'ci'), shared]),
      warned('binding-serviceaccount-namespace'),
      { setup },
    );
  }
  {
    // The ratcheting bound: beyond MAX_RATCHETED_VIOLATIONS violations of a rule in either object,
    // nothing is compared with the stored object and every violation is judged as new.
    const bound = MAX_RATCHETED_VIOLATIONS;
    const foreign = (count: number) =>
      Array.from({ length: count }, (_, i) => serviceAccount(`team-${String(i)}`, 'ci'));
    const kept = (name: string, count: number) => [
      create(roleBinding(name, 'kubeflow-edit', foreign(count)), 'admin'),
    ];
    add(
      'binding-serviceaccount-namespace',
      `ratcheting bound: a relabelled binding keeping ${String(bound)} foreign ServiceAccounts only warns`,
      update(
        roleBinding('ratchet-at-bound', 'kubeflow-edit', foreign(bound), { labels: { note: 'x' } }),
      ),
      warned('binding-serviceaccount-namespace'),
      { setup: kept('ratchet-at-bound', bound) },
    );
    add(
      'binding-serviceaccount-namespace',
      `ratcheting bound: a relabelled binding keeping ${String(bound + 1)} foreign ServiceAccounts`,
      update(
        roleBinding('ratchet-over-bound', 'kubeflow-edit', foreign(bound + 1), {
          labels: { note: 'x' },
        }),
      ),
      deny(['binding-serviceaccount-namespace'], 'subjects[0]'),
      { setup: kept('ratchet-over-bound', bound + 1) },
    );
    add(
      'binding-serviceaccount-namespace',
      `ratcheting bound: ${String(bound + 1)} stored foreign ServiceAccounts cut to ${String(bound)}`,
      update(roleBinding('ratchet-cut-to-bound', 'kubeflow-edit', foreign(bound))),
      deny(['binding-serviceaccount-namespace'], 'subjects[0]'),
      { setup: kept('ratchet-cut-to-bound', bound + 1) },
    );
    add(
      'binding-serviceaccount-namespace',
      `ratcheting bound: ${String(bound)} stored foreign ServiceAccounts padded to ${String(bound + 1)}`,
      update(roleBinding('ratchet-padded', 'kubeflow-edit', foreign(bound + 1))),
      deny(['binding-serviceaccount-namespace'], 'subjects[0]'),
      { setup: kept('ratchet-padded', bound) },
    );
  }
  {
    // An admin's narrow exception for Prometheus: alice keeps its namespace but drops a
    // restriction beside it, so the rule admits more. The rule is another rule: judged afresh.
    const narrow = {
      from: [
        {
          source: {
            namespaces: ['monitoring'],
            principals: ['cluster.local/ns/monitoring/sa/prometheus'],
          },
        },
      ],
      to: [{ operation: { paths: ['/metrics'] } }],
    };
    const setup = [create(allow('ratchet-narrow', narrow), 'admin')];
    add(
      'authz-source-namespace',
      'ratcheting: the principal beside a stored namespace removed',
      update(
        allow('ratchet-narrow', { ...narrow, from: [{ source: { namespaces: ['monitoring'] } }] }),
      ),
      deny(['authz-source-namespace'], nsPath),
      { setup },
    );
    add(
      'authz-source-namespace',
      'ratcheting: the to-path restriction of a stored rule removed',
      update(allow('ratchet-narrow', { from: narrow.from })),
      deny(['authz-source-namespace'], nsPath),
      { setup },
    );
    add(
      'authz-source-namespace',
      'ratcheting: the narrow rule relabelled only warns',
      update(
        authorizationPolicy(
          'ratchet-narrow',
          { action: 'ALLOW', rules: [narrow] },
          { labels: { note: 'x' } },
        ),
      ),
      warned('authz-source-namespace'),
      { setup },
    );
  }
  {
    const setup = [
      create(allow('ratchet-ap', fromSource({ namespaces: ['monitoring'] })), 'admin'),
    ];
    add(
      'authz-source-namespace',
      'ratcheting: namespaces [monitoring] widened to [*]',
      update(allow('ratchet-ap', fromSource({ namespaces: ['*'] }))),
      deny(['authz-source-namespace'], nsPath),
      { setup },
    );
    add(
      'authz-source-namespace',
      "ratcheting: bob's namespace added next to monitoring",
      update(allow('ratchet-ap', fromSource({ namespaces: ['monitoring', ctx.bob] }))),
      deny(['authz-source-namespace'], 'spec.rules[0].from[0].source.namespaces[1]'),
      { setup },
    );
    add(
      'authz-source-namespace',
      'ratcheting: a relabelled policy only warns',
      update(
        authorizationPolicy(
          'ratchet-ap',
          { action: 'ALLOW', rules: [fromSource({ namespaces: ['monitoring'] })] },
          { labels: { note: 'x' } },
        ),
      ),
      warned('authz-source-namespace'),
      { setup },
    );
  }
  {
    const setup = [create(profile('ratchet-quota', hard({ cpu: '100' })), 'admin')];
    add(
      'profile-quota-max',
      'ratcheting: cpu 100 raised to 10000',
      update(profile('ratchet-quota', hard({ cpu: '10000' }))),
      deny(['profile-quota-max'], 'spec.resourceQuotaSpec.hard'),
      { setup },
    );
    add(
      'profile-quota-max',
      'ratcheting: cpu 100 lowered to 80, still over the maximum, is judged afresh',
      update(profile('ratchet-quota', hard({ cpu: '80' }))),
      deny(['profile-quota-max'], 'spec.resourceQuotaSpec.hard'),
      { setup },
    );
    add(
      'profile-quota-max',
      'ratcheting: an unrelated label only warns',
      update(profile('ratchet-quota', hard({ cpu: '100' }), { labels: { note: 'x' } })),
      warned('profile-quota-max'),
      { setup },
    );
    add(
      'profile-quota-max',
      'ratcheting: a finalizer update is never denied',
      update(profile('ratchet-quota', hard({ cpu: '100' }), { finalizers: ['example.com/hold'] })),
      ok,
      { setup },
    );
  }
  {
    const name = `kube-${p}-kept`;
    const setup = [create(profile('', {}, { name }), 'admin')];
    add(
      'profile-name-reserved',
      'ratcheting: relabelling a Profile whose name a policy now reserves only warns',
      update(profile('', {}, { name, labels: { note: 'x' } })),
      warned('profile-name-reserved'),
      { setup },
    );
  }

  // --- Kubeflow's own objects, by its controller (not exempt), in a fresh profile namespace -------------------
  {
    const ns = ctx.fresh;
    const edit = roleBinding(
      'default-editor',
      'kubeflow-edit',
      [serviceAccount(ns, 'default-editor')],
      { namespace: ns },
    );
    add(
      'kubeflow',
      'namespaceAdmin',
      create(
        roleBinding('namespaceAdmin', 'kubeflow-admin', [user(ALICE)], { namespace: ns }),
        'controller',
      ),
      ok,
    );
    add('kubeflow', 'default-editor', create(edit, 'controller'), ok);
    add(
      'kubeflow',
      'default-viewer',
      create(
        roleBinding('default-viewer', 'kubeflow-view', [serviceAccount(ns, 'default-viewer')], {
          namespace: ns,
        }),
        'controller',
      ),
      ok,
    );
    add(
      'kubeflow',
      'ns-owner-access-istio (sidecar mode)',
      create(
        authorizationPolicy(
          'ns-owner-access-istio',
          {
            action: 'ALLOW',
            rules: [
              fromGateway({ when: [{ key: USER_HEADER, values: [ALICE] }] }),
              { when: [{ key: 'source.namespace', values: [ns] }] },
              { to: [{ operation: { paths: ['/healthz', '/metrics', '/wait-for-drain'] } }] },
              {
                ...fromSource({
                  principals: ['cluster.local/ns/kubeflow/sa/notebook-controller-service-account'],
                }),
                to: [{ operation: { methods: ['GET'], paths: ['*/api/kernels'] } }],
              },
            ],
          },
          { namespace: ns },
        ),
        'controller',
      ),
      ok,
    );
    add(
      'kubeflow',
      'waypoint-l4-access (ambient mode)',
      create(
        authorizationPolicy(
          'waypoint-l4-access',
          {
            action: 'ALLOW',
            rules: [fromSource({ principals: [`cluster.local/ns/${ns}/sa/waypoint`] })],
          },
          { namespace: ns },
        ),
        'controller',
      ),
      ok,
    );
    add(
      'kubeflow',
      "KFAM: bob's contributor RoleBinding",
      create(
        roleBinding('user-bob-example-com-clusterrole-edit', 'kubeflow-edit', [user(BOB)], {
          namespace: ns,
        }),
        'controller',
      ),
      ok,
    );
    add(
      'kubeflow',
      "KFAM: bob's contributor AuthorizationPolicy",
      create(
        authorizationPolicy(
          'user-bob-example-com-clusterrole-edit',
          { rules: [fromGateway({ when: [{ key: USER_HEADER, values: [BOB] }] })] },
          { namespace: ns },
        ),
        'controller',
      ),
      ok,
    );
    add(
      'kubeflow',
      'the controller rewrites namespaceAdmin (protected manager)',
      update(
        roleBinding('namespaceAdmin', 'kubeflow-admin', [user(ALICE)], {
          labels: { reconciled: 'yes' },
        }),
        'controller',
      ),
      ok,
    );
    add(
      'kubeflow',
      'the controller rewrites ns-owner-access-istio',
      update(
        authorizationPolicy('ns-owner-access-istio', {
          action: 'ALLOW',
          rules: [{ when: [{ key: 'source.namespace', values: [ctx.alice] }] }],
        }),
        'controller',
      ),
      ok,
    );
    const owned = [create(profile('finalized'))];
    add(
      'kubeflow',
      'the controller adds its finalizer to alice’s Profile',
      update(profile('finalized', {}, { finalizers: ['profile-finalizer'] }), 'controller'),
      ok,
      { setup: owned },
    );
  }
  return cases;
}
