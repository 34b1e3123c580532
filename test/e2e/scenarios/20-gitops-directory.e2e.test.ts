import { afterAll, describe, expect, test } from '@jest/globals';

import { parseDenials, parseWarnings, ruleIds } from '../harness/admission.js';
import { loadE2eEnv, type E2eEnv } from '../harness/e2e-env.js';
import { kubectl, kubectlOk, listObjects } from '../harness/kubectl.js';
import { ScratchDir, profile } from '../harness/manifests.js';

const env = loadE2eEnv();
const scratch = new ScratchDir();
const prefixes = ['e2e-gitops-', 'kube-gitops-', 'e2e-ssa-', 'kube-ssa-'];

afterAll(async () => {
  const names = (await profileVersions(env)).keys();
  const ours = [...names].filter((name) => prefixes.some((prefix) => name.startsWith(prefix)));
  if (ours.length > 0) {
    await kubectl(env, ['delete', 'profiles', ...ours, '--ignore-not-found', '--wait=false']);
  }
  scratch.remove();
});

/** name -> resourceVersion of every Profile in the cluster. */
async function profileVersions(e: E2eEnv): Promise<Map<string, string>> {
  const items = await listObjects(e, ['profiles']);
  return new Map(items.map((item) => [item.metadata.name, item.metadata.resourceVersion ?? '']));
}

/**
 * A repository directory as a GitOps tool syncs it: good, warned, denied and already-applied
 * Profiles, one per file plus one multi-document file. `p` prefixes the names that can land,
 * `r` the reserved ones.
 */
function writeRepository(dir: string, p: string, r: string): void {
  scratch.write(`${dir}/a-good.yaml`, [profile(`${p}good-a`, 'alice@example.com')]);
  scratch.write(`${dir}/b-warned.yaml`, [profile(`${p}warned-b`, 'Bob@example.com')]);
  scratch.write(`${dir}/c-reserved.yaml`, [profile(`${r}reserved-c`, 'alice@example.com')]);
  scratch.write(`${dir}/d-bad-owner.yaml`, [profile(`${p}bad-owner-d`, 'team-d')]);
  scratch.write(`${dir}/e-existing.yaml`, [profile(`${p}existing-e`, 'bob@example.com')]);
  scratch.write(`${dir}/f-mixed.yaml`, [
    profile(`${p}good-f`, 'bob@example.com'),
    profile(`${p}bad-quota-f`, 'bob@example.com', {
      spec: { resourceQuotaSpec: { hard: { cpu: '1000' } } },
    }),
  ]);
}

describe('a directory of mixed manifests applied as a GitOps tool does', () => {
  test('kubectl apply -f dir/: the good ones land, the bad ones are reported, nothing else changes', async () => {
    writeRepository('repo', 'e2e-gitops-', 'kube-gitops-');
    const dir = `${scratch.path}/repo`;
    await kubectlOk(env, ['apply', '-f', `${dir}/e-existing.yaml`], { as: 'alice' });
    const before = await profileVersions(env);

    const result = await kubectl(env, ['apply', '-f', `${dir}/`], { as: 'alice' });

    expect(result.code).toBe(1);
    expect(result.stdout.split('\n').filter(Boolean).sort()).toEqual([
      'profile.kubeflow.org/e2e-gitops-existing-e unchanged',
      'profile.kubeflow.org/e2e-gitops-good-a created',
      'profile.kubeflow.org/e2e-gitops-good-f created',
      'profile.kubeflow.org/e2e-gitops-warned-b created',
    ]);
    expect(parseWarnings(result.stderr).map((warning) => warning.id)).toEqual([
      'profile-owner-lowercase',
    ]);
    const denials = parseDenials(result.stderr);
    expect(
      denials.map((denial) => [
        denial.file?.slice(dir.length + 1),
        denial.webhook,
        ruleIds(denial),
      ]),
    ).toEqual([
      ['c-reserved.yaml', 'profiles.validate.profile-guard.io', ['profile-name-reserved']],
      ['d-bad-owner.yaml', 'profiles.validate.profile-guard.io', ['profile-owner-format']],
      ['f-mixed.yaml', 'profiles.validate.profile-guard.io', ['profile-quota-max']],
    ]);
    expect(denials.every((denial) => denial.verb === 'creating')).toBe(true);

    const after = await profileVersions(env);
    const landed = ['e2e-gitops-good-a', 'e2e-gitops-good-f', 'e2e-gitops-warned-b'];
    expect([...after.keys()].sort()).toEqual([...before.keys(), ...landed].sort());
    for (const [name, version] of before) expect([name, after.get(name)]).toEqual([name, version]);

    // The next sync changes nothing and reports the same denials.
    const again = await kubectl(env, ['apply', '-f', `${dir}/`], { as: 'alice' });
    expect(again.code).toBe(1);
    expect(again.stdout.split('\n').filter(Boolean).sort()).toEqual([
      'profile.kubeflow.org/e2e-gitops-existing-e unchanged',
      'profile.kubeflow.org/e2e-gitops-good-a unchanged',
      'profile.kubeflow.org/e2e-gitops-good-f unchanged',
      'profile.kubeflow.org/e2e-gitops-warned-b unchanged',
    ]);
    expect(parseDenials(again.stderr).map((denial) => denial.rules)).toEqual(
      denials.map((denial) => denial.rules),
    );
    expect(await profileVersions(env)).toEqual(after);
  });

  test('kubectl apply --server-side -f dir/: the same outcome, and a second sync is a no-op', async () => {
    writeRepository('repo-ssa', 'e2e-ssa-', 'kube-ssa-');
    const dir = `${scratch.path}/repo-ssa`;
    await kubectlOk(env, ['apply', '--server-side', '-f', `${dir}/e-existing.yaml`], {
      as: 'alice',
    });
    const before = await profileVersions(env);

    const result = await kubectl(env, ['apply', '--server-side', '-f', `${dir}/`], { as: 'alice' });

    expect(result.code).toBe(1);
    expect(result.stdout.split('\n').filter(Boolean).sort()).toEqual([
      'profile.kubeflow.org/e2e-ssa-existing-e serverside-applied',
      'profile.kubeflow.org/e2e-ssa-good-a serverside-applied',
      'profile.kubeflow.org/e2e-ssa-good-f serverside-applied',
      'profile.kubeflow.org/e2e-ssa-warned-b serverside-applied',
    ]);
    const denials = parseDenials(result.stderr);
    expect(denials.map((denial) => [denial.webhook, ruleIds(denial)])).toEqual([
      ['profiles.validate.profile-guard.io', ['profile-name-reserved']],
      ['profiles.validate.profile-guard.io', ['profile-owner-format']],
      ['profiles.validate.profile-guard.io', ['profile-quota-max']],
    ]);
    expect(denials[0]?.rules[0]?.message).toBe(
      'metadata.name "kube-ssa-reserved-c" starts with the reserved prefix "kube-"',
    );

    const after = await profileVersions(env);
    const landed = ['e2e-ssa-good-a', 'e2e-ssa-good-f', 'e2e-ssa-warned-b'];
    expect([...after.keys()].sort()).toEqual([...before.keys(), ...landed].sort());
    for (const [name, version] of before) expect([name, after.get(name)]).toEqual([name, version]);

    // Server-side apply of an unchanged repository: no write, so no new resourceVersion, even
    // though the mutating webhook added fields the manifests do not have.
    const again = await kubectl(env, ['apply', '--server-side', '-f', `${dir}/`], { as: 'alice' });
    expect(again.code).toBe(1);
    expect(parseDenials(again.stderr)).toHaveLength(3);
    expect(await profileVersions(env)).toEqual(after);
  });
});
