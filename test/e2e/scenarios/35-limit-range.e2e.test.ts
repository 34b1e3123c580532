import { afterAll, describe, expect, test } from '@jest/globals';

import { loadE2eEnv } from '../harness/e2e-env.js';
import { eventually } from '../harness/eventually.js';
import { getObject, kubectl, kubectlOk, type KubeObject } from '../harness/kubectl.js';
import { kubeflowObjects } from '../harness/kubeflow-objects.js';
import { profile, type Manifest } from '../harness/manifests.js';
import { embeddedDefaultSpec, profilePolicy } from '../harness/policies.js';

const env = loadE2eEnv();
const NAME = 'e2e-limit-range';
const OWNER = 'alice@example.com';
const POLICY = 'e2e-limit-range';
const SELECTOR = { 'e2e.profile-guard.io/limit-range': 'custom' };
/** How long a change may take to reach the reconciler (watches) and be written. */
const DEADLINE = { timeoutMs: 30000 };

afterAll(async () => {
  await kubectl(env, ['delete', 'profilepolicy', POLICY, '--ignore-not-found']);
  await kubectl(env, ['delete', 'profile', NAME, '--ignore-not-found', '--wait=false']);
  // No namespace controller runs: the namespace stays Terminating, which the reconciler skips.
  await kubectl(env, ['delete', 'namespace', NAME, '--ignore-not-found', '--wait=false']);
});

/**
 * The namespace and quota the Kubeflow profile controller makes for a Profile: the Namespace
 * (owned by the Profile) and the ResourceQuota `kf-resource-quota` whose spec is the Profile's
 * `spec.resourceQuotaSpec` (kubeflow/kubeflow components/profile-controller/controllers/
 * profile_controller.go, `KFQUOTA`). No controller-manager runs here, so the quota's status (what
 * ResourceQuota admission reads) is written as its controller would: hard as in the spec, nothing
 * used yet.
 */
async function profileNamespace(stored: KubeObject): Promise<Record<string, string>> {
  const spec = stored.spec as { resourceQuotaSpec: { hard: Record<string, string> } };
  const hard = spec.resourceQuotaSpec.hard;
  const { namespace } = kubeflowObjects(NAME, stored.metadata.uid ?? '', OWNER, 'bob@example.com');
  await kubectlOk(env, ['create', '-f', '-'], { input: JSON.stringify(namespace) });
  const quota: Manifest = {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name: 'kf-resource-quota', namespace: NAME },
    spec: { hard },
  };
  await kubectlOk(env, ['create', '-f', '-'], { input: JSON.stringify(quota) });
  const used = Object.fromEntries(Object.keys(hard).map((key) => [key, '0']));
  await kubectlOk(env, [
    'patch',
    'resourcequota',
    'kf-resource-quota',
    '-n',
    NAME,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({ status: { hard, used } }),
  ]);
  return hard;
}

let pods = 0;
/** Creates a pod whose one container declares no resources at all; the API server's answer. */
function requestLessPod() {
  pods += 1;
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `no-requests-${pods}`, namespace: NAME },
    spec: { containers: [{ name: 'step', image: 'registry.k8s.io/pause:3.10' }] },
  };
  return kubectl(env, ['create', '-o', 'json', '-f', '-'], { input: JSON.stringify(pod) });
}

function ours(): Promise<KubeObject | undefined> {
  return getObject(env, ['limitrange', 'profile-guard-defaults', '-n', NAME]);
}

const limitsOf = (object: KubeObject | undefined) =>
  (object?.spec as { limits: unknown[] } | undefined)?.limits;

function applyPolicy(limitRange: Record<string, unknown>) {
  const spec = { ...embeddedDefaultSpec(), selector: { matchLabels: SELECTOR } };
  const policy = profilePolicy(POLICY, spec) as { spec: { profiles: Record<string, unknown> } };
  policy.spec.profiles.limitRange = limitRange;
  return kubectlOk(env, ['apply', '-f', '-'], { input: JSON.stringify(policy) });
}

describe('LimitRange defaults in profile namespaces (LimitRanger + ResourceQuota admission)', () => {
  test('a pod without requests is admitted into a profile namespace with the injected quota', async () => {
    await kubectlOk(env, ['create', '-f', '-'], { input: JSON.stringify(profile(NAME, OWNER)) });
    const stored = await getObject(env, ['profile', NAME]);
    const hard = await profileNamespace(stored!);
    // The quota is the one the mutating webhook injected.
    expect(hard).toMatchObject({ cpu: '4', memory: '16Gi' });

    const limitRange = await eventually(async () => {
      const found = await ours();
      expect(found).toBeDefined();
      return found!;
    }, DEADLINE);
    expect(limitRange.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'profile-guard' });
    expect(limitsOf(limitRange)).toEqual([
      { type: 'Container', defaultRequest: { cpu: '100m', memory: '256Mi' } },
    ]);
    // Written by server-side apply only, by profile-guard's field manager.
    const withFields = await getObject(env, [
      'limitrange',
      'profile-guard-defaults',
      '-n',
      NAME,
      '--show-managed-fields',
    ]);
    const managed = withFields?.metadata.managedFields as { manager: string; operation: string }[];
    expect(managed.map((entry) => `${entry.manager} ${entry.operation}`)).toEqual([
      'profile-guard Apply',
    ]);

    // The API server's LimitRanger may see the new object a moment after the watch did.
    const created = await eventually(async () => {
      const result = await requestLessPod();
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      return JSON.parse(result.stdout) as KubeObject;
    }, DEADLINE);
    const containers = (created.spec as { containers: { resources: unknown }[] }).containers;
    expect(containers[0]?.resources).toEqual({ requests: { cpu: '100m', memory: '256Mi' } });
    expect(created.metadata.annotations?.['kubernetes.io/limit-ranger']).toBe(
      'LimitRanger plugin set: cpu, memory request for container step',
    );
  });

  test('a changed policy (a selector policy governing the Profile) updates it', async () => {
    await applyPolicy({ defaultRequest: { cpu: '200m', memory: '300Mi' } });
    await kubectlOk(env, [
      'label',
      'profile',
      NAME,
      ...Object.entries(SELECTOR).map(([key, value]) => `${key}=${value}`),
    ]);

    await eventually(async () => {
      expect(limitsOf(await ours())).toEqual([
        { type: 'Container', defaultRequest: { cpu: '200m', memory: '300Mi' } },
      ]);
    }, DEADLINE);
  });

  test('turned off, the LimitRange goes and a pod without requests is rejected', async () => {
    await applyPolicy({ enabled: false });

    await eventually(async () => {
      expect(await ours()).toBeUndefined();
    }, DEADLINE);
    const refused = await eventually(async () => {
      const result = await requestLessPod();
      expect(result.code).toBe(1);
      return result;
    }, DEADLINE);
    expect(refused.stderr).toMatch(
      /^Error from server \(Forbidden\): .*failed quota: kf-resource-quota: must specify cpu for: step; memory for: step/,
    );
  });

  test("it steps back for a resource the admin's own LimitRange defaults, and never touches that one", async () => {
    const admins: Manifest = {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'team-defaults', namespace: NAME },
      spec: { limits: [{ type: 'Container', defaultRequest: { cpu: '500m' } }] },
    };
    await kubectlOk(env, ['create', '-f', '-'], { input: JSON.stringify(admins) });
    const before = await getObject(env, ['limitrange', 'team-defaults', '-n', NAME]);
    await applyPolicy({ defaultRequest: { cpu: '200m', memory: '300Mi' } });

    await eventually(async () => {
      expect(limitsOf(await ours())).toEqual([
        { type: 'Container', defaultRequest: { memory: '300Mi' } },
      ]);
    }, DEADLINE);
    const created = await eventually(async () => {
      const result = await requestLessPod();
      expect(result.code).toBe(0);
      const pod = JSON.parse(result.stdout) as KubeObject;
      const [container] = (pod.spec as { containers: { resources: unknown }[] }).containers;
      // cpu from the admin's LimitRange, memory from profile-guard's.
      expect(container?.resources).toEqual({ requests: { cpu: '500m', memory: '300Mi' } });
      return pod;
    }, DEADLINE);
    expect(created.metadata.name).toMatch(/^no-requests-/);

    const after = await getObject(env, ['limitrange', 'team-defaults', '-n', NAME]);
    expect(after?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
  });
});
