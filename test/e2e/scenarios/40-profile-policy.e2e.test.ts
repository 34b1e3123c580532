import { afterAll, afterEach, describe, expect, test } from '@jest/globals';

import { parseDenials, parseWarnings, ruleIds } from '../harness/admission.js';
import { loadE2eEnv } from '../harness/e2e-env.js';
import { eventually } from '../harness/eventually.js';
import { getObject, kubectl, kubectlOk } from '../harness/kubectl.js';
import { ScratchDir, profile } from '../harness/manifests.js';
import { embeddedDefaultSpec, profilePolicy } from '../harness/policies.js';

const env = loadE2eEnv();
const scratch = new ScratchDir();
/** How long a ProfilePolicy change may take to reach the webhook (through its watch). */
const POLICY_DEADLINE_MS = 20000;

afterEach(async () => {
  await kubectl(env, [
    'delete',
    'profilepolicies',
    '-l',
    'e2e.profile-guard.io/test',
    '--ignore-not-found',
  ]);
});

afterAll(async () => {
  // A failed run may leave the finalizer in place: release it so that the Profile goes.
  await kubectl(env, [
    'patch',
    'profile',
    'e2e-final',
    '--type=merge',
    '-p',
    '{"metadata":{"finalizers":null}}',
  ]);
  await kubectl(env, [
    'delete',
    'profiles',
    'e2e-transfer',
    'e2e-final',
    '--ignore-not-found',
    '--wait=false',
  ]);
  scratch.remove();
});

/** alice creates Profile `name` with --dry-run=server: the rule ids it is denied with ([] = allowed). */
async function deniedRules(name: string): Promise<string[]> {
  const result = await kubectl(env, ['create', '--dry-run=server', '-f', '-'], {
    as: 'alice',
    input: JSON.stringify(profile(name, 'alice@example.com')),
  });
  if (result.code === 0) return [];
  const denial = parseDenials(result.stderr)[0];
  if (denial === undefined) throw new Error(`not a webhook denial: ${result.stderr}`);
  return ruleIds(denial);
}

function applyPolicy(name: string, reserved: string[], reservedPrefixes: string[] = []) {
  const spec = embeddedDefaultSpec();
  spec.profiles.name.reserved.push(...reserved);
  spec.profiles.name.reservedPrefixes.push(...reservedPrefixes);
  const policy = profilePolicy(name, spec);
  (policy.metadata as { labels?: object }).labels = { 'e2e.profile-guard.io/test': 'policy' };
  return kubectl(env, ['apply', '-f', scratch.write(`${name}.yaml`, [policy])]);
}

describe('a ProfilePolicy object created, changed and deleted with kubectl', () => {
  test('takes effect within seconds each time', async () => {
    expect(await deniedRules('forbidden-x')).toEqual([]);

    const created = await applyPolicy('e2e-reserve', ['forbidden-x']);
    expect(created).toEqual({
      code: 0,
      stdout: 'profilepolicy.profile-guard.io/e2e-reserve created\n',
      stderr: '',
    });
    await eventually(
      async () => {
        expect(await deniedRules('forbidden-x')).toEqual(['profile-name-reserved']);
      },
      { timeoutMs: POLICY_DEADLINE_MS },
    );

    const changed = await applyPolicy('e2e-reserve', ['forbidden-y']);
    expect(changed.stdout).toBe('profilepolicy.profile-guard.io/e2e-reserve configured\n');
    await eventually(
      async () => {
        expect([await deniedRules('forbidden-x'), await deniedRules('forbidden-y')]).toEqual([
          [],
          ['profile-name-reserved'],
        ]);
      },
      { timeoutMs: POLICY_DEADLINE_MS },
    );

    const deleted = await kubectl(env, ['delete', 'profilepolicy', 'e2e-reserve']);
    expect(deleted.stdout).toBe('profilepolicy.profile-guard.io "e2e-reserve" deleted\n');
    await eventually(
      async () => {
        expect(await deniedRules('forbidden-y')).toEqual([]);
      },
      { timeoutMs: POLICY_DEADLINE_MS },
    );
    // The embedded default governs again.
    expect(await deniedRules('kubeflow')).toEqual(['profile-name-reserved']);
  });

  test('a policy the CRD schema refuses is rejected by the API server and changes nothing', async () => {
    const spec = { ...embeddedDefaultSpec(), defaultMode: 'Sometimes' };
    const file = scratch.write('invalid.yaml', [profilePolicy('e2e-invalid', spec)]);

    const result = await kubectl(env, ['apply', '-f', file]);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('spec.defaultMode');
    expect(await getObject(env, ['profilepolicy', 'e2e-invalid'])).toBeUndefined();
  });
});

describe('owner transfer', () => {
  const patch = JSON.stringify({ spec: { owner: { kind: 'User', name: 'bob@example.com' } } });

  test('the owner may not change spec.owner; the admin may', async () => {
    await kubectlOk(
      env,
      [
        'apply',
        '-f',
        scratch.write('transfer.yaml', [profile('e2e-transfer', 'alice@example.com')]),
      ],
      {
        as: 'alice',
      },
    );

    const byOwner = await kubectl(
      env,
      ['patch', 'profile', 'e2e-transfer', '--type=merge', '-p', patch],
      {
        as: 'alice',
      },
    );

    expect(byOwner.code).toBe(1);
    expect(byOwner.stdout).toBe('');
    const denials = parseDenials(byOwner.stderr);
    expect(denials.map((d) => [d.webhook, ruleIds(d)])).toEqual([
      ['profiles.validate.profile-guard.io', ['profile-owner-immutable']],
    ]);
    expect(denials[0]?.rules[0]?.message).toMatch(
      /^spec\.owner cannot change \(profiles\.owner\.allowTransfer is false\)/,
    );
    expect((await getObject(env, ['profile', 'e2e-transfer']))?.spec).toMatchObject({
      owner: { name: 'alice@example.com' },
    });

    const byAdmin = await kubectl(env, [
      'patch',
      'profile',
      'e2e-transfer',
      '--type=merge',
      '-p',
      patch,
    ]);

    expect(byAdmin).toEqual({
      code: 0,
      stdout: 'profile.kubeflow.org/e2e-transfer patched\n',
      stderr: '',
    });
    expect((await getObject(env, ['profile', 'e2e-transfer']))?.spec).toMatchObject({
      owner: { name: 'bob@example.com' },
    });
  });
});

describe('a Profile with a finalizer that a newer policy forbids', () => {
  test('can still be updated (with a warning), deleted, and have its finalizer removed', async () => {
    const held = profile('e2e-final', 'alice@example.com');
    (held.metadata as { finalizers?: string[] }).finalizers = ['e2e.profile-guard.io/hold'];
    await kubectlOk(env, ['create', '-f', scratch.write('final.yaml', [held])], { as: 'alice' });

    // Tighten: the Profile's name becomes reserved.
    expect((await applyPolicy('e2e-tighten', [], ['e2e-final'])).code).toBe(0);
    await eventually(
      async () => {
        expect(await deniedRules('e2e-final-probe')).toEqual(['profile-name-reserved']);
      },
      { timeoutMs: POLICY_DEADLINE_MS },
    );

    // An ordinary update: the violation was already there, so it only warns (ratcheting).
    const labelled = await kubectl(env, ['label', 'profile', 'e2e-final', 'team=ml'], {
      as: 'alice',
    });
    expect(labelled.code).toBe(0);
    expect(labelled.stdout).toBe('profile.kubeflow.org/e2e-final labeled\n');
    expect(parseWarnings(labelled.stderr).map((w) => w.id)).toEqual(['profile-name-reserved']);

    const deleted = await kubectl(env, ['delete', 'profile', 'e2e-final', '--wait=false'], {
      as: 'alice',
    });
    expect(deleted).toEqual({
      code: 0,
      stdout: 'profile.kubeflow.org "e2e-final" deleted\n',
      stderr: '',
    });
    expect(
      (await getObject(env, ['profile', 'e2e-final']))?.metadata.deletionTimestamp,
    ).toBeDefined();

    // What the profile controller does last: remove its finalizer with an UPDATE.
    const released = await kubectl(
      env,
      [
        'patch',
        'profile',
        'e2e-final',
        '--type=json',
        '-p',
        '[{"op":"remove","path":"/metadata/finalizers"}]',
      ],
      { as: 'alice' },
    );
    expect(released.code).toBe(0);
    expect(released.stdout).toBe('profile.kubeflow.org/e2e-final patched\n');
    expect(parseDenials(released.stderr)).toEqual([]);
    await eventually(
      async () => {
        expect(await getObject(env, ['profile', 'e2e-final'])).toBeUndefined();
      },
      { timeoutMs: 10000 },
    );
  });
});
