import { execFile } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { waitForAdmission } from '../harness/admission.js';
import { REPO_DIR, loadE2eEnv, type ManagedParts } from '../harness/e2e-env.js';
import { eventually } from '../harness/eventually.js';
import { playHook, type HookRun } from '../harness/hook-player.js';
import { getObject, kubectl, kubectlOk, type KubeObject } from '../harness/kubectl.js';
import { kubeflowObjects } from '../harness/kubeflow-objects.js';
import { ScratchDir, profile } from '../harness/manifests.js';

/**
 * `helm test` and `helm upgrade` run for real against the suite's API server: a release of the
 * chart in a namespace of its own, without webhook configurations (their names are fixed, and the
 * suite's own — the chart's, registered by URL — answer for it). No kubelet or Job controller runs
 * here, so harness/hook-player.ts plays them for the hook's Pod or Job: it runs the container's
 * command with the pod's ServiceAccount token and writes the outcome into the object's status; helm
 * creates the hook objects, waits for that status and deletes them as their delete policy says.
 */
const env = loadE2eEnv();
const managed: ManagedParts | undefined = env.managed;
const maybe = managed === undefined ? test.skip : test;
const run = promisify(execFile);
const scratch = new ScratchDir();
const RUN = Date.now().toString(36).slice(-5);
const NAMESPACE = `e2e-helm-${RUN}`;
const RELEASE = `hooks-${RUN}`;
const FULLNAME = `${RELEASE}-profile-guard`;
const CRD = 'profilepolicies.profile-guard.io';
const OWNER = 'alice@example.com';
/** A profile namespace, for the LimitRange the post-delete hook deletes. */
const PROFILE_NAMESPACE = `e2e-helm-profile-${RUN}`;
const CRD_FILE = 'crds/profilepolicy.yaml';

/** A copy of the chart, so that a test can give it a newer CRD. */
let chart = '';
let installed = false;

const values = [
  // ProfilePolicy objects are cluster-wide; the suite's serve is governed by the embedded default.
  'policy.create=false',
  // The suite registers the chart's webhook configurations (fixed names) itself.
  'webhooks.mutate.profiles.enabled=false',
  'webhooks.mutate.namespaces.enabled=false',
  'webhooks.validate.profiles.enabled=false',
  'webhooks.validate.bindings.enabled=false',
  'webhooks.validate.clusterRoleBindings.enabled=false',
  'webhooks.validate.authorizationPolicies.enabled=false',
  // Scenario 55 tests the guard; two guards would both answer there.
  'namespaceOptOut.guard.enabled=false',
  // The failing helm test below gives up after that.
  'test.timeoutSeconds=4',
  // No cert-manager in this scenario.
  'certs.mode=certs-scripts',
  'certs.secretName=profile-guard-certs',
  `certs.caBundle=${Buffer.from('-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n').toString('base64')}`,
].flatMap((value) => ['--set', value]);

/** helm with the admin's kubeconfig; resolves with its outputs and exit code. */
async function helm(args: readonly string[]): Promise<HookRun> {
  const argv = [...args, '--kubeconfig', env.kubeconfig, '--kube-context', env.contexts.admin];
  try {
    const { stdout, stderr } = await run(managed!.helm, argv, { timeout: 240000 });
    return { argv, code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return {
      argv,
      code: typeof failed.code === 'number' ? failed.code : -1,
      stdout: failed.stdout ?? '',
      stderr: failed.stderr ?? '',
    };
  }
}

/**
 * helm's stderr without client-go's informational log lines (`I1126 ...`: a watch that helm
 * itself ended, for example), which are no failure.
 */
const errorLines = (stderr: string): string[] =>
  stderr.split('\n').filter((line) => line !== '' && !/^I\d{4} /.test(line));

const crdDescription = async (): Promise<string> => {
  const crd = await getObject(env, ['crd', CRD]);
  const spec = crd?.spec as {
    versions: { schema: { openAPIV3Schema: { description: string } } }[];
  };
  return spec.versions[0]!.schema.openAPIV3Schema.description;
};

beforeAll(async () => {
  if (managed === undefined) return;
  chart = join(scratch.path, 'profile-guard');
  cpSync(join(REPO_DIR, 'charts/profile-guard'), chart, { recursive: true });
  installed = true;
  const installation = await helm([
    'install',
    RELEASE,
    chart,
    '--namespace',
    NAMESPACE,
    '--create-namespace',
    ...values,
  ]);
  if (installation.code !== 0) throw new Error(`helm install failed: ${installation.stderr}`);
}, 300000);

afterAll(async () => {
  if (installed) {
    // Had the uninstall test failed: no hooks (nothing would play them).
    await helm(['uninstall', RELEASE, '--namespace', NAMESPACE, '--no-hooks']);
    // Whatever the upgrade test left: the chart's own CRD.
    await kubectl(env, [
      'apply',
      '--server-side',
      '--force-conflicts',
      '--field-manager=profile-guard-crds',
      '-f',
      join(REPO_DIR, 'charts/profile-guard', CRD_FILE),
    ]);
    await kubectl(env, ['delete', 'namespace', NAMESPACE, '--wait=false', '--ignore-not-found']);
  }
  await kubectl(env, [
    'delete',
    'profile',
    PROFILE_NAMESPACE,
    '--wait=false',
    '--ignore-not-found',
  ]);
  await kubectl(env, [
    'delete',
    'namespace',
    PROFILE_NAMESPACE,
    '--wait=false',
    '--ignore-not-found',
  ]);
  scratch.remove();
});

describe('helm test', () => {
  maybe(
    'creates the test pod, which passes on profile-guard’s denial; helm reports it and cleans up',
    async () => {
      const [tested, played] = await Promise.all([
        helm(['test', RELEASE, '--namespace', NAMESPACE, '--timeout', '180s']),
        playHook(env, { kind: 'Pod', namespace: NAMESPACE, name: `${FULLNAME}-selftest` }),
      ]);

      expect(played.argv.slice(1)).toEqual([
        join(REPO_DIR, 'dist/cli/bin.js'),
        'selftest',
        '--timeout',
        '4',
      ]);
      expect(played.stderr).toBe('');
      expect(played.code).toBe(0);
      expect(played.stdout).toMatch(
        /^profile-guard selftest: ok: denied by profiles\.validate\.profile-guard\.io as expected: .*profile-name-format: /,
      );
      expect(errorLines(tested.stderr)).toEqual([]);
      expect(tested.code).toBe(0);
      expect(tested.stdout).toMatch(
        new RegExp(`TEST SUITE:\\s+${FULLNAME}-selftest\\n[^]*Phase:\\s+Succeeded`),
      );
      // hook-succeeded: helm deleted the pod and the test's ServiceAccount and RBAC.
      await eventually(async () => {
        expect(
          await getObject(env, ['pod', `${FULLNAME}-selftest`, '-n', NAMESPACE]),
        ).toBeUndefined();
      });
      expect(await getObject(env, ['clusterrolebinding', `${FULLNAME}-selftest`])).toBeUndefined();
    },
  );
});

describe('helm test, profile-guard not called', () => {
  maybe('fails: the test pod fails, saying why, and helm reports it', async () => {
    // Without the webhook configurations (the suite's, put back afterwards) the API server
    // admits the Profile without asking profile-guard.
    await kubectlOk(env, [
      'delete',
      'validatingwebhookconfiguration/profile-guard',
      'mutatingwebhookconfiguration/profile-guard',
    ]);
    try {
      const [tested, played] = await Promise.all([
        helm(['test', RELEASE, '--namespace', NAMESPACE, '--timeout', '180s']),
        playHook(env, { kind: 'Pod', namespace: NAMESPACE, name: `${FULLNAME}-selftest` }),
      ]);
      expect(played.code).toBe(1);
      expect(played.stderr).toMatch(
        /^profile-guard selftest: FAIL \(\d+ attempts?\): admitted without any sign of profile-guard: the webhook configurations are missing/,
      );
      expect(tested.code).not.toBe(0);
      expect(tested.stdout).toMatch(
        new RegExp(`TEST SUITE:\\s+${FULLNAME}-selftest\\n[^]*Phase:\\s+Failed`),
      );
      // Nothing was stored.
      expect(await getObject(env, ['profile', 'profile-guard-selftest.invalid'])).toBeUndefined();
    } finally {
      await kubectlOk(env, ['apply', '-f', managed!.webhookConfigurations]);
      await waitForAdmission(env);
    }
  });
});

describe('helm upgrade (the pre-upgrade CRD hook)', () => {
  maybe(
    'applies the newer chart’s CRD before the upgrade, and the older one on the way back',
    async () => {
      const original = readFileSync(join(chart, CRD_FILE), 'utf8');
      const before = await crdDescription();
      expect(original).toContain(before);
      const upgradeTo = async (crd: string) => {
        writeFileSync(join(chart, CRD_FILE), crd);
        const [upgraded, played] = await Promise.all([
          helm([
            'upgrade',
            RELEASE,
            chart,
            '--namespace',
            NAMESPACE,
            '--timeout',
            '180s',
            ...values,
          ]),
          playHook(env, { kind: 'Job', namespace: NAMESPACE, name: `${FULLNAME}-crds` }),
        ]);
        expect(played.stderr).toBe('');
        expect(played.stdout.trim()).toBe(
          `customresourcedefinition.apiextensions.k8s.io/${CRD} serverside-applied`,
        );
        expect(errorLines(upgraded.stderr)).toEqual([]);
        expect(upgraded.code).toBe(0);
        expect(upgraded.stdout).toMatch(/has been upgraded/);
        // hook-succeeded: the Job and its account are gone.
        await eventually(async () => {
          expect(
            await getObject(env, ['job', `${FULLNAME}-crds`, '-n', NAMESPACE]),
          ).toBeUndefined();
        });
        expect(await getObject(env, ['clusterrole', `${FULLNAME}-crds`])).toBeUndefined();
      };

      // A newer chart whose CRD differs (here: its description); Helm itself would not apply it.
      await upgradeTo(original.replace(before, `${before} (upgraded)`));
      expect(await crdDescription()).toBe(`${before} (upgraded)`);
      const crd = JSON.parse(
        await kubectlOk(env, ['get', 'crd', CRD, '-o', 'json', '--show-managed-fields']),
      ) as KubeObject;
      const managers = (crd.metadata.managedFields as { manager: string }[]).map((f) => f.manager);
      expect(managers).toContain('profile-guard-crds');

      await upgradeTo(original);
      expect(await crdDescription()).toBe(before);
    },
  );
});

describe('helm uninstall with cleanup.enabled (the pre-delete and post-delete hooks)', () => {
  maybe(
    'deletes the webhook configurations before the release goes, and the LimitRanges after',
    async () => {
      const parts = managed!;
      const upgraded = await Promise.all([
        helm([
          'upgrade',
          RELEASE,
          chart,
          '--namespace',
          NAMESPACE,
          '--timeout',
          '180s',
          ...values,
          '--set',
          'cleanup.enabled=true',
        ]),
        playHook(env, { kind: 'Job', namespace: NAMESPACE, name: `${FULLNAME}-crds` }),
      ]);
      expect(upgraded[0].code).toBe(0);
      // A profile namespace, where the suite's serve keeps its LimitRange, and one of the team's.
      await kubectlOk(env, ['create', '-f', '-'], {
        input: JSON.stringify(profile(PROFILE_NAMESPACE, OWNER)),
      });
      const stored = await getObject(env, ['profile', PROFILE_NAMESPACE]);
      const objects = kubeflowObjects(PROFILE_NAMESPACE, stored?.metadata.uid ?? '', OWNER, OWNER);
      await kubectlOk(env, [
        'apply',
        '-f',
        scratch.write('profile-namespace.yaml', [objects.namespace]),
      ]);
      await kubectlOk(env, ['apply', '-f', '-'], {
        input: JSON.stringify({
          apiVersion: 'v1',
          kind: 'LimitRange',
          metadata: { name: 'team-defaults', namespace: PROFILE_NAMESPACE },
          spec: { limits: [{ type: 'Container', defaultRequest: { cpu: '100m' } }] },
        }),
      });
      await eventually(async () => {
        expect(
          await getObject(env, ['limitrange', 'profile-guard-defaults', '-n', PROFILE_NAMESPACE]),
        ).toBeDefined();
      });
      const webhookConfigurations = [
        'validatingwebhookconfiguration/profile-guard',
        'mutatingwebhookconfiguration/profile-guard',
      ];
      const deployment = () => getObject(env, ['deployment', FULLNAME, '-n', NAMESPACE]);

      // The suite's own webhook configurations are the ones named profile-guard: the pre-delete
      // hook deletes them, and they are put back afterwards.
      try {
        const [uninstalled, hooks] = await Promise.all([
          helm(['uninstall', RELEASE, '--namespace', NAMESPACE, '--timeout', '180s']),
          (async () => {
            // helm waits for the pre-delete Job before it deletes anything of the release.
            const preDeleteJob = ['job', `${FULLNAME}-cleanup-webhooks`, '-n', NAMESPACE];
            await eventually(
              async () => {
                expect(await getObject(env, preDeleteJob)).toBeDefined();
              },
              { timeoutMs: 120000 },
            );
            const releaseDuringPreDelete = await deployment();
            const preDelete = await playHook(env, {
              kind: 'Job',
              namespace: NAMESPACE,
              name: `${FULLNAME}-cleanup-webhooks`,
            });
            // ...and runs the post-delete Job once the release's objects are gone.
            const postDeleteJob = ['job', `${FULLNAME}-cleanup-limitranges`, '-n', NAMESPACE];
            await eventually(
              async () => {
                expect(await getObject(env, postDeleteJob)).toBeDefined();
              },
              { timeoutMs: 120000 },
            );
            const releaseDuringPostDelete = await deployment();
            const postDelete = await playHook(env, {
              kind: 'Job',
              namespace: NAMESPACE,
              name: `${FULLNAME}-cleanup-limitranges`,
            });
            return { preDelete, releaseDuringPreDelete, postDelete, releaseDuringPostDelete };
          })(),
        ]);
        installed = false;

        expect(hooks.preDelete.stderr).toBe('');
        expect(hooks.preDelete.stdout.split('\n').filter(Boolean).sort()).toEqual([
          'mutatingwebhookconfiguration.admissionregistration.k8s.io "profile-guard" deleted',
          'validatingwebhookconfiguration.admissionregistration.k8s.io "profile-guard" deleted',
        ]);
        expect(hooks.releaseDuringPreDelete).toBeDefined();
        expect(hooks.postDelete.stderr).toBe('');
        expect(hooks.postDelete.stdout).toContain(
          `limitrange "profile-guard-defaults" deleted from ${PROFILE_NAMESPACE} namespace`,
        );
        expect(hooks.releaseDuringPostDelete).toBeUndefined();
        expect(errorLines(uninstalled.stderr)).toEqual([]);
        expect(uninstalled.code).toBe(0);
        expect(uninstalled.stdout).toContain(`release "${RELEASE}" uninstalled`);

        for (const name of webhookConfigurations) {
          expect(await getObject(env, [name])).toBeUndefined();
        }
        // (The suite's serve, unlike a release's, still runs and writes its LimitRange again.)
        expect(
          await getObject(env, ['limitrange', 'team-defaults', '-n', PROFILE_NAMESPACE]),
        ).toBeDefined();
      } finally {
        await kubectlOk(env, ['apply', '-f', parts.webhookConfigurations]);
        await waitForAdmission(env);
      }
    },
  );
});
