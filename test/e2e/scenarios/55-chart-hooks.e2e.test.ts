import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { parseAllDocuments } from 'yaml';

import { parseDenials, ruleIds } from '../harness/admission.js';
import { serviceAccountKubeconfig } from '../harness/hook-player.js';
import { REPO_DIR, loadE2eEnv, type ManagedParts } from '../harness/e2e-env.js';
import { eventually } from '../harness/eventually.js';
import { getObject, kubectl, kubectlOk, type KubectlResult } from '../harness/kubectl.js';
import { kubeflowObjects } from '../harness/kubeflow-objects.js';
import { ScratchDir, profile, type Manifest } from '../harness/manifests.js';
import { embeddedDefaultSpec, profilePolicy } from '../harness/policies.js';

/**
 * The chart's hooks and tests against the real API server. No kubelet runs here, so no hook pod
 * or Job ever starts: each hook's command is run as its pod would run it (the same program and
 * arguments, as the hook's own ServiceAccount, installed from the rendered chart), which shows that
 * the command works and that the hook's RBAC is enough (and no more). Also the namespace opt-out
 * label (the suite registers the chart's webhook configurations, selector included) and the
 * ValidatingAdmissionPolicy that guards it.
 */
const env = loadE2eEnv();
const managed: ManagedParts | undefined = env.managed;
const maybe = managed === undefined ? test.skip : test;
const run = promisify(execFile);
const scratch = new ScratchDir();
const NS = env.releaseNamespace;
const RELEASE = 'profile-guard';
const FULLNAME = 'profile-guard';
const CLI = join(REPO_DIR, 'dist', 'cli', 'bin.js');
const RUN = Date.now().toString(36).slice(-5);
const OWNER = 'alice@example.com';
const OPTED = `e2e-opt-out-${RUN}`;
/** A profile namespace of alice's that is never opted out. */
const OPTED_IN = `e2e-opt-in-${RUN}`;
const rbac = 'rbac.authorization.k8s.io';

type Rendered = Manifest & {
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly annotations?: Record<string, string> };
};
let rendered: Rendered[] = [];
const find = (kind: string, name: string): Rendered => {
  const found = rendered.find((o) => o.kind === kind && o.metadata.name === name);
  if (found === undefined) throw new Error(`the chart renders no ${kind} ${name}`);
  return found;
};
/** A hook's ServiceAccount and RBAC, applied as they are (hook annotations mean nothing to kubectl). */
async function installIdentity(name: string): Promise<void> {
  const objects = ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding'].map((kind) =>
    find(kind, name),
  );
  await kubectlOk(env, ['apply', '-f', scratch.write(`${name}.yaml`, objects)]);
}
const serviceAccount = (name: string) => ({
  user: `system:serviceaccount:${NS}:${name}`,
  groups: ['system:serviceaccounts', `system:serviceaccounts:${NS}`, 'system:authenticated'],
});
/** The container of a hook Job or Pod. */
const containerOf = (object: Rendered) => {
  const spec = (
    object.kind === 'Job'
      ? (object.spec as { template: { spec: unknown } }).template.spec
      : object.spec
  ) as { containers: { command?: string[]; args: string[] }[] };
  return spec.containers[0]!;
};

beforeAll(async () => {
  if (managed === undefined) return;
  const versions = readFileSync(join(REPO_DIR, 'test/e2e/bin/versions.env'), 'utf8');
  const kubeVersion = /^KUBERNETES_VERSION=(\S+)/m.exec(versions)?.[1] ?? '';
  const { stdout } = await run(
    managed.helm,
    [
      'template',
      RELEASE,
      join(REPO_DIR, 'charts/profile-guard'),
      '--namespace',
      NS,
      '--kube-version',
      kubeVersion,
      '--set',
      'cleanup.enabled=true',
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  rendered = parseAllDocuments(stdout)
    .map((doc) => doc.toJS() as Rendered | null)
    .filter((object): object is Rendered => object !== null);
}, 120000);

afterAll(async () => {
  const names = [
    `${FULLNAME}-selftest`,
    `${FULLNAME}-crds`,
    `${FULLNAME}-cleanup-webhooks`,
    `${FULLNAME}-cleanup-limitranges`,
  ];
  await kubectl(env, ['delete', 'clusterrolebinding,clusterrole', ...names, '--ignore-not-found']);
  await kubectl(env, ['delete', 'serviceaccount', '-n', NS, ...names, '--ignore-not-found']);
  await kubectl(env, [
    'delete',
    'validatingadmissionpolicybinding,validatingadmissionpolicy',
    `${FULLNAME}-namespace-opt-out`,
    '--ignore-not-found',
  ]);
  await kubectl(env, [
    'delete',
    'clusterrolebinding,clusterrole',
    'e2e-label-namespaces',
    '--ignore-not-found',
  ]);
  await kubectl(env, ['delete', 'profilepolicy', 'e2e-selftest-warn', '--ignore-not-found']);
  for (const name of [OPTED, OPTED_IN]) {
    await kubectl(env, ['delete', 'profile', name, '--ignore-not-found', '--wait=false']);
    await kubectl(env, ['delete', 'namespace', name, '--ignore-not-found', '--wait=false']);
  }
  scratch.remove();
});

/** `profile-guard selftest` as the test pod runs it, with the credentials of `kubeconfig`. */
async function selftest(kubeconfig: string, args: readonly string[]): Promise<KubectlResult> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [CLI, ...args, '--kubeconfig', kubeconfig],
      {
        env: { ...process.env, KUBECONFIG: '' },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** A kubeconfig with a token of ServiceAccount `name` of the release namespace. */
function kubeconfigOf(name: string): Promise<string> {
  mkdirSync(scratch.path, { recursive: true });
  return serviceAccountKubeconfig(env, NS, name, scratch.path);
}

describe('helm test (profile-guard selftest in the test pod)', () => {
  maybe(
    "passes as the test ServiceAccount, on the webhook's denial; and in Warn mode on its warning",
    async () => {
      const name = `${FULLNAME}-selftest`;
      await installIdentity(name);
      const pod = find('Pod', name);
      const { args } = containerOf(pod);
      expect(args[0]).toBe('selftest');
      const kubeconfig = await kubeconfigOf(name);

      const passed = await selftest(kubeconfig, args);

      expect(passed.stderr).toBe('');
      expect(passed.code).toBe(0);
      expect(passed.stdout).toMatch(
        /^profile-guard selftest: ok: denied by profiles\.validate\.profile-guard\.io as expected: admission webhook "profiles\.validate\.profile-guard\.io" denied the request: profile-name-format: /,
      );

      // Rolling out in Warn mode: the same test passes on the warning.
      const spec = { ...embeddedDefaultSpec(), defaultMode: 'Warn' };
      await kubectlOk(env, ['apply', '-f', '-'], {
        input: JSON.stringify(profilePolicy('e2e-selftest-warn', spec)),
      });
      try {
        await eventually(async () => {
          const warned = await selftest(kubeconfig, ['selftest', '--timeout', '0']);
          expect(warned.stdout).toMatch(
            /ok: admitted with profile-guard's warning \(Warn mode\): profile-name-format: /,
          );
        });
      } finally {
        await kubectlOk(env, ['delete', 'profilepolicy', 'e2e-selftest-warn']);
      }
      // Nothing was stored.
      expect(await getObject(env, ['profile', 'profile-guard-selftest.invalid'])).toBeUndefined();
    },
  );

  maybe(
    'fails, saying why, for a caller that cannot get an answer from profile-guard',
    async () => {
      // The webhook's own ServiceAccount: RBAC refuses it (and the webhooks would skip it anyway).
      const result = await selftest(await kubeconfigOf(FULLNAME), ['selftest', '--timeout', '0']);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /^profile-guard selftest: FAIL \(1 attempt\): refused \(HTTP 403\), not by profile-guard: .*cannot create resource "profiles"/,
      );
    },
  );
});

describe('the CRD upgrade hook (pre-upgrade Job)', () => {
  maybe('server-side applies the CRDs of its ConfigMap as its ServiceAccount', async () => {
    const name = `${FULLNAME}-crds`;
    await installIdentity(name);
    const job = find('Job', name);
    expect(job.metadata.annotations?.['helm.sh/hook']).toBe('pre-upgrade');
    const { command, args } = containerOf(job);
    expect(command).toEqual(['kubectl']);
    const data = (find('ConfigMap', name).data ?? {}) as Record<string, string>;
    const crd = data['profilepolicy.yaml'] ?? '';
    const as = serviceAccount(name);
    const applyAs = async (content: string) => {
      const dir = join(scratch.path, `crds-${Date.now()}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'profilepolicy.yaml'), content);
      return kubectl(
        env,
        args.map((arg) => (arg === '--filename=/crds/' ? `--filename=${dir}/` : arg)),
        {
          impersonate: as,
        },
      );
    };
    const description = (await getObject(env, ['crd', 'profilepolicies.profile-guard.io']))
      ?.spec as { versions: { schema: { openAPIV3Schema: { description: string } } }[] };
    const before = description.versions[0]!.schema.openAPIV3Schema.description;

    // A newer chart's CRD (here: another description) replaces the stored one.
    const newer = crd.replace(before, `${before} (upgraded)`);
    expect(newer).not.toBe(crd);
    const upgraded = await applyAs(newer);
    expect(upgraded.stderr).toBe('');
    expect(upgraded.stdout.trim()).toBe(
      'customresourcedefinition.apiextensions.k8s.io/profilepolicies.profile-guard.io serverside-applied',
    );
    const stored = (await getObject(env, ['crd', 'profilepolicies.profile-guard.io']))
      ?.spec as typeof description;
    expect(stored.versions[0]!.schema.openAPIV3Schema.description).toBe(`${before} (upgraded)`);

    // And back: the chart's own CRD.
    expect((await applyAs(crd)).code).toBe(0);
    // The ServiceAccount may touch no other CRD.
    const other = await kubectl(
      env,
      ['delete', 'crd', 'profiles.kubeflow.org', '--dry-run=server'],
      {
        impersonate: as,
      },
    );
    expect(other.stderr).toMatch(/forbidden/);
  });
});

describe('the uninstall hooks (cleanup.enabled)', () => {
  maybe(
    'pre-delete deletes exactly the two webhook configurations; post-delete the LimitRanges',
    async () => {
      const webhooks = `${FULLNAME}-cleanup-webhooks`;
      const limitRanges = `${FULLNAME}-cleanup-limitranges`;
      await installIdentity(webhooks);
      await installIdentity(limitRanges);
      expect(find('Job', webhooks).metadata.annotations?.['helm.sh/hook']).toBe('pre-delete');
      expect(find('Job', limitRanges).metadata.annotations?.['helm.sh/hook']).toBe('post-delete');
      // A profile namespace, so that profile-guard's LimitRange exists.
      await profileNamespace();
      await eventually(async () => {
        expect(
          await getObject(env, ['limitrange', 'profile-guard-defaults', '-n', OPTED]),
        ).toBeDefined();
      });

      // --dry-run=server: authorised and admitted exactly as the real deletion, nothing deleted (the
      // suite's own webhook configurations are these).
      const deleteAs = (name: string) => {
        const { args } = containerOf(find('Job', name));
        return kubectl(env, [...args, '--dry-run=server'], { impersonate: serviceAccount(name) });
      };
      const preDelete = await deleteAs(webhooks);
      expect(preDelete.stderr).toBe('');
      expect(preDelete.stdout.split('\n').filter(Boolean).sort()).toEqual([
        'mutatingwebhookconfiguration.admissionregistration.k8s.io "profile-guard" deleted (server dry run)',
        'validatingwebhookconfiguration.admissionregistration.k8s.io "profile-guard" deleted (server dry run)',
      ]);
      const postDelete = await deleteAs(limitRanges);
      expect(postDelete.stderr).toBe('');
      expect(postDelete.stdout).toContain(
        `limitrange "profile-guard-defaults" deleted from ${OPTED} namespace (server dry run)`,
      );

      // Their RBAC reaches nothing else.
      const other = await kubectl(
        env,
        ['delete', 'validatingwebhookconfiguration', 'someone-else', '--dry-run=server'],
        { impersonate: serviceAccount(webhooks) },
      );
      expect(other.stderr).toMatch(/forbidden/);
      const foreign = await kubectl(
        env,
        ['delete', 'limitrange', 'team-defaults', '-n', OPTED, '--dry-run=server'],
        { impersonate: serviceAccount(limitRanges) },
      );
      expect(foreign.stderr).toMatch(/forbidden/);
    },
  );
});

/** Profile `name` of alice and its namespace, as the profile controller makes them (idempotent). */
async function profileNamespace(name = OPTED): Promise<void> {
  if ((await getObject(env, ['profile', name])) === undefined) {
    await kubectlOk(env, ['create', '-f', '-'], { input: JSON.stringify(profile(name, OWNER)) });
  }
  if ((await getObject(env, ['namespace', name])) !== undefined) return;
  const stored = await getObject(env, ['profile', name]);
  const objects = kubeflowObjects(name, stored?.metadata.uid ?? '', OWNER, 'nobody@example.com');
  await kubectlOk(env, [
    'apply',
    '-f',
    scratch.write(`${name}.yaml`, [objects.namespace, objects.namespaceAdmin]),
  ]);
}

/** What the multi-user policy forbids in a profile namespace: a RoleBinding for everyone... */
const everyone = (namespace: string): Manifest => ({
  apiVersion: `${rbac}/v1`,
  kind: 'RoleBinding',
  metadata: { name: 'e2e-everyone-views', namespace },
  roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: 'kubeflow-view' },
  subjects: [{ apiGroup: rbac, kind: 'Group', name: 'system:authenticated' }],
});

/** ...and an AuthorizationPolicy admitting any source. */
const anySource = (namespace: string): Manifest => ({
  apiVersion: 'security.istio.io/v1',
  kind: 'AuthorizationPolicy',
  metadata: { name: 'e2e-any-source', namespace },
  spec: { action: 'ALLOW', rules: [{ to: [{ operation: { methods: ['GET'] } }] }] },
});

describe('the namespace opt-out label', () => {
  maybe(
    'takes only the labelled namespace out of the RoleBinding and AuthorizationPolicy webhooks; its owner cannot set it',
    async () => {
      await profileNamespace(OPTED);
      await profileNamespace(OPTED_IN);
      // What Kubeflow's kubeflow-istio-admin (aggregated into kubeflow-admin) gives an owner.
      await kubectlOk(env, [
        'apply',
        '-f',
        scratch.write(
          'istio-admin.yaml',
          [OPTED, OPTED_IN].flatMap((namespace): Manifest[] => [
            {
              apiVersion: `${rbac}/v1`,
              kind: 'Role',
              metadata: { name: 'e2e-istio-admin', namespace },
              rules: [
                {
                  apiGroups: ['security.istio.io'],
                  resources: ['authorizationpolicies'],
                  verbs: ['*'],
                },
              ],
            },
            {
              apiVersion: `${rbac}/v1`,
              kind: 'RoleBinding',
              metadata: { name: 'e2e-istio-admin', namespace },
              roleRef: { apiGroup: rbac, kind: 'Role', name: 'e2e-istio-admin' },
              subjects: [{ apiGroup: rbac, kind: 'User', name: OWNER }],
            },
          ]),
        ),
      ]);
      /** alice's dry-run create of `manifest`: the rule ids of its denial, [] when admitted. */
      const denied = async (manifest: Manifest): Promise<string[]> => {
        const result = await kubectl(env, ['create', '--dry-run=server', '-f', '-'], {
          as: 'alice',
          input: JSON.stringify(manifest),
        });
        if (result.code === 0) return [];
        const denial = parseDenials(result.stderr)[0];
        return denial === undefined ? [`not a webhook denial: ${result.stderr}`] : ruleIds(denial);
      };
      const judged = async () => ({
        optedBinding: await denied(everyone(OPTED)),
        optedPolicy: await denied(anySource(OPTED)),
        otherBinding: await denied(everyone(OPTED_IN)),
        otherPolicy: await denied(anySource(OPTED_IN)),
      });
      const allJudged = {
        optedBinding: ['binding-group'],
        optedPolicy: ['authz-any-source'],
        otherBinding: ['binding-group'],
        otherPolicy: ['authz-any-source'],
      };
      await eventually(async () => {
        expect(await judged()).toEqual(allJudged);
      });

      const label = (who: 'alice' | 'admin', change: string, ...extra: string[]) =>
        kubectl(env, ['label', 'namespace', OPTED, change, '--overwrite', ...extra], { as: who });
      // In Kubeflow an owner may not label her Namespace at all (RBAC).
      expect((await label('alice', 'profile-guard.io/ignore=true')).stderr).toMatch(
        /cannot patch resource "namespaces"/,
      );

      // The guard, and a right to label Namespaces for alice (which Kubeflow never gives an owner).
      const policy = find('ValidatingAdmissionPolicy', `${FULLNAME}-namespace-opt-out`);
      const binding = find('ValidatingAdmissionPolicyBinding', `${FULLNAME}-namespace-opt-out`);
      await kubectlOk(env, ['apply', '-f', scratch.write('guard.yaml', [policy, binding])]);
      await kubectlOk(env, [
        'apply',
        '-f',
        scratch.write('label-namespaces.yaml', [
          {
            apiVersion: `${rbac}/v1`,
            kind: 'ClusterRole',
            metadata: { name: 'e2e-label-namespaces' },
            rules: [{ apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'patch'] }],
          },
          {
            apiVersion: `${rbac}/v1`,
            kind: 'ClusterRoleBinding',
            metadata: { name: 'e2e-label-namespaces' },
            roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: 'e2e-label-namespaces' },
            subjects: [{ apiGroup: rbac, kind: 'User', name: OWNER }],
          },
        ]),
      ]);

      // The API server enforces the guard once it has loaded it (probed with dry runs, so that an
      // attempt made before that changes nothing).
      await eventually(async () => {
        const probe = await label('alice', 'profile-guard.io/ignore=true', '--dry-run=server');
        expect(probe.code).toBe(1);
      });
      const refused = await label('alice', 'profile-guard.io/ignore=true');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(
        /ValidatingAdmissionPolicy 'profile-guard-namespace-opt-out' with binding 'profile-guard-namespace-opt-out' denied request: only the groups \["system:masters"\] and users \[\] may set or remove the label profile-guard\.io\/ignore on a Namespace/,
      );
      expect((await getObject(env, ['namespace', OPTED]))?.metadata.labels).not.toHaveProperty(
        'profile-guard.io/ignore',
      );
      expect((await label('alice', 'team=research')).code).toBe(0);

      // The admin opts OPTED out: the webhooks no longer see its RoleBindings and
      // AuthorizationPolicies; the other profile namespace is judged as before.
      expect((await label('admin', 'profile-guard.io/ignore=true')).code).toBe(0);
      await eventually(async () => {
        expect(await judged()).toEqual({ ...allJudged, optedBinding: [], optedPolicy: [] });
      });
      // alice cannot undo it either.
      expect((await label('alice', 'profile-guard.io/ignore-')).stderr).toMatch(
        /denied request: only the groups/,
      );
      expect((await label('admin', 'profile-guard.io/ignore-')).code).toBe(0);
      await eventually(async () => {
        expect(await judged()).toEqual(allJudged);
      });
    },
  );
});
