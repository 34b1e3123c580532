import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { KNOWN_BAD_PROFILE } from '../harness/admission.js';
import { REPO_DIR, loadE2eEnv } from '../harness/e2e-env.js';
import { eventually } from '../harness/eventually.js';
import { kubectl, kubectlOk } from '../harness/kubectl.js';
import { ScratchDir, profile, type Manifest } from '../harness/manifests.js';
import {
  NATIVE_OFF,
  disableNative,
  enableNative,
  nativeObjects,
  restartWebhook,
  webhookUser,
  NATIVE_DENIAL,
} from '../harness/native.js';
import { embeddedDefaultSpec, profilePolicy } from '../harness/policies.js';
import { readServeMetrics } from '../harness/serve-metrics.js';

const env = loadE2eEnv();
const scratch = new ScratchDir();
const managed = env.managed !== undefined;
const describeManaged = managed ? describe : describe.skip;

const ENFORCE = 'ValidatingAdmissionPolicy/profile-guard-profiles-enforce';
const EMBEDDED_SET = [
  'MutatingAdmissionPolicy/profile-guard-profiles-defaults',
  ENFORCE,
  'ValidatingAdmissionPolicy/profile-guard-profiles-ratcheted',
  'ValidatingAdmissionPolicy/profile-guard-profiles-warn',
];
/** kubectl's words for a denial by the native Enforce policy. */
const POLICIES = ['e2e-native-fallback', 'e2e-native-team', 'e2e-native-gpu'];
/** A name only the test's selector-less policy reserves. */
const RESERVED = 'e2e-native-reserved';

let replica: ChildProcess | undefined;

/** The selector-less policy: the embedded default, plus one reserved name. */
function fallbackPolicy(extra: Record<string, unknown> = {}): Manifest {
  const spec = embeddedDefaultSpec();
  spec.profiles.name.reserved.push(RESERVED);
  return profilePolicy(POLICIES[0]!, { ...spec, priority: 1, ...extra });
}

/** A policy with a label selector: the embedded default, which does not reserve that name. */
function selectorPolicy(name: string, selector: Record<string, unknown>): Manifest {
  return profilePolicy(name, { ...embeddedDefaultSpec(), selector } as never);
}

/** `kubectl create --dry-run=server` of a Profile as alice (exempt from nothing). */
function tryProfile(name: string, labels: Record<string, string>) {
  return kubectl(env, ['create', '--dry-run=server', '-o', 'name', '-f', '-'], {
    as: 'alice',
    input: JSON.stringify(profile(name, 'alice@example.com', { labels })),
  });
}

async function metric(port: number, pattern: RegExp): Promise<number | undefined> {
  const body = await readServeMetrics(port).catch(() => '');
  const match = pattern.exec(body);
  return match === null ? undefined : Number(match[1]);
}

describeManaged('native admission policies kept in step by serve (--native-policies on)', () => {
  beforeAll(async () => {
    await enableNative(env);
  }, 180000);

  afterAll(async () => {
    if (replica?.exitCode === null) replica.kill('SIGTERM');
    await kubectl(env, ['delete', 'profilepolicies', ...POLICIES, '--ignore-not-found']);
    await disableNative(env);
    scratch.remove();
  }, 180000);

  test('serve writes the embedded default as native policies by server-side apply; the chart binds them', async () => {
    const objects = await eventually(async () => {
      const found = await nativeObjects(env);
      expect([...found.keys()].sort()).toEqual(EMBEDDED_SET);
      return found;
    });
    for (const object of objects.values()) {
      expect(object.metadata.annotations).toMatchObject({ 'profile-guard.io/policy': 'default' });
      expect(object.metadata.managedFields).toEqual([
        expect.objectContaining({ manager: 'profile-guard-native', operation: 'Apply' }),
      ]);
    }
    // The API server acts on them: the reserved name is refused by the native policy, which runs
    // before the validating webhook.
    await eventually(async () => {
      const result = await kubectl(env, ['create', '--dry-run=server', '-f', '-'], {
        as: 'alice',
        input: JSON.stringify(KNOWN_BAD_PROFILE),
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `${NATIVE_DENIAL}profile-name-reserved: metadata.name "kubeflow"`,
      );
    });
  });

  test('several ProfilePolicies: the selector-less one governs natively, Profiles a selector could pick are left to the webhook', async () => {
    await kubectlOk(env, [
      'apply',
      '-f',
      scratch.write('policies.yaml', [
        fallbackPolicy(),
        selectorPolicy(POLICIES[1]!, { matchLabels: { team: 'a' } }),
        selectorPolicy(POLICIES[2]!, {
          matchExpressions: [
            { key: 'gpu', operator: 'Exists' },
            { key: 'tier', operator: 'NotIn', values: ['free'] },
            { key: 'zone', operator: 'In', values: ['eu', 'us'] },
            { key: 'legacy', operator: 'DoesNotExist' },
          ],
        }),
      ]),
    ]);
    // [labels, matched by a selector (so left to the webhook)]
    const cases: [Record<string, string>, boolean][] = [
      [{}, false],
      [{ team: 'a' }, true],
      [{ team: 'b' }, false],
      [{ gpu: '1', zone: 'eu' }, true],
      [{ gpu: '1', zone: 'us', tier: 'paid' }, true],
      [{ gpu: '1', zone: 'eu', tier: 'free' }, false],
      [{ gpu: '1', zone: 'asia' }, false],
      [{ gpu: '1', zone: 'eu', legacy: 'yes' }, false],
      [{ zone: 'eu' }, false],
    ];
    await eventually(
      async () => {
        const enforce = (await nativeObjects(env)).get(ENFORCE);
        expect(enforce?.metadata.annotations).toMatchObject({
          'profile-guard.io/policy': POLICIES[0],
        });
        for (const [labels, selected] of cases) {
          const result = await tryProfile(RESERVED, labels);
          // The native policy runs before the webhook: a request it matches is denied with its
          // message; one its match condition leaves out reaches the webhook, which denies it too
          // (a tenant's new labels never choose her policy, so the selector-less one governs).
          const decidedBy = result.stderr.includes(`${NATIVE_DENIAL}profile-name-reserved`)
            ? 'native'
            : result.stderr.includes(
                  'admission webhook "profiles.validate.profile-guard.io" denied the request',
                )
              ? 'webhook'
              : result.stderr;
          expect([JSON.stringify(labels), result.code, decidedBy]).toEqual([
            JSON.stringify(labels),
            1,
            selected ? 'webhook' : 'native',
          ]);
        }
      },
      { timeoutMs: 60000, intervalMs: 1000 },
    );
    const enforce = (await nativeObjects(env)).get(ENFORCE);
    expect(enforce?.spec.matchConditions).toEqual([
      expect.objectContaining({ name: 'not-governed-by-a-selector-policy' }),
    ]);
  });

  test('a policy change rewrites them and removes what it no longer generates; without policies the embedded default returns', async () => {
    await kubectlOk(env, [
      'apply',
      '-f',
      scratch.write('warn.yaml', [fallbackPolicy({ defaultMode: 'Warn', ruleModes: {} })]),
    ]);
    await eventually(async () => {
      expect([...(await nativeObjects(env)).keys()].sort()).toEqual([
        'MutatingAdmissionPolicy/profile-guard-profiles-defaults',
        'ValidatingAdmissionPolicy/profile-guard-profiles-warn',
      ]);
    });
    // Every rule warns now: the reserved name is created, with the native policy's warning.
    await eventually(async () => {
      const result = await tryProfile(RESERVED, {});
      expect(result.code).toBe(0);
      expect(result.stderr).toContain(
        "Warning: Validation failed for ValidatingAdmissionPolicy 'profile-guard-profiles-warn' with binding 'profile-guard-profiles-warn': profile-name-reserved: ",
      );
    });

    await kubectlOk(env, ['delete', 'profilepolicies', ...POLICIES]);
    await eventually(async () => {
      const objects = await nativeObjects(env);
      expect([...objects.keys()].sort()).toEqual(EMBEDDED_SET);
      expect(objects.get(ENFORCE)?.metadata.annotations).toMatchObject({
        'profile-guard.io/policy': 'default',
      });
      // Every object rewritten without the selector policies' match condition (the mutation
      // keeps its own: it runs only when a default is missing).
      for (const [key, object] of objects) {
        const conditions = (object.spec.matchConditions ?? []) as { name: string }[];
        expect([key, conditions.map((condition) => condition.name)]).toEqual([
          key,
          key.startsWith('MutatingAdmissionPolicy/') ? ['profile-defaults-missing'] : [],
        ]);
      }
    });
  });

  test('a second replica converges on the same objects without writing them', async () => {
    const before = await nativeObjects(env);
    const versions = (objects: typeof before) =>
      [...objects].map(([key, object]) => `${key}@${String(object.metadata.resourceVersion)}`);
    const stateDir = env.managed!.stateDir;
    replica = spawn(
      process.execPath,
      [
        join(REPO_DIR, 'dist/cli/bin.js'),
        'serve',
        '--kubeconfig',
        join(stateDir, 'webhook', 'kubeconfig'),
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        '--metrics-port',
        '0',
        '--native-policies',
        'on',
        '--native-prefix',
        'profile-guard',
        '--log-level',
        'warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TMPDIR: scratch.path } },
    );
    let stderr = '';
    replica.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const port = await eventually(() => {
      const found = /metrics: http:\/\/localhost:(\d+)/.exec(stderr);
      expect(found).not.toBeNull();
      return Promise.resolve(Number(found?.[1]));
    });
    await eventually(async () => {
      expect(
        await metric(port, /^profile_guard_native_sync_total\{result="converged"\} (\d+)$/m),
      ).toBeGreaterThanOrEqual(1);
    });
    expect(
      await metric(port, /^profile_guard_native_writes_total\{[^}]*\} (\d+)$/m),
    ).toBeUndefined();
    expect(versions(await nativeObjects(env))).toEqual(versions(before));
    replica.kill('SIGTERM');
  });

  test('its service account may write those policies by name only: no other name, no binding, no POST', async () => {
    const as = { impersonate: { user: webhookUser(env) } };
    const policy = (name: string): Manifest => ({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name, labels: { 'profile-guard.io/native-set': 'profile-guard' } },
      spec: {
        matchConstraints: {
          resourceRules: [
            { apiGroups: ['*'], apiVersions: ['*'], operations: ['CREATE'], resources: ['*'] },
          ],
        },
        validations: [{ expression: 'false' }],
      },
    });
    const apply = (manifest: Manifest) =>
      kubectl(env, ['apply', '--server-side', '--field-manager=e2e', '-f', '-'], {
        ...as,
        input: JSON.stringify(manifest),
      });
    const other = await apply(policy('e2e-not-ours'));
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('cannot patch resource "validatingadmissionpolicies"');
    const binding = await apply({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: 'profile-guard-profiles-audit' },
      spec: { policyName: 'profile-guard-profiles-audit', validationActions: ['Deny'] },
    });
    expect(binding.code).toBe(1);
    expect(binding.stderr).toContain('cannot patch resource "validatingadmissionpolicybindings"');
    const post = await kubectl(env, ['create', '-f', '-'], {
      ...as,
      input: JSON.stringify(policy('profile-guard-profiles-audit')),
    });
    expect(post.code).toBe(1);
    expect(post.stderr).toContain('cannot create resource "validatingadmissionpolicies"');
    // A server-side apply that creates one of its names is a create of that name: allowed. (Its
    // binding is the chart's, restricted to Profiles, whatever the policy matches.)
    const own = await apply(policy('profile-guard-profiles-audit'));
    expect(own).toMatchObject({ code: 0 });
    expect(
      await kubectl(env, [
        'create',
        'configmap',
        'e2e-native-probe',
        '-n',
        'default',
        '--dry-run=server',
      ]),
    ).toMatchObject({ code: 0 });
    // The sync removes it again: it is not generated from the policy in force.
    await eventually(
      async () => {
        expect([...(await nativeObjects(env)).keys()].sort()).toEqual(EMBEDDED_SET);
      },
      { timeoutMs: 90000, intervalMs: 1000 },
    );
  });

  test('--native-policies off removes them', async () => {
    await restartWebhook(env, NATIVE_OFF);
    await eventually(async () => {
      expect([...(await nativeObjects(env)).keys()]).toEqual([]);
    });
  });
});
