/**
 * The native admission policies decide every Profile case of the rule tables exactly as the
 * webhook does, on the real API server.
 *
 * Each case (src/policy/rules/profile/*.cases.ts, the data the rules' unit tests assert) is sent
 * twice, in the same cluster state: once so that only the webhook judges it, once so that only
 * the policies `profile-guard native` generates for the case's policy judge it. The phases are
 * told apart by a group the request carries (impersonated by the admin): the webhook
 * configurations get a match condition that skips the native phase's group, and the native
 * objects are generated with one that matches only it (the `matchConditions` generator option).
 * A third group reaches neither, to store the objects an UPDATE case starts from exactly as the
 * table writes them. Requests are dry runs, so both phases meet the same stored object.
 *
 * For each case the two answers must agree: the status code; the denial's `<rule-id>: <message>`
 * entries, word for word; the warnings; and, when admitted, the mutated object the API server
 * returns, byte for byte (server-set identity and timestamps aside). Findings of the rules that
 * stay in the webhook (they need cluster state) are set aside first. A disagreement fails the
 * test, naming the case.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { generateNativePolicies } from '../../../src/native/generate.js';
import type { KubeObject } from '../../../src/policy/kube-object.js';
import type { Policy } from '../../../src/policy/policy-spec.js';
import type { RuleId } from '../../../src/policy/rule-ids.js';
import type { UserInfo } from '../../../src/policy/request.js';
import { crb } from '../../../src/policy/rules/binding/clusterbinding-profile-role.cases.js';
import {
  editBinding,
  group,
  namespace,
  user,
} from '../../../src/policy/test-support/cluster-fixtures.js';
import { ALICE } from '../../../src/policy/test-support/fixtures.js';
import {
  ALICE_NAMESPACE,
  ALICE_PROFILE,
  CLUSTER_ADMIN,
  NAMESPACE_ADMIN,
  NS_OWNER_ACCESS_ISTIO,
} from '../../../src/policy/test-support/kubeflow-objects.js';
import { OBJECT_RULE_CASES } from '../../../src/policy/test-support/object-rule-cases.js';
import { PROFILE_RULE_CASES } from '../../../src/policy/test-support/profile-rule-cases.js';
import type {
  ObjectRuleCase,
  ProfileRuleCase,
} from '../../../src/policy/test-support/rule-cases.js';
import { EMBEDDED_DEFAULT_SPEC, testPolicy } from '../../../src/policy/test-support/test-policy.js';
import { splitRuleMessages } from '../harness/admission.js';
import { ApiClient, type ApiAnswer, type Caller } from '../harness/api-client.js';
import { loadE2eEnv } from '../harness/e2e-env.js';
import { eventually } from '../harness/eventually.js';
import {
  ADMISSION,
  applyNativePolicies,
  ok,
  pruneNativePolicies,
  putObject,
  removeProbe,
} from '../harness/native-apply.js';

const env = loadE2eEnv();
const managed = env.managed;
const run = managed === undefined ? test.skip : test;

const WEBHOOK_GROUP = 'e2e:native-diff:webhook';
const NATIVE_GROUP = 'e2e:native-diff:native';
const RAW_GROUP = 'e2e:native-diff:raw';
const SKIP_CONDITION = 'e2e-native-diff-not-native';
const POLICY_NAME = 'e2e-native-diff';
const PROBE_NAME = 'e2e-native-diff-probe';
const EDITOR_BINDING = 'e2e-native-diff-profile-editor';
const PROFILES = '/apis/kubeflow.org/v1/profiles';
const NAME_RULES: readonly RuleId[] = [
  'profile-name-format',
  'profile-name-reserved',
  'profile-name-pattern',
];
const ADMIN_CALLER: Caller = { user: 'kubernetes-admin', groups: ['system:masters'] };

/** One case of one rule, ready to send. */
interface Case {
  readonly id: string;
  readonly rule: RuleId;
  readonly operation: 'CREATE' | 'UPDATE' | 'DELETE';
  /** Absent for a DELETE. */
  readonly object: KubeObject | undefined;
  readonly oldObject: KubeObject | undefined;
  readonly user: UserInfo;
  readonly policy: Policy;
}

/** An answer reduced to what the two phases must agree on. */
interface Outcome {
  /** 0: denied by rules that stay in the webhook only (so, for the native rules, admitted). */
  readonly status: number;
  /** The admission denial's entries, or the API server's own message. */
  readonly denial: readonly string[] | undefined;
  readonly refusal: string | undefined;
  readonly warnings: readonly string[];
  /** The admitted object as the API server returned it, server-set fields removed. */
  readonly object: string | undefined;
}

const client = managed === undefined ? undefined : new ApiClient(managed);
const api = (): ApiClient => {
  if (client === undefined) throw new Error('needs the managed environment');
  return client;
};

/** Every Profile table row, the fixture name `alice` renamed where the name does not matter. */
function profileCases(): Case[] {
  const cases: Case[] = [];
  let serial = 0;
  for (const [rule, rows] of Object.entries(PROFILE_RULE_CASES) as [RuleId, ProfileRuleCase[]][]) {
    for (const row of rows) {
      serial += 1;
      const rename = !NAME_RULES.includes(rule);
      const name = `e2e-nd-${serial}`;
      const renamed = (object: KubeObject | undefined): KubeObject | undefined => {
        if (object === undefined || !rename || object.metadata?.name !== 'alice') return object;
        return { ...object, metadata: { ...object.metadata, name } };
      };
      cases.push({
        id: `${rule}: ${row.title}`,
        rule,
        operation: row.operation ?? 'CREATE',
        object: renamed(row.object) ?? row.object,
        oldObject: renamed(row.oldObject),
        user: row.user ?? ALICE,
        policy: row.policy ?? testPolicy(),
      });
    }
  }
  return cases;
}

/** Every row of the RoleBinding, ClusterRoleBinding and AuthorizationPolicy tables. */
function objectCases(): Case[] {
  return (Object.entries(OBJECT_RULE_CASES) as [RuleId, ObjectRuleCase[]][]).flatMap(
    ([rule, rows]) =>
      rows.map((row) => ({
        id: `${rule}: ${row.title}`,
        rule,
        operation: (row.operation ?? 'CREATE') as Case['operation'],
        object: row.object,
        oldObject: row.oldObject,
        user: row.user ?? ALICE,
        policy: row.policy ?? testPolicy(),
      })),
  );
}

/** The opted-out profile namespace of the lock-out cases (chart value namespaceOptOut.label). */
const OPTED_OUT = 'e2e-nd-opted-out';

/** `object` moved to namespace `ns`. */
const movedTo = (object: KubeObject, ns: string): KubeObject => ({
  ...object,
  metadata: { ...object.metadata, namespace: ns },
});

/**
 * What the chart keeps away from its RoleBinding, ClusterRoleBinding and AuthorizationPolicy
 * webhooks (matchConditions.skipSystemMasters, namespaceOptOut.label), next to the same requests
 * that do reach them. Under a policy that does not exempt system:masters, so that only the
 * chart's match condition lets the admin through on the webhook side, and the native policies
 * must skip the admin by themselves. Each case says what both sides must answer.
 */
function lockOutCases(): (Case & { readonly expected: 'admitted' | 'denied' })[] {
  const policy = testPolicy({
    exemptions: {
      groups: EMBEDDED_DEFAULT_SPEC.exemptions.groups.filter((g) => g !== 'system:masters'),
    },
  });
  const everyone = editBinding([group('system:authenticated')], 'alice', 'e2e-nd-everyone');
  const base = { policy, oldObject: undefined, object: undefined };
  return [
    {
      ...base,
      id: 'system:masters: a RoleBinding of system:authenticated in a profile namespace',
      rule: 'binding-group',
      operation: 'CREATE',
      object: everyone,
      user: CLUSTER_ADMIN,
      expected: 'admitted',
    },
    {
      ...base,
      id: 'system:masters: a ClusterRoleBinding of kubeflow-edit',
      rule: 'clusterbinding-profile-role',
      operation: 'CREATE',
      object: crb('kubeflow-edit', [user('bob@example.com')]),
      user: CLUSTER_ADMIN,
      expected: 'admitted',
    },
    {
      ...base,
      id: 'system:masters: deleting the protected AuthorizationPolicy ns-owner-access-istio',
      rule: 'binding-protected',
      operation: 'DELETE',
      oldObject: NS_OWNER_ACCESS_ISTIO,
      user: CLUSTER_ADMIN,
      expected: 'admitted',
    },
    {
      ...base,
      id: 'opted-out namespace: alice binds system:authenticated',
      rule: 'binding-group',
      operation: 'CREATE',
      object: movedTo(everyone, OPTED_OUT),
      user: ALICE,
      expected: 'admitted',
    },
    {
      ...base,
      id: 'opted-out namespace: alice deletes the protected RoleBinding namespaceAdmin',
      rule: 'binding-protected',
      operation: 'DELETE',
      oldObject: movedTo(NAMESPACE_ADMIN, OPTED_OUT),
      user: ALICE,
      expected: 'admitted',
    },
    {
      ...base,
      id: 'opted-out namespace: alice changes the protected AuthorizationPolicy ns-owner-access-istio',
      rule: 'binding-protected',
      operation: 'UPDATE',
      object: movedTo(
        {
          ...NS_OWNER_ACCESS_ISTIO,
          metadata: { ...NS_OWNER_ACCESS_ISTIO.metadata, labels: { changed: 'by-alice' } },
        },
        OPTED_OUT,
      ),
      oldObject: movedTo(NS_OWNER_ACCESS_ISTIO, OPTED_OUT),
      user: ALICE,
      expected: 'admitted',
    },
    // The same requests where they do reach the webhook: denied alike.
    {
      ...base,
      id: 'control: alice binds system:authenticated in her profile namespace',
      rule: 'binding-group',
      operation: 'CREATE',
      object: everyone,
      user: ALICE,
      expected: 'denied',
    },
    {
      ...base,
      id: 'control: alice makes a ClusterRoleBinding of kubeflow-edit',
      rule: 'clusterbinding-profile-role',
      operation: 'CREATE',
      object: crb('kubeflow-edit', [user('bob@example.com')]),
      user: ALICE,
      expected: 'denied',
    },
    {
      ...base,
      id: 'control: alice deletes ns-owner-access-istio in her profile namespace',
      rule: 'binding-protected',
      operation: 'DELETE',
      oldObject: NS_OWNER_ACCESS_ISTIO,
      user: ALICE,
      expected: 'denied',
    },
  ];
}

function callerOf(item: Case, phase: string): Caller {
  return { user: item.user.username, groups: [...item.user.groups, phase] };
}

/** The REST collection an object belongs to. */
function collectionOf(object: KubeObject): string {
  const apiVersion = typeof object.apiVersion === 'string' ? object.apiVersion : '';
  const namespace = typeof object.metadata?.namespace === 'string' ? object.metadata.namespace : '';
  switch (object.kind) {
    case 'RoleBinding':
      return `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`;
    case 'ClusterRoleBinding':
      return '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings';
    case 'AuthorizationPolicy':
      return `/apis/${apiVersion}/namespaces/${namespace}/authorizationpolicies`;
    default:
      // A Profile at its version; a row without a kubeflow.org apiVersion (a malformed object)
      // is sent as a v1 Profile.
      return `/apis/${apiVersion.startsWith('kubeflow.org/') ? apiVersion : 'kubeflow.org/v1'}/profiles`;
  }
}

/** The webhook configurations with the skip condition added to (or removed from) every webhook. */
async function setWebhookSkip(present: boolean): Promise<void> {
  for (const kind of ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations']) {
    const answer = await api().call('GET', `${ADMISSION}/${kind}/profile-guard`);
    if (answer.status === 404) continue;
    const configuration = JSON.parse(answer.body) as {
      webhooks: { matchConditions?: { name: string; expression: string }[] }[];
    };
    for (const webhook of configuration.webhooks) {
      const others = (webhook.matchConditions ?? []).filter((c) => c.name !== SKIP_CONDITION);
      webhook.matchConditions = present
        ? [
            ...others,
            {
              name: SKIP_CONDITION,
              expression: `!request.userInfo.groups.exists(g, g in ['${NATIVE_GROUP}', '${RAW_GROUP}'])`,
            },
          ]
        : others;
    }
    await ok(
      api().call('PUT', `${ADMISSION}/${kind}/profile-guard`, { body: configuration }),
      `update ${kind}`,
    );
  }
}

/**
 * Puts `policy` in force: as the ProfilePolicy the webhook reads (waiting for its status to say
 * so) and as the generated native objects (waiting for a probe policy applied after them to be
 * in effect, its warning seen, then for two of the API server's 1 s policy refreshes).
 */
async function putPolicy(policy: Policy, round: number): Promise<void> {
  await putObject(api(), '/apis/profile-guard.io/v1alpha1/profilepolicies', {
    apiVersion: 'profile-guard.io/v1alpha1',
    kind: 'ProfilePolicy',
    metadata: { name: POLICY_NAME },
    spec: policy.spec,
  });
  await eventually(
    async () => {
      const answer = await ok(
        api().call('GET', `/apis/profile-guard.io/v1alpha1/profilepolicies/${POLICY_NAME}`),
        'get policy',
      );
      const object = JSON.parse(answer.body) as {
        metadata: { generation: number };
        status?: { observedGeneration?: number; conditions?: { type: string; status: string }[] };
      };
      expect(object.status?.observedGeneration).toBe(object.metadata.generation);
      expect(object.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    },
    { timeoutMs: 30000 },
  );
  const generated = generateNativePolicies(policy, {
    matchConditions: [
      { name: 'e2e-native-phase', expression: `'${NATIVE_GROUP}' in request.userInfo.groups` },
    ],
  });
  await applyNativePolicies(api(), generated.objects, {
    name: PROBE_NAME,
    marker: `probe round ${round}`,
    caller: { user: ADMIN_CALLER.user, groups: [...ADMIN_CALLER.groups, NATIVE_GROUP] },
    condition: `'${NATIVE_GROUP}' in request.userInfo.groups`,
  });
}

const ADMISSION_DENIAL =
  /(?:admission webhook "[^"]+" denied the request|ValidatingAdmissionPolicy '[^']+' with binding '[^']+' denied request): (.*)$/s;
const POLICY_WARNING =
  /^Validation failed for ValidatingAdmissionPolicy '[^']+' with binding '[^']+': (.*)$/s;

/** The `<rule-id>: <message>` entries of a text the rules wrote, rule ids outside `keep` dropped. */
function entries(text: string, drop: ReadonlySet<string>): string[] {
  return splitRuleMessages(text)
    .filter((entry) => !drop.has(entry.id))
    .map((entry) => `${entry.id}: ${entry.message}`);
}

function outcome(answer: ApiAnswer, drop: ReadonlySet<string>): Outcome {
  const warnings = answer.warnings.flatMap((warning) => {
    const text = POLICY_WARNING.exec(warning)?.[1] ?? warning;
    try {
      return entries(text, drop);
    } catch {
      return [warning];
    }
  });
  if (answer.status < 300) {
    const object = JSON.parse(answer.body) as KubeObject;
    // Set by the API server per request (identity, time, version): not what the rules decide.
    const {
      uid: _uid,
      creationTimestamp: _created,
      resourceVersion: _version,
      generation: _generation,
      managedFields: _managed,
      ...metadata
    } = object.metadata ?? {};
    return {
      status: answer.status,
      denial: undefined,
      refusal: undefined,
      warnings: warnings.sort(),
      object: JSON.stringify({ ...object, metadata }),
    };
  }
  const message = (JSON.parse(answer.body) as { message?: string }).message ?? answer.body;
  const denied = ADMISSION_DENIAL.exec(message)?.[1];
  if (denied !== undefined) {
    const kept = entries(denied, drop);
    // Denied only by rules that stay in the webhook: as far as the native rules go, admitted.
    if (kept.length === 0) {
      return {
        status: 0,
        denial: [],
        refusal: undefined,
        warnings: warnings.sort(),
        object: undefined,
      };
    }
    return {
      status: answer.status,
      denial: kept,
      refusal: undefined,
      warnings: warnings.sort(),
      object: undefined,
    };
  }
  return {
    status: answer.status,
    denial: undefined,
    refusal: sortedCauses(message),
    warnings: warnings.sort(),
    object: undefined,
  };
}

/**
 * `X is invalid: [a, b]` with the causes sorted: the API server lists a schema's errors in no
 * fixed order.
 */
function sortedCauses(message: string): string {
  const match = /^(.* is invalid: )\[(.*)\]$/s.exec(message);
  if (match === null) return message;
  const causes = (match[2] ?? '').split(/, (?=[\w.[\]]+: )/);
  return `${match[1] ?? ''}[${causes.sort().join(', ')}]`;
}

/** Runs `work` over `items`, `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

/** Sends one case in one phase (a dry run). */
function send(item: Case, phase: string, stored: KubeObject | undefined): Promise<ApiAnswer> {
  const caller = callerOf(item, phase);
  const object = item.object ?? {};
  if (item.operation === 'CREATE') {
    return api().call('POST', `${collectionOf(object)}?dryRun=All`, { body: object, caller });
  }
  const old = item.oldObject ?? {};
  const path = `${collectionOf(old)}/${String(old.metadata?.name)}?dryRun=All`;
  if (item.operation === 'DELETE') return api().call('DELETE', path, { caller });
  const resourceVersion = stored?.metadata?.resourceVersion;
  return api().call('PUT', path, {
    body: { ...object, metadata: { ...object.metadata, resourceVersion } },
    caller,
  });
}

/**
 * {@link send} for the webhook phase, once more (up to three tries) when the API server could
 * not reach the webhook within its timeout: on a loaded machine a call can miss the 5 s deadline,
 * which says nothing about the decision.
 */
async function sendRetrying(
  item: Case,
  phase: string,
  stored: KubeObject | undefined,
): Promise<ApiAnswer> {
  for (let attempt = 1; ; attempt++) {
    const answer = await send(item, phase, stored);
    if (attempt === 3 || answer.status !== 500 || !answer.body.includes('failed calling webhook')) {
      return answer;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** Where a stored object lives. */
const storedPath = (object: KubeObject): string =>
  `${collectionOf(object)}/${String(object.metadata?.name)}`;

/** Splits UPDATE cases into batches whose stored objects have distinct names. */
function batches(cases: readonly Case[]): Case[][] {
  const out: { names: Set<string>; cases: Case[] }[] = [];
  for (const item of cases) {
    const name = storedPath(item.oldObject ?? {});
    let batch = out.find((candidate) => !candidate.names.has(name));
    if (batch === undefined) {
      batch = { names: new Set(), cases: [] };
      out.push(batch);
    }
    batch.names.add(name);
    batch.cases.push(item);
  }
  return out.map((batch) => batch.cases);
}

const RAW: Caller = { user: ADMIN_CALLER.user, groups: [...ADMIN_CALLER.groups, RAW_GROUP] };

/** Deletes a stored object as the raw caller (whom no admission judges), finalizers first. */
async function deleteStored(object: KubeObject): Promise<void> {
  const path = storedPath(object);
  await api().call('PATCH', path, {
    body: { metadata: { finalizers: null } },
    contentType: 'application/merge-patch+json',
    caller: RAW,
  });
  await api().call('DELETE', path, { caller: RAW });
}

interface Report {
  compared: number;
  admittedCompared: number;
  deniedCompared: number;
  refusedByApiServer: number;
  /** Denied by the webhook only for rules that stay in it, admitted by the native policies. */
  deniedByWebhookOnlyRules: string[];
  ruleLeftToWebhook: string[];
  /** The rules seen denying or warning in an agreed case: each native rule must be among them. */
  decidedRules: Set<string>;
  /** UPDATE cases whose stored object the API server itself refuses to store. */
  unstorable: string[];
  disagreements: string[];
  /** The answer both phases gave, by case id. */
  agreed: Map<string, Outcome>;
}

async function judge(
  item: Case,
  stored: KubeObject | undefined,
  drop: ReadonlySet<string>,
  report: Report,
): Promise<void> {
  const [webhook, native] = await Promise.all([
    sendRetrying(item, WEBHOOK_GROUP, stored),
    send(item, NATIVE_GROUP, stored),
  ]);
  const a = outcome(webhook, drop);
  const b = outcome(native, drop);
  report.compared += 1;
  let same: boolean;
  if (a.status === 0) {
    // The webhook denied only for rules the policies leave to it: the native side must admit,
    // with the same warnings (the object itself the webhook did not return).
    same = b.status < 300 && JSON.stringify(a.warnings) === JSON.stringify(b.warnings);
  } else {
    same = JSON.stringify(a) === JSON.stringify(b);
  }
  if (!same) {
    report.disagreements.push(
      `${item.id}\n    webhook: ${JSON.stringify(a)}\n    native:  ${JSON.stringify(b)}`,
    );
    return;
  }
  report.agreed.set(item.id, a);
  for (const entry of [...(a.denial ?? []), ...a.warnings]) {
    report.decidedRules.add(entry.slice(0, entry.indexOf(': ')));
  }
  if (a.refusal !== undefined) report.refusedByApiServer += 1;
  else if (a.denial !== undefined && a.denial.length > 0) report.deniedCompared += 1;
  else if (a.object !== undefined) report.admittedCompared += 1;
  else if (a.status === 0) report.deniedByWebhookOnlyRules.push(item.id);
}

function emptyReport(): Report {
  return {
    compared: 0,
    admittedCompared: 0,
    deniedCompared: 0,
    refusedByApiServer: 0,
    deniedByWebhookOnlyRules: [],
    ruleLeftToWebhook: [],
    decidedRules: new Set(),
    unstorable: [],
    disagreements: [],
    agreed: new Map(),
  };
}

/** Judges `cases`, policy by policy, into `report`. */
async function judgeAll(
  cases: readonly Case[],
  report: Report,
  firstRound: number,
): Promise<number> {
  const byPolicy = new Map<string, Case[]>();
  for (const item of cases) {
    const key = JSON.stringify(item.policy.spec);
    byPolicy.set(key, [...(byPolicy.get(key) ?? []), item]);
  }
  let round = firstRound;
  for (const group of byPolicy.values()) {
    round += 1;
    const policy = group[0]!.policy;
    await putPolicy(policy, round);
    const statuses = generateNativePolicies(policy).rules;
    const drop = new Set(statuses.filter((status) => !status.native).map((status) => status.id));
    const judged = group.filter((item) => {
      if (!drop.has(item.rule)) return true;
      report.ruleLeftToWebhook.push(item.id);
      return false;
    });
    await pool(
      judged.filter((item) => item.operation === 'CREATE'),
      4,
      (item) => judge(item, undefined, drop, report),
    );
    for (const batch of batches(judged.filter((item) => item.operation !== 'CREATE'))) {
      const stored = new Map<string, KubeObject>();
      for (const item of batch) {
        const old = item.oldObject ?? {};
        await deleteStored(old);
        const created = await api().call('POST', collectionOf(old), { body: old, caller: RAW });
        if (created.status >= 300) report.unstorable.push(item.id);
        else stored.set(item.id, JSON.parse(created.body) as KubeObject);
      }
      await pool(batch, 4, async (item) => {
        const old = stored.get(item.id);
        if (old !== undefined) await judge(item, old, drop, report);
      });
      for (const item of batch) await deleteStored(item.oldObject ?? {});
    }
  }
  return round;
}

/** Creates `object` unless it exists (namespaces cannot be deleted without a controller). */
async function ensure(collection: string, object: KubeObject): Promise<void> {
  const current = await api().call('GET', `${collection}/${String(object.metadata?.name)}`);
  if (current.status === 404) {
    await ok(api().call('POST', collection, { body: object, caller: RAW }), 'ensure');
  }
}

let profileReport: Report | undefined;
let objectReport: Report | undefined;
let rounds = 0;

beforeAll(async () => {
  if (managed === undefined) return;
  // The phases' callers may write every kind (RoleBindings of any role too): RBAC must not decide
  // before admission. Not system:masters, so the embedded default exempts none of them.
  await putObject(api(), '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: EDITOR_BINDING },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [WEBHOOK_GROUP, NATIVE_GROUP, RAW_GROUP].map((name) => ({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Group',
      name,
    })),
  });
  await setWebhookSkip(true);
}, 60000);

afterAll(async () => {
  if (managed === undefined) return;
  await setWebhookSkip(false);
  await pruneNativePolicies(api());
  await removeProbe(api(), PROBE_NAME);
  await api().call('DELETE', `/apis/profile-guard.io/v1alpha1/profilepolicies/${POLICY_NAME}`);
  await api().call('DELETE', `${PROFILES}/alice`, { caller: RAW });
  await api().call(
    'DELETE',
    `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${EDITOR_BINDING}`,
  );
  client?.close();
}, 120000);

describe('native admission policies and the webhook decide every case of the rule tables alike', () => {
  run(
    'every Profile case, in both phases',
    async () => {
      const report = emptyReport();
      rounds = await judgeAll(profileCases(), report, rounds);
      profileReport = report;
      expect(report.disagreements.sort()).toEqual([]);
    },
    600000,
  );

  run(
    'every RoleBinding, ClusterRoleBinding and AuthorizationPolicy case, in both phases',
    async () => {
      // The tables' cluster (cluster-fixtures): profile namespace alice of alice@example.com
      // (labelled as the profile controller labels it, with her Profile), and the ordinary
      // namespace plain.
      await ensure('/api/v1/namespaces', {
        ...ALICE_NAMESPACE,
        metadata: { ...ALICE_NAMESPACE.metadata, ownerReferences: undefined },
      });
      await ensure('/api/v1/namespaces', namespace('plain'));
      await ensure(PROFILES, ALICE_PROFILE);
      const report = emptyReport();
      rounds = await judgeAll(objectCases(), report, rounds);
      objectReport = report;
      expect(report.disagreements.sort()).toEqual([]);
    },
    600000,
  );

  run(
    "skips admins and opted-out namespaces as the chart's webhook configuration does",
    async () => {
      // The tables' profile namespace alice, and a profile namespace opted out with the chart's
      // default namespaceOptOut.label.
      await ensure('/api/v1/namespaces', {
        ...ALICE_NAMESPACE,
        metadata: { ...ALICE_NAMESPACE.metadata, ownerReferences: undefined },
      });
      await ensure(PROFILES, ALICE_PROFILE);
      await ensure(
        '/api/v1/namespaces',
        namespace(OPTED_OUT, {
          owner: 'alice@example.com',
          labels: {
            ...EMBEDDED_DEFAULT_SPEC.profileNamespaces.label,
            'profile-guard.io/ignore': 'true',
          },
        }),
      );
      const cases = lockOutCases();
      const report = emptyReport();
      rounds = await judgeAll(cases, report, rounds);
      expect(report.disagreements.sort()).toEqual([]);
      const answers = cases.map((item) => {
        const outcome = report.agreed.get(item.id);
        const answer =
          outcome === undefined
            ? 'not compared'
            : outcome.status < 300
              ? 'admitted'
              : outcome.denial !== undefined && outcome.denial.length > 0
                ? 'denied'
                : `other: ${JSON.stringify(outcome)}`;
        return `${item.id}: ${answer}`;
      });
      expect(answers).toEqual(cases.map((item) => `${item.id}: ${item.expected}`));
    },
    300000,
  );

  run.each([
    ['Profile', 50],
    ['RoleBinding, ClusterRoleBinding and AuthorizationPolicy', 10],
  ] as const)(
    'compares real decisions of the %s cases: admitted objects, denials and warnings of every rule',
    (kind, least) => {
      const profiles = kind === 'Profile';
      const report = profiles ? profileReport : objectReport;
      if (report === undefined) throw new Error(`the ${kind} cases did not run`);
      const cases = profiles ? profileCases() : objectCases();
      expect(report.compared).toBe(
        cases.length - report.ruleLeftToWebhook.length - report.unstorable.length,
      );
      expect(report.admittedCompared).toBeGreaterThan(least);
      expect(report.deniedCompared).toBeGreaterThan(least);
      // Every rule of the tables was seen deciding, alike on both sides, in some case.
      const rules = Object.keys(profiles ? PROFILE_RULE_CASES : OBJECT_RULE_CASES).sort();
      expect([...report.decidedRules].sort()).toEqual(expect.arrayContaining(rules));
      console.log(
        `native differential: ${report.compared} ${kind} cases compared (${report.admittedCompared} admitted, ${report.deniedCompared} denied by admission, ${report.refusedByApiServer} refused by the API server's own validation, ${report.deniedByWebhookOnlyRules.length} denied by the webhook only for rules that stay in it: ${JSON.stringify(report.deniedByWebhookOnlyRules)}); ${report.unstorable.length} UPDATEs whose stored object the API server refuses (${JSON.stringify(report.unstorable)}); ${report.ruleLeftToWebhook.length} of rules left to the webhook`,
      );
    },
  );
});
