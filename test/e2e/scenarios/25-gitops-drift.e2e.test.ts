import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { loadE2eEnv } from '../harness/e2e-env.js';
import { eventually } from '../harness/eventually.js';
import { getObject, kubectl, kubectlOk, type KubectlResult } from '../harness/kubectl.js';
import { kubeflowObjects } from '../harness/kubeflow-objects.js';
import { ScratchDir, profile, type Manifest } from '../harness/manifests.js';
import { embeddedDefaultSpec, profilePolicy } from '../harness/policies.js';

/**
 * GitOps without drift: a repository of Profiles and the bindings of their namespaces, applied the
 * way Flux's kustomize-controller applies it (server-side apply, field manager
 * `kustomize-controller`, forced conflicts) and the way Argo CD does (client-side apply), by those
 * controllers' own identities (bound to cluster-admin, as their installations do; not exempt from
 * the policy). Then `kubectl diff` (a server-side dry run through the webhooks) must exit 0: the
 * defaults the mutating webhook injects are no drift, also after the policy's defaults change.
 */
const env = loadE2eEnv();
const scratch = new ScratchDir();
const FLUX = {
  user: 'system:serviceaccount:flux-system:kustomize-controller',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:flux-system', 'system:authenticated'],
};
const ARGO = {
  user: 'system:serviceaccount:argocd:argocd-application-controller',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:argocd', 'system:authenticated'],
};
const POLICY = 'e2e-gitops-defaults';
/** How long a ProfilePolicy change may take to reach the webhook. */
const DEADLINE = { timeoutMs: 30000 };

const tools = {
  flux: {
    identity: FLUX,
    apply: ['apply', '--server-side', '--field-manager=kustomize-controller', '--force-conflicts'],
    diffs: [['diff', '--server-side', '--field-manager=kustomize-controller', '--force-conflicts']],
  },
  argo: {
    identity: ARGO,
    apply: ['apply', '--field-manager=argocd-controller'],
    // Argo CD's default comparison is a client-side three-way diff; its Server-Side Diff is a
    // server-side apply dry run. kubectl diff does both through the API server (and so the webhook).
    diffs: [
      ['diff'],
      ['diff', '--server-side', '--field-manager=argocd-controller', '--force-conflicts'],
    ],
  },
} as const;
type Tool = keyof typeof tools;

const names = (tool: Tool) => ({
  plain: `e2e-${tool}-plain`,
  partial: `e2e-${tool}-partial`,
  labelled: `e2e-${tool}-labelled`,
});

beforeAll(async () => {
  for (const [name, who] of [
    ['e2e-gitops-flux', FLUX],
    ['e2e-gitops-argo', ARGO],
  ] as const) {
    const binding: Manifest = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'cluster-admin',
      },
      subjects: [
        {
          kind: 'ServiceAccount',
          name: who.user.split(':')[3],
          namespace: who.user.split(':')[2],
        },
      ],
    };
    await kubectlOk(env, ['apply', '-f', '-'], { input: JSON.stringify(binding) });
  }
});

afterAll(async () => {
  await kubectl(env, ['delete', 'profilepolicy', POLICY, '--ignore-not-found']);
  const all = (['flux', 'argo'] as const).flatMap((tool) => Object.values(names(tool)));
  await kubectl(env, ['delete', 'profiles', ...all, '--ignore-not-found', '--wait=false']);
  await kubectl(env, ['delete', 'namespaces', ...all, '--ignore-not-found', '--wait=false']);
  await kubectl(env, [
    'delete',
    'clusterrolebinding',
    'e2e-gitops-flux',
    'e2e-gitops-argo',
    '--ignore-not-found',
  ]);
  scratch.remove();
});

/**
 * The repository: three Profiles (no quota at all, a partial quota, labels of their own) under
 * `profiles/`, and under `access/` a contributor's RoleBinding and AuthorizationPolicy in the first
 * one's namespace, shaped as Kubeflow's access management writes them.
 */
function writeRepository(tool: Tool): string {
  const n = names(tool);
  scratch.write(`${tool}/profiles/plain.yaml`, [profile(n.plain, 'alice@example.com')]);
  scratch.write(`${tool}/profiles/partial.yaml`, [
    profile(n.partial, 'bob@example.com', {
      spec: { resourceQuotaSpec: { hard: { cpu: '2', 'requests.nvidia.com/gpu': '1' } } },
    }),
  ]);
  scratch.write(`${tool}/profiles/labelled.yaml`, [
    profile(n.labelled, 'alice@example.com', {
      labels: { team: 'research', 'app.kubernetes.io/part-of': 'kubeflow-profile' },
    }),
  ]);
  const objects = kubeflowObjects(n.plain, 'unused', 'alice@example.com', 'bob@example.com');
  scratch.write(`${tool}/access/bob-edits-plain.yaml`, [
    objects.contributorBinding,
    objects.contributorAuthorizationPolicy,
  ]);
  return `${scratch.path}/${tool}`;
}

function run(tool: Tool, args: readonly string[], dir: string): Promise<KubectlResult> {
  return kubectl(env, [...args, '-R', '-f', dir], { impersonate: tools[tool].identity });
}

/** Every diff the tool makes; each must find nothing (exit 0, no output). */
async function expectNoDrift(tool: Tool, dir: string): Promise<void> {
  for (const diff of tools[tool].diffs) {
    const result = await run(tool, diff, dir);
    expect({ diff: diff.join(' '), ...result }).toEqual({
      diff: diff.join(' '),
      code: 0,
      stdout: '',
      stderr: '',
    });
  }
}

/** The profile controller's part (nothing runs it here): each Profile's Namespace. */
async function createNamespaces(tool: Tool): Promise<void> {
  for (const name of Object.values(names(tool))) {
    const stored = await getObject(env, ['profile', name]);
    const owner = (stored?.spec as { owner: { name: string } }).owner.name;
    const { namespace } = kubeflowObjects(name, stored?.metadata.uid ?? '', owner, 'nobody');
    await kubectlOk(env, ['create', '-f', '-'], { input: JSON.stringify(namespace) });
  }
}

async function versions(tool: Tool): Promise<Record<string, string | undefined>> {
  const out: Record<string, string | undefined> = {};
  for (const name of Object.values(names(tool))) {
    out[name] = (await getObject(env, ['profile', name]))?.metadata.resourceVersion;
  }
  return out;
}

async function hardOf(name: string): Promise<Record<string, string>> {
  const stored = await getObject(env, ['profile', name]);
  return (stored?.spec as { resourceQuotaSpec: { hard: Record<string, string> } }).resourceQuotaSpec
    .hard;
}

/** The default policy with other quota defaults (cpu 8, memory 32Gi) and extra labels. */
function policySpec(labels: Record<string, string>) {
  const spec = embeddedDefaultSpec();
  spec.profiles.quota.defaults = { ...spec.profiles.quota.defaults, cpu: '8', memory: '32Gi' };
  spec.profiles.labels = { ...spec.profiles.labels, ...labels };
  return spec;
}

/** Applies {@link policySpec} as a ProfilePolicy and waits until it governs. */
async function changeDefaults(labels: Record<string, string> = {}): Promise<void> {
  await kubectlOk(env, ['apply', '-f', '-'], {
    input: JSON.stringify(profilePolicy(POLICY, policySpec(labels))),
  });
  await eventually(async () => {
    const fresh = await kubectlOk(env, ['create', '--dry-run=server', '-o', 'json', '-f', '-'], {
      input: JSON.stringify(profile('e2e-gitops-probe', 'alice@example.com')),
    });
    const mutated = JSON.parse(fresh) as {
      metadata: { labels?: Record<string, string> };
      spec: { resourceQuotaSpec: { hard: Record<string, string> } };
    };
    expect(mutated.spec.resourceQuotaSpec.hard.cpu).toBe('8');
    expect(mutated.metadata.labels).toMatchObject(labels);
  }, DEADLINE);
}

describe.each(['flux', 'argo'] as const)('a GitOps repository synced as %s does', (tool) => {
  let dir: string;

  test('sync, then kubectl diff: the injected defaults are no drift', async () => {
    dir = writeRepository(tool);
    const first = await run(tool, tools[tool].apply, `${dir}/profiles`);
    expect(first.code).toBe(0);
    await createNamespaces(tool);
    const before = await versions(tool);

    const sync = await run(tool, tools[tool].apply, dir);

    expect(sync.stderr).toBe('');
    expect(sync.code).toBe(0);
    // The Profiles were not written again; the bindings were created.
    expect(await versions(tool)).toEqual(before);
    expect(await hardOf(names(tool).plain)).toEqual({
      cpu: '4',
      memory: '16Gi',
      persistentvolumeclaims: '10',
      'requests.storage': '100Gi',
    });
    const binding = kubeflowObjects(
      names(tool).plain,
      '',
      '',
      'bob@example.com',
    ).contributorBinding;
    const meta = binding.metadata as { name: string; namespace: string };
    expect(await getObject(env, ['rolebinding', meta.name, '-n', meta.namespace])).toBeDefined();
    expect(await hardOf(names(tool).partial)).toEqual({
      cpu: '2',
      'requests.nvidia.com/gpu': '1',
      memory: '16Gi',
      persistentvolumeclaims: '10',
      'requests.storage': '100Gi',
    });
    await expectNoDrift(tool, dir);
  });

  test('after the policy changes its quota defaults: stored Profiles keep theirs, still no drift', async () => {
    await changeDefaults();
    const before = await versions(tool);

    await expectNoDrift(tool, dir);

    expect(await hardOf(names(tool).plain)).toMatchObject({ cpu: '4', memory: '16Gi' });
    const again = await run(tool, tools[tool].apply, dir);
    expect(again.code).toBe(0);
    expect(await versions(tool)).toEqual(before);
    await kubectlOk(env, ['delete', 'profilepolicy', POLICY]);
  });
});

describe('a default the policy adds later (a new label)', () => {
  test('shows once, as the change the next sync makes, then no drift; nor from a ProfilePolicy in Git', async () => {
    const dir = `${scratch.path}/flux`;
    await changeDefaults({ 'example.com/cost-center': 'ml' });

    const pending = await run('flux', tools.flux.diffs[0], dir);

    expect(pending.code).toBe(1);
    const added = pending.stdout.split('\n').filter((line) => /^\+\s/.test(line));
    expect(added.map((line) => line.trim())).toEqual(
      Object.values(names('flux')).map(() => '+    example.com/cost-center: ml'),
    );
    expect((await run('flux', tools.flux.apply, dir)).code).toBe(0);
    await expectNoDrift('flux', dir);

    // The ProfilePolicy itself kept in Git: the CRD's defaults are no drift either.
    const policyDir = `${scratch.path}/flux-policy`;
    const stored = await getObject(env, ['profilepolicy', POLICY]);
    scratch.write('flux-policy/policy.yaml', [
      {
        apiVersion: stored?.apiVersion,
        kind: 'ProfilePolicy',
        metadata: { name: POLICY },
        spec: policySpec({ 'example.com/cost-center': 'ml' }),
      },
    ]);
    expect((await run('flux', tools.flux.apply, policyDir)).code).toBe(0);
    await expectNoDrift('flux', policyDir);
    await kubectlOk(env, ['delete', 'profilepolicy', POLICY]);
  });
});
