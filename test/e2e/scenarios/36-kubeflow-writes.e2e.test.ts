import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { join } from 'node:path';

import { EMBEDDED_DEFAULT_POLICY } from '../../../src/config/default-policy.js';
import { generateNativePolicies } from '../../../src/native/generate.js';
import type { KubeObject as FixtureObject } from '../../../src/policy/kube-object.js';
import { PROFILES_CONTROLLER_SA } from '../../../src/policy/test-support/kubeflow-upstream.js';
import {
  KUBEFLOW_ACTORS,
  kubeflowSequences,
  type KubeflowSequence,
  type KubeflowWrite,
  type ObjectRef,
} from '../../../src/policy/test-support/kubeflow-writes.js';
import {
  KNOWN_BAD_PROFILE,
  parseDenials,
  parseWarnings,
  ruleIds,
  waitForAdmission,
} from '../harness/admission.js';
import { ApiClient } from '../harness/api-client.js';
import { REPO_DIR, loadE2eEnv } from '../harness/e2e-env.js';
import { eventually } from '../harness/eventually.js';
import { kubectl, kubectlOk, type KubectlOptions, type KubectlResult } from '../harness/kubectl.js';
import {
  ADMISSION,
  NATIVE_KINDS,
  applyNativePolicies,
  ok,
  pruneNativePolicies,
  removeProbe,
} from '../harness/native-apply.js';

/*
 * Every write Kubeflow's profile controller and KFAM make over a Profile's life
 * (src/policy/test-support/kubeflow-writes.ts: sidecar mode, a default WorkloadIdentity plugin,
 * ambient mode, the migration between them, a refused takeover), made through the API server by
 * the identities that make them: the controller's and KFAM's ServiceAccount
 * kubeflow/profiles-controller-service-account with a real token (not exempt), kube-controller-
 * manager's garbage collector and namespace controller by impersonation. Every write must be
 * admitted with no warning, and the Profile must carry the default quota the controller turns
 * into its ResourceQuota.
 *
 * When a write is denied, the test for it fails and the admin (exempt) then makes the same write,
 * so that the rest of the sequence is judged as it would be once that write passes.
 *
 * The sequences run twice: judged by the webhook (the chart's webhook configurations), then by
 * the native admission policies alone: `generateNativePolicies` of the embedded default policy
 * applied, profile-guard's webhook configurations deleted (and put back afterwards), so that
 * nothing but the API server's own policies decides, and the MutatingAdmissionPolicy alone gives
 * the Profile its default quota.
 */

const env = loadE2eEnv();
const FIXTURES = join(REPO_DIR, 'test/e2e/fixtures/kubeflow');
/** A suffix per run: without a namespace controller deleted namespaces linger. */
const RUN = Date.now().toString(36).slice(-5);
const SEQUENCES = kubeflowSequences(`kfw-${RUN}-`);
/** The same sequences for the native pass, under their own names. */
const NATIVE_SEQUENCES = kubeflowSequences(`kfn-${RUN}-`);
const NATIVE_PROBE = 'e2e-kubeflow-writes-native-probe';
/** The native pass deletes and restores the webhook configurations: only where the suite owns them. */
const managed = env.managed;
const client = managed === undefined ? undefined : new ApiClient(managed);
const api = (): ApiClient => {
  if (client === undefined) throw new Error('needs the managed environment');
  return client;
};

let controllerToken = '';

function resourceOf(ref: ObjectRef): string {
  const [group, version] = ref.apiVersion.includes('/')
    ? ref.apiVersion.split('/')
    : ['', ref.apiVersion];
  return group === '' ? ref.resource : `${ref.resource}.${version ?? ''}.${group ?? ''}`;
}

function namespaceArgs(ref: ObjectRef): string[] {
  return ref.namespace === undefined ? [] : ['-n', ref.namespace];
}

/** The stored object as the admin reads it, undefined when it does not exist. */
async function fetchStored(ref: ObjectRef): Promise<FixtureObject | undefined> {
  const result = await kubectl(env, [
    'get',
    resourceOf(ref),
    ref.name,
    ...namespaceArgs(ref),
    '-o',
    'json',
  ]);
  if (result.code !== 0) {
    if (result.stderr.includes('(NotFound)')) return undefined;
    throw new Error(`kubectl get ${resourceOf(ref)} ${ref.name}: ${result.stderr}`);
  }
  return JSON.parse(result.stdout) as FixtureObject;
}

function keyOf(ref: ObjectRef): string {
  const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : '';
  return `${group ?? ''}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

/**
 * What the writers read: the objects of this run as last fetched after their own writes (every
 * object a write reads was written earlier in its sequence).
 */
const mirror = new Map<string, FixtureObject>();
const read = (ref: ObjectRef): FixtureObject | undefined => {
  const stored = mirror.get(keyOf(ref));
  return stored === undefined
    ? undefined
    : { ...structuredClone(stored), apiVersion: ref.apiVersion };
};

async function refresh(ref: ObjectRef): Promise<void> {
  const stored = await fetchStored(ref);
  if (stored === undefined) mirror.delete(keyOf(ref));
  else mirror.set(keyOf(ref), stored);
}

function credentials(write: KubeflowWrite): KubectlOptions {
  switch (write.actor) {
    case 'controller':
    case 'kfam':
      return { token: controllerToken };
    case 'admin':
      return {};
    case 'garbage-collector':
    case 'namespace-controller': {
      const user = KUBEFLOW_ACTORS[write.actor];
      return {
        impersonate: {
          user: user.username,
          groups: user.groups.filter((group) => group !== 'system:authenticated'),
        },
      };
    }
  }
}

/** Makes `write` with `options`' identity: POST (create), PUT (replace) or DELETE. */
async function send(write: KubeflowWrite, options: KubectlOptions): Promise<KubectlResult> {
  const { ref } = write;
  switch (write.verb) {
    case 'create':
      return kubectl(env, ['create', ...namespaceArgs(ref), '-f', '-', '-o', 'name'], {
        ...options,
        input: JSON.stringify({
          apiVersion: ref.apiVersion,
          kind: ref.kind,
          ...write.body(read),
        }),
      });
    case 'update': {
      const stored = await fetchStored(ref);
      if (stored === undefined) throw new Error(`${write.label}: not found`);
      return kubectl(env, ['replace', ...namespaceArgs(ref), '-f', '-', '-o', 'name'], {
        ...options,
        input: JSON.stringify(write.change(stored, read)),
      });
    }
    case 'delete':
      return kubectl(
        env,
        ['delete', resourceOf(ref), ref.name, ...namespaceArgs(ref), '--wait=false'],
        options,
      );
  }
}

/** What this file installed (and so removes again): not there before it ran. */
const installed = { namespace: false, crd: false };

/**
 * Removes a Namespace and what this file left in it for good: without a namespace controller a
 * deleted Namespace stays Terminating, so the admin empties it and its finalizers as that
 * controller would.
 */
async function removeNamespace(name: string): Promise<void> {
  await kubectl(env, [
    'delete',
    'rolebindings,authorizationpolicies.security.istio.io,serviceaccounts,resourcequotas,gateways.gateway.networking.k8s.io',
    '--all',
    '-n',
    name,
    '--ignore-not-found',
  ]);
  await kubectl(env, ['delete', 'namespace', name, '--ignore-not-found', '--wait=false']);
  const namespace = await fetchStored({
    apiVersion: 'v1',
    kind: 'Namespace',
    resource: 'namespaces',
    name,
  });
  if (namespace === undefined) return;
  await kubectl(env, ['replace', '--raw', `/api/v1/namespaces/${name}/finalize`, '-f', '-'], {
    input: JSON.stringify({ ...namespace, spec: { finalizers: [] } }),
  });
}

beforeAll(async () => {
  installed.crd =
    (await kubectl(env, ['get', 'crd', 'gateways.gateway.networking.k8s.io'])).code !== 0;
  installed.namespace = (await kubectl(env, ['get', 'namespace', 'kubeflow'])).code !== 0;
  await kubectlOk(env, ['apply', '-f', join(FIXTURES, 'gateway-crd.yaml')]);
  await kubectlOk(env, [
    'wait',
    '--for=condition=Established',
    '--timeout=60s',
    'crd/gateways.gateway.networking.k8s.io',
  ]);
  await kubectlOk(env, ['apply', '-f', join(FIXTURES, 'profiles-controller.yaml')]);
  controllerToken = (
    await kubectlOk(env, [
      'create',
      'token',
      'profiles-controller-service-account',
      '-n',
      'kubeflow',
      '--duration=2h',
    ])
  ).trim();
});

afterAll(async () => {
  // Best effort: no profile controller removes finalizers and no namespace controller empties
  // namespaces here, so the admin does both for what the sequences leave behind.
  for (const sequence of [...SEQUENCES, ...NATIVE_SEQUENCES]) {
    const name = sequence.profile;
    await kubectl(env, [
      'patch',
      'profiles.v1.kubeflow.org',
      name,
      '--type=merge',
      '-p',
      '{"metadata":{"finalizers":null}}',
    ]);
    await kubectl(env, ['delete', 'profiles.v1.kubeflow.org', name, '--ignore-not-found']);
    await removeNamespace(name);
  }
  await kubectl(env, [
    'delete',
    'clusterrolebinding',
    'e2e-kubeflow-writes-profiles-controller',
    '--ignore-not-found',
  ]);
  if (installed.crd) {
    await kubectl(env, ['delete', 'crd', 'gateways.gateway.networking.k8s.io', '--wait=false']);
  }
  if (installed.namespace) {
    // Later files assume no `kubeflow` namespace (a Profile of that name would otherwise also
    // be a takeover): remove it, and wait until the webhook's cache has seen it go.
    await removeNamespace('kubeflow');
    await eventually(async () => {
      const result = await kubectl(env, ['create', '--dry-run=server', '-f', '-'], {
        as: 'alice',
        input: JSON.stringify(KNOWN_BAD_PROFILE),
      });
      expect(ruleIds(parseDenials(result.stderr)[0])).toEqual(['profile-name-reserved']);
    });
  }
});

test("the controller's token authenticates as its ServiceAccount, which is not exempt", async () => {
  const whoami = JSON.parse(
    await kubectlOk(env, ['auth', 'whoami', '-o', 'json'], { token: controllerToken }),
  ) as { status: { userInfo: { username: string; groups: string[] } } };
  expect(whoami.status.userInfo.username).toBe(PROFILES_CONTROLLER_SA.username);
  expect([...whoami.status.userInfo.groups].sort()).toEqual(
    [...PROFILES_CONTROLLER_SA.groups].sort(),
  );
  const exemptions = EMBEDDED_DEFAULT_POLICY.spec.exemptions;
  expect(whoami.status.userInfo.groups.filter((g) => exemptions.groups.includes(g))).toEqual([]);
});

/**
 * One test per write of every sequence, in order: each admitted with no denial and no warning,
 * and after the first reconcile the Profile holds the default quota and the ResourceQuota the
 * controller made from it.
 */
function replay(sequences: readonly KubeflowSequence[], run: typeof test.skip): void {
  describe.each(sequences.map((sequence) => [sequence.name, sequence] as const))(
    '%s',
    (_name, sequence) => {
      const writes = sequence.phases.flatMap((phase) =>
        phase.writes.map((write) => ({ phase: phase.name, write })),
      );
      const firstReconcileEnd = writes.findLastIndex(({ phase }) =>
        phase.startsWith('first reconcile'),
      );

      run.each(
        writes.map(
          ({ phase, write }, index) =>
            [`#${String(index + 1).padStart(2, '0')} ${phase}: ${write.label}`, index] as const,
        ),
      )('admits %s', async (_label, index) => {
        const step = writes[index];
        if (step === undefined) throw new Error(`no write #${index}`);
        const { write } = step;
        const result = await send(write, credentials(write));
        if (result.code !== 0) {
          // Keep the sequence going (see the top of this file), then report the failure.
          await send(write, {});
        }
        await refresh(write.ref);
        expect({
          code: result.code,
          denials: parseDenials(result.stderr).map((denial) => denial.line),
          warnings: parseWarnings(result.stderr),
          stderr: result.code === 0 ? '' : result.stderr,
        }).toEqual({ code: 0, denials: [], warnings: [], stderr: '' });

        if (index === firstReconcileEnd) {
          // The Profile carries the injected default quota, and the ResourceQuota the controller
          // made from it matches.
          const profile = read({
            apiVersion: 'kubeflow.org/v1',
            kind: 'Profile',
            resource: 'profiles',
            name: sequence.profile,
          }) as { spec?: { resourceQuotaSpec?: unknown } } | undefined;
          expect(profile?.spec?.resourceQuotaSpec).toEqual({
            hard: EMBEDDED_DEFAULT_POLICY.spec.profiles.quota.defaults,
          });
          const quota = await fetchStored({
            apiVersion: 'v1',
            kind: 'ResourceQuota',
            resource: 'resourcequotas',
            namespace: sequence.profile,
            name: 'kf-resource-quota',
          });
          expect(quota?.spec).toEqual(profile?.spec?.resourceQuotaSpec);
        }
      });
    },
  );
}

replay(SEQUENCES, test);

describe('with the native admission policies alone (webhook configurations deleted)', () => {
  const run = managed === undefined ? test.skip : test;
  const generated = generateNativePolicies(EMBEDDED_DEFAULT_POLICY);

  beforeAll(async () => {
    if (managed === undefined) return;
    for (const kind of ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations']) {
      await api().call('DELETE', `${ADMISSION}/${kind}/profile-guard`);
    }
    await applyNativePolicies(api(), generated.objects, {
      name: NATIVE_PROBE,
      marker: `native policies of run ${RUN} in force`,
    });
  }, 120000);

  afterAll(async () => {
    if (managed === undefined) return;
    await removeProbe(api(), NATIVE_PROBE);
    await pruneNativePolicies(api());
    await kubectlOk(env, ['apply', '-f', managed.webhookConfigurations]);
    await waitForAdmission(env);
    client?.close();
  }, 120000);

  run(
    'only the native policies are registered: no webhook configuration of profile-guard',
    async () => {
      for (const kind of ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations']) {
        expect((await api().call('GET', `${ADMISSION}/${kind}/profile-guard`)).status).toBe(404);
      }
      const stored: string[] = [];
      for (const [kind, plural] of Object.entries(NATIVE_KINDS)) {
        const list = await ok(
          api().call(
            'GET',
            `${ADMISSION}/${plural}?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dprofile-guard`,
          ),
          `list ${plural}`,
        );
        const items = (JSON.parse(list.body) as { items: FixtureObject[] }).items;
        stored.push(...items.map((item) => `${kind}/${String(item.metadata?.name)}`));
      }
      expect(stored.sort()).toEqual(
        generated.objects.map((o) => `${String(o.kind)}/${String(o.metadata?.name)}`).sort(),
      );
      // The Profile defaults and the RoleBinding and AuthorizationPolicy rules are among them.
      expect(stored).toEqual(
        expect.arrayContaining([
          'MutatingAdmissionPolicy/profile-guard-profiles-defaults',
          'ValidatingAdmissionPolicy/profile-guard-rolebindings-enforce',
          'ValidatingAdmissionPolicy/profile-guard-authorizationpolicies-enforce',
        ]),
      );
    },
  );

  replay(NATIVE_SEQUENCES, run);
});
