/**
 * The tenant's attack table (test/e2e/adversarial/tenant-attacks.ts), written as alice, who owns a
 * profile namespace with the RBAC a Kubeflow namespace owner has there, so that admission — not
 * RBAC — decides. Every case runs twice: through the real API server (kubectl, --dry-run=server)
 * and as AdmissionReviews over HTTPS to `serve` directly. The decisions expected are the
 * contract's.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import {
  overHttps,
  throughApiServer,
  objectArgs,
  toJsonText,
  type Outcome,
} from '../adversarial/channels.js';
import {
  ALICE,
  BOB,
  PROFILE_DEFAULTS,
  attackCases,
  type Actor,
  type AttackCase,
  type AttackContext,
  type Step,
} from '../adversarial/tenant-attacks.js';
import { parseDenials, ruleIds } from '../harness/admission.js';
import { loadE2eEnv, requireManaged } from '../harness/e2e-env.js';
import { eventually } from '../harness/eventually.js';
import { getObject, kubectl, kubectlOk, type KubectlOptions } from '../harness/kubectl.js';
import { PROFILE_CONTROLLER, kubeflowObjects } from '../harness/kubeflow-objects.js';
import { ScratchDir, profile, type Manifest } from '../harness/manifests.js';
import { embeddedDefaultSpec, profilePolicy } from '../harness/policies.js';
import { readServeMetrics } from '../harness/serve-metrics.js';

const env = loadE2eEnv();
const scratch = new ScratchDir();
const rbac = 'rbac.authorization.k8s.io';
const RUN = Date.now().toString(36).slice(-5);
const prefix = `adv-${RUN}`;
const ctx: AttackContext = {
  prefix,
  alice: `${prefix}-alice`,
  fresh: `${prefix}-alice2`,
  bob: `${prefix}-bob`,
  bobsNamespace: `${prefix}-bobs`,
  unannotatedNamespace: `${prefix}-plain`,
  alicesNamespace: `${prefix}-alices`,
  upperAlicesNamespace: `${prefix}-upper`,
  tierKey: `${prefix}.example.com/tier`,
  groupKey: `${prefix}.example.com/group`,
};
const CASES = attackCases(ctx);
const LENIENT_POLICY = `${prefix}-lenient`;
/** The embedded default with profiles.plugins.exclusiveIdentities, governing unselected Profiles. */
const EXCLUSIVE_POLICY = `${prefix}-exclusive`;
const CONTROLLER_BINDING = `${prefix}-controller-cluster-admin`;
/** Objects made for real (setup), deleted afterwards. */
const created: Manifest[] = [];

function kubectlOptions(actor: Actor | undefined): KubectlOptions {
  if (actor === 'admin') return {};
  if (actor === 'controller') return { impersonate: PROFILE_CONTROLLER };
  return { as: 'alice' };
}

function namespace(
  name: string,
  annotations: Record<string, string>,
  labels: Record<string, string> = {},
): Manifest {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, annotations, labels } };
}

async function applyAll(
  objects: readonly Manifest[],
  name: string,
  options: KubectlOptions = {},
): Promise<void> {
  await kubectlOk(env, ['apply', '-f', scratch.write(`${name}.yaml`, objects)], options);
  created.push(...objects);
}

/**
 * A Profile and its namespace, shaped as the profile controller makes them; returns the Profile's
 * uid (the controller's objects carry an ownerReference to it, which the API server requires).
 */
async function profileNamespace(
  name: string,
  owner: string,
  as: 'alice' | 'bob',
  labels?: Record<string, string>,
): Promise<string> {
  await applyAll([profile(name, owner)], `${name}-profile`, { as });
  const uid = (await getObject(env, ['profile', name]))?.metadata.uid;
  if (uid === undefined || uid === '') throw new Error(`Profile ${name} has no uid`);
  const objects = kubeflowObjects(name, uid, owner, 'nobody@example.com');
  const ns = objects.namespace as { metadata: { labels: Record<string, string> } };
  if (labels !== undefined) ns.metadata.labels = { ...ns.metadata.labels, ...labels };
  await applyAll([objects.namespace], `${name}-namespace`);
  return uid;
}

/** Distinct setup steps of the table, in order (several cases share one). */
function setupSteps(): Step[] {
  const seen = new Set<string>();
  const steps: Step[] = [];
  for (const c of CASES) {
    for (const step of c.setup ?? []) {
      const key = objectArgs(step.object).join(' ');
      if (seen.has(key)) continue;
      seen.add(key);
      steps.push(step);
    }
  }
  return steps;
}
const setupFailures = new Map<string, string>();

beforeAll(async () => {
  const alicesUid = await profileNamespace(ctx.alice, ALICE, 'alice');
  await profileNamespace(ctx.bob, BOB, 'bob');
  // alice's second namespace, in Istio's ambient mode, empty: Kubeflow's objects are created there.
  await profileNamespace(ctx.fresh, ALICE, 'alice', {
    'istio-injection': 'disabled',
    'istio.io/dataplane-mode': 'ambient',
    'istio.io/use-waypoint': 'waypoint',
  });
  await applyAll(
    [
      namespace(ctx.bobsNamespace, { owner: BOB }),
      namespace(ctx.unannotatedNamespace, {}),
      namespace(ctx.alicesNamespace, { owner: ALICE }),
      namespace(ctx.upperAlicesNamespace, { owner: 'Alice@example.com' }),
    ],
    'namespaces',
  );
  const roleBinding = (
    name: string,
    ns: string,
    roleRef: Manifest,
    subjects: Manifest[],
  ): Manifest => ({
    apiVersion: `${rbac}/v1`,
    kind: 'RoleBinding',
    metadata: { name, namespace: ns },
    roleRef: { apiGroup: rbac, ...roleRef },
    subjects,
  });
  const aliceUser = { apiGroup: rbac, kind: 'User', name: ALICE };
  await applyAll(
    [
      // The owner's binding, as the profile controller writes it: kubeflow-admin in her namespaces.
      roleBinding('namespaceAdmin', ctx.alice, { kind: 'ClusterRole', name: 'kubeflow-admin' }, [
        aliceUser,
      ]),
      roleBinding('namespaceAdmin', ctx.bob, { kind: 'ClusterRole', name: 'kubeflow-admin' }, [
        { apiGroup: rbac, kind: 'User', name: BOB },
      ]),
      // Beyond kubeflow-admin: AuthorizationPolicies (Kubeflow's istio roles grant only istio.io and
      // networking.istio.io) and `bind` on any role, so that RBAC's escalation check does not
      // refuse a binding before admission sees it: the webhook is the defence under test.
      {
        apiVersion: `${rbac}/v1`,
        kind: 'Role',
        metadata: { name: 'e2e-tenant-extra', namespace: ctx.alice },
        rules: [
          { apiGroups: ['security.istio.io'], resources: ['authorizationpolicies'], verbs: ['*'] },
          { apiGroups: [rbac], resources: ['roles', 'clusterroles'], verbs: ['bind'] },
        ],
      },
      roleBinding('e2e-tenant-extra', ctx.alice, { kind: 'Role', name: 'e2e-tenant-extra' }, [
        aliceUser,
      ]),
      // Kubeflow binds its profile controller to cluster-admin.
      {
        apiVersion: `${rbac}/v1`,
        kind: 'ClusterRoleBinding',
        metadata: { name: CONTROLLER_BINDING },
        roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [
          {
            kind: 'ServiceAccount',
            name: 'profiles-controller-service-account',
            namespace: 'kubeflow',
          },
        ],
      },
    ],
    'rbac',
  );
  // The protected objects of alice's namespace (made by the admin, whatever the rules say of them).
  const objects = kubeflowObjects(ctx.alice, alicesUid, ALICE, BOB);
  await applyAll(
    [
      objects.defaultEditor,
      objects.defaultViewer,
      {
        ...objects.ownerAccessIstio,
        spec: {
          action: 'ALLOW',
          rules: [
            {
              from: [
                {
                  source: {
                    principals: [
                      'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account',
                    ],
                  },
                },
              ],
              when: [{ key: 'request.headers[kubeflow-userid]', values: [ALICE] }],
            },
            { when: [{ key: 'source.namespace', values: [ctx.alice] }] },
          ],
        },
      },
      {
        apiVersion: 'security.istio.io/v1',
        kind: 'AuthorizationPolicy',
        metadata: { name: 'waypoint-l4-access', namespace: ctx.alice },
        spec: {
          action: 'ALLOW',
          rules: [
            { from: [{ source: { principals: [`cluster.local/ns/${ctx.alice}/sa/waypoint`] } }] },
          ],
        },
      },
    ],
    'protected',
  );
  // A lenient policy for Profiles labelled tierKey=lenient and groupKey In [a]: what a tenant would
  // like to be governed by.
  const spec = embeddedDefaultSpec() as ReturnType<typeof embeddedDefaultSpec> & {
    bindings?: { forbiddenGroups: string[] };
  };
  spec.selector = { matchLabels: { [ctx.tierKey]: 'lenient' } };
  (spec.selector as { matchExpressions?: unknown[] }).matchExpressions = [
    { key: ctx.groupKey, operator: 'In', values: ['a'] },
  ];
  spec.priority = 10;
  spec.bindings = { forbiddenGroups: [] };
  // The embedded default plus exclusiveIdentities for every other Profile: the rows of
  // profile-plugin-identity need it, and it changes nothing else.
  const exclusive = embeddedDefaultSpec() as ReturnType<typeof embeddedDefaultSpec> & {
    profiles: { plugins?: Record<string, unknown> };
  };
  exclusive.profiles.plugins = { ...exclusive.profiles.plugins, exclusiveIdentities: true };
  await applyAll(
    [profilePolicy(LENIENT_POLICY, spec), profilePolicy(EXCLUSIVE_POLICY, exclusive)],
    'policies',
  );
  for (const name of [LENIENT_POLICY, EXCLUSIVE_POLICY]) {
    await eventually(async () => {
      const policy = await getObject(env, ['profilepolicy', name]);
      const status = policy?.status as
        | { observedGeneration?: number; conditions?: { type: string; status: string }[] }
        | undefined;
      expect(status?.observedGeneration).toBe(policy?.metadata.generation);
      expect(status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    });
  }
  // The webhook learns about the new profile namespaces through its watch.
  await eventually(async () => {
    const result = await kubectl(env, ['create', '--dry-run=server', '-f', '-'], {
      as: 'alice',
      input: JSON.stringify(
        roleBinding('e2e-probe', ctx.alice, { kind: 'ClusterRole', name: 'kubeflow-view' }, [
          { apiGroup: rbac, kind: 'Group', name: 'system:authenticated' },
        ]),
      ),
    });
    expect(ruleIds(parseDenials(result.stderr)[0])).toEqual(['binding-group']);
  });

  // Each case's stage, made for real.
  for (const [index, step] of setupSteps().entries()) {
    const file = join(scratch.path, `setup-${index}.json`);
    writeFileSync(file, toJsonText(step.object));
    const result = await kubectl(env, ['create', '-f', file], kubectlOptions(step.as));
    if (result.code === 0) created.push(step.object);
    else setupFailures.set(objectArgs(step.object).join(' '), result.stderr.trim());
  }
}, 600000);

afterAll(async () => {
  const names = (kind: string) =>
    created.filter((o) => o.kind === kind).map((o) => (o.metadata as { name: string }).name);
  await kubectl(env, [
    'delete',
    'profilepolicy',
    LENIENT_POLICY,
    EXCLUSIVE_POLICY,
    '--ignore-not-found',
  ]);
  await kubectl(env, [
    'delete',
    'clusterrolebinding',
    ...new Set(names('ClusterRoleBinding')),
    '--ignore-not-found',
  ]);
  await kubectl(env, [
    'delete',
    'profile',
    ...new Set(names('Profile')),
    '--ignore-not-found',
    '--wait=false',
  ]);
  await kubectl(env, [
    'delete',
    'namespace',
    ...new Set(names('Namespace')),
    '--ignore-not-found',
    '--wait=false',
  ]);
  scratch.remove();
}, 120000);

/** The answer in one line, for failure messages (and the report of what still fails). */
function verdict(outcome: Outcome): string {
  if (outcome.refused !== undefined) return `refused: ${outcome.refused}`;
  if (!outcome.allowed) {
    return `denied: ${(outcome.denial ?? []).map((rule) => `${rule.id}: ${rule.message.slice(0, 160)}`).join('; ')}`;
  }
  const warnings = outcome.warnings.length === 0 ? '' : `, warnings ${outcome.warnings.join(', ')}`;
  const shape =
    outcome.profile === undefined
      ? ''
      : `, labels ${JSON.stringify(Object.keys(outcome.profile.labels).slice(0, 5))}, quota ${JSON.stringify(outcome.profile.hard)}`;
  return `allowed${warnings}${shape}`;
}

/** True when an allowed Profile carries every default /mutate injects. */
function hasDefaults(outcome: Outcome): boolean {
  const shape = outcome.profile;
  if (shape === undefined) return true;
  return (
    Object.entries(PROFILE_DEFAULTS.labels).every(([key, value]) => shape.labels[key] === value) &&
    PROFILE_DEFAULTS.hard.every((key) => shape.hard.includes(key))
  );
}

/** What is wrong with `outcome` for case `c` (empty: as the contract says). */
function problems(c: AttackCase, outcome: Outcome, channel: 'api' | 'https'): string[] {
  const got = verdict(outcome);
  if (channel === 'api' && c.apiServer === 'refuses') {
    return outcome.allowed ? [`expected the API server to refuse it; got ${got}`] : [];
  }
  const expected = c.expect;
  if (expected.allowed === 'denied-or-defaulted') {
    return outcome.allowed && !hasDefaults(outcome) ? [`allowed without the defaults: ${got}`] : [];
  }
  if (expected.allowed) {
    const out: string[] = [];
    if (!outcome.allowed) out.push(`expected allowed; got ${got}`);
    else if (!hasDefaults(outcome)) out.push(`allowed without the defaults: ${got}`);
    const missing = (expected.warnings ?? []).filter((id) => !outcome.warnings.includes(id));
    if (missing.length > 0) out.push(`expected warnings ${missing.join(', ')}; got ${got}`);
    return out;
  }
  if (outcome.allowed || outcome.denial === undefined) {
    return [`expected denied by ${expected.rules.join(', ') || 'any rule'}; got ${got}`];
  }
  const ids = outcome.denial.map((rule) => rule.id);
  const missing = expected.rules.filter((id) => !ids.includes(id));
  if (missing.length > 0) return [`expected denied by ${missing.join(', ')}; got ${got}`];
  const first = expected.rules[0];
  if (expected.path !== undefined && first !== undefined) {
    const messages = outcome.denial.filter((rule) => rule.id === first).map((rule) => rule.message);
    if (!messages.some((message) => message.includes(expected.path ?? ''))) {
      return [`expected ${first}'s message to name ${expected.path}; got ${got}`];
    }
  }
  return [];
}

function setupProblem(c: AttackCase): string[] {
  return (c.setup ?? [])
    .map((step) => setupFailures.get(objectArgs(step.object).join(' ')))
    .filter((failure): failure is string => failure !== undefined)
    .map((failure) => `setup refused: ${failure}`);
}

const label = (c: AttackCase) => `${CASES.indexOf(c)}`;

describe('the tenant attack table through the API server, as alice', () => {
  test.each(CASES.filter((c) => c.apiServer !== 'https-only').map((c) => [c.name, c] as const))(
    '%s',
    async (_name, c) => {
      expect(setupProblem(c)).toEqual([]);
      const outcome = await throughApiServer(env, scratch, c.attack, `case-${label(c)}`);
      expect(problems(c, outcome, 'api')).toEqual([]);
    },
  );
});

(env.managed === undefined ? describe.skip : describe)(
  'the same table as AdmissionReviews over HTTPS to serve',
  () => {
    test.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      expect(setupProblem(c)).toEqual([]);
      const outcome = await overHttps(env, c.attack, c.skipMutate ?? false);
      expect(problems(c, outcome, 'https')).toEqual([]);
    });
  },
);

/** `serve`'s `profile_guard_offload_requests_total`, summed by `result`, from its metrics port. */
async function offloadResults(port: number): Promise<Record<string, number>> {
  const body = await readServeMetrics(port);
  const totals: Record<string, number> = {};
  for (const match of body.matchAll(
    /^profile_guard_offload_requests_total\{[^}]*result="([a-z_]+)"[^}]*\} (\d+)$/gm,
  )) {
    const [, result = '', count = '0'] = match;
    totals[result] = (totals[result] ?? 0) + Number(count);
  }
  return totals;
}

// The table's large bodies (3 MiB, 1 MiB) are over serve's default --offload-bytes (256 KiB), so
// the decision worker judged them. A worker that ran out of time, crashed or was refused work
// answers a denial with code 500, which would pass for the denial a case expects: the cases only
// count if the worker decided every one of them itself.
(env.managed === undefined ? describe.skip : describe)(
  'the large bodies of the table, on the decision worker',
  () => {
    test('were decided there, none denied for a timeout, a crash or a full queue', async () => {
      const { metricsPort } = requireManaged(env, 'reading serve metrics');
      const totals = await offloadResults(metricsPort);
      expect(totals.decided ?? 0).toBeGreaterThan(0);
      expect({
        timeout: totals.timeout ?? 0,
        crash: totals.crash ?? 0,
        queue_full: totals.queue_full ?? 0,
        error: totals.error ?? 0,
        shutdown: totals.shutdown ?? 0,
      }).toEqual({ timeout: 0, crash: 0, queue_full: 0, error: 0, shutdown: 0 });
    });
  },
);
