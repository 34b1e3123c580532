import { afterAll, describe, expect, test } from '@jest/globals';

import { parseDenials, parseWarnings, ruleIds } from '../harness/admission.js';
import { loadE2eEnv } from '../harness/e2e-env.js';
import { eventsAbout } from '../harness/events.js';
import { eventually } from '../harness/eventually.js';
import { getObject, kubectl } from '../harness/kubectl.js';
import { ScratchDir, profile } from '../harness/manifests.js';

const env = loadE2eEnv();
const scratch = new ScratchDir();
const created = ['e2e-apply-valid', 'e2e-apply-warn', 'e2e-apply-dry'];

/** What the embedded default policy injects into every Profile. */
const DEFAULT_QUOTA = {
  cpu: '4',
  memory: '16Gi',
  persistentvolumeclaims: '10',
  'requests.storage': '100Gi',
};
const DEFAULT_LABELS = { 'app.kubernetes.io/part-of': 'kubeflow-profile' };
/** Names of Events are per run: Events outlive the test (and the webhook deduplicates them). */
const RUN = Date.now().toString(36).slice(-5);

afterAll(async () => {
  await kubectl(env, ['delete', 'profiles', ...created, '--ignore-not-found', '--wait=false']);
  scratch.remove();
});

describe('kubectl apply of a Profile', () => {
  test('a valid Profile is created with the default quota and labels; applying it again changes nothing', async () => {
    const file = scratch.write('valid.yaml', [profile('e2e-apply-valid', 'alice@example.com')]);

    const first = await kubectl(env, ['apply', '-f', file], { as: 'alice' });
    expect(first).toEqual({
      code: 0,
      stdout: 'profile.kubeflow.org/e2e-apply-valid created\n',
      stderr: '',
    });

    const stored = await getObject(env, ['profile', 'e2e-apply-valid']);
    expect(stored?.metadata.labels).toEqual(DEFAULT_LABELS);
    expect(stored?.spec).toEqual({
      owner: { kind: 'User', name: 'alice@example.com' },
      resourceQuotaSpec: { hard: DEFAULT_QUOTA },
    });

    const second = await kubectl(env, ['apply', '-f', file], { as: 'alice' });
    expect(second).toEqual({
      code: 0,
      stdout: 'profile.kubeflow.org/e2e-apply-valid unchanged\n',
      stderr: '',
    });
    const after = await getObject(env, ['profile', 'e2e-apply-valid']);
    expect(after?.metadata.resourceVersion).toBe(stored?.metadata.resourceVersion);
    expect(after?.metadata.generation).toBe(stored?.metadata.generation);
  });

  test('a Profile breaking two rules is denied with both, and is not stored', async () => {
    const file = scratch.write('denied.yaml', [profile('kubeflow', 'not-an-email')]);

    const result = await kubectl(env, ['apply', '-f', file], { as: 'alice' });

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `Error from server (Forbidden): error when creating "${file}": admission webhook ` +
        '"profiles.validate.profile-guard.io" denied the request: ' +
        'profile-name-reserved: metadata.name "kubeflow" is a reserved name; ' +
        'profile-owner-format: spec.owner.name "not-an-email" is not an e-mail address (user@example.com)\n',
    );
    expect(await getObject(env, ['profile', 'kubeflow'])).toBeUndefined();
  });

  test('a Warn-mode rule is printed as a kubectl warning and the Profile is created', async () => {
    const file = scratch.write('warn.yaml', [profile('e2e-apply-warn', 'Alice@example.com')]);

    const result = await kubectl(env, ['apply', '-f', file], { as: 'alice' });

    expect(result.code).toBe(0);
    expect(result.stdout).toBe('profile.kubeflow.org/e2e-apply-warn created\n');
    expect(parseWarnings(result.stderr)).toEqual([
      {
        id: 'profile-owner-lowercase',
        message:
          'spec.owner.name "Alice@example.com" has upper-case letters; RBAC user names are ' +
          'case-sensitive, use "alice@example.com"',
      },
    ]);
    expect(result.stderr).toMatch(/^Warning: profile-owner-lowercase: spec\.owner\.name /);
    const stored = await getObject(env, ['profile', 'e2e-apply-warn']);
    expect(stored?.spec).toMatchObject({ owner: { name: 'Alice@example.com' } });
  });
});

describe('--dry-run=server', () => {
  test('a valid Profile: the mutated object is returned, nothing is stored', async () => {
    const file = scratch.write('dry-valid.yaml', [profile('e2e-apply-dry', 'alice@example.com')]);

    const result = await kubectl(env, ['create', '--dry-run=server', '-f', file, '-o', 'json'], {
      as: 'alice',
    });

    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const returned = JSON.parse(result.stdout) as { metadata: object; spec: object };
    expect(returned.metadata).toMatchObject({ name: 'e2e-apply-dry', labels: DEFAULT_LABELS });
    expect(returned.spec).toEqual({
      owner: { kind: 'User', name: 'alice@example.com' },
      resourceQuotaSpec: { hard: DEFAULT_QUOTA },
    });
    expect(await getObject(env, ['profile', 'e2e-apply-dry'])).toBeUndefined();
  });

  test('a denied Profile: the same denial as without --dry-run and nothing stored', async () => {
    const file = scratch.write('dry-denied.yaml', [profile('kube-e2e-dry', 'bob')]);

    const dry = await kubectl(env, ['apply', '--dry-run=server', '-f', file], { as: 'alice' });

    expect(dry.code).toBe(1);
    expect(dry.stdout).toBe('');
    const [denial, ...more] = parseDenials(dry.stderr);
    expect(more).toEqual([]);
    expect(denial?.webhook).toBe('profiles.validate.profile-guard.io');
    expect(denial?.file).toBe(file);
    expect(ruleIds(denial)).toEqual(['profile-name-reserved', 'profile-owner-format']);
    expect(await getObject(env, ['profile', 'kube-e2e-dry'])).toBeUndefined();

    const real = await kubectl(env, ['apply', '-f', file], { as: 'alice' });
    expect(real.code).toBe(1);
    expect(parseDenials(real.stderr).map((d) => d.rules)).toEqual([denial?.rules]);
  });

  test('a real denial is recorded as a Kubernetes Event', async () => {
    const file = scratch.write('event.yaml', [
      profile(`kube-e2e-event-${RUN}`, 'alice@example.com'),
    ]);
    expect(await eventsAbout(env, `kube-e2e-event-${RUN}`)).toEqual([]);

    const result = await kubectl(env, ['apply', '-f', file], { as: 'alice' });

    expect(result.code).toBe(1);
    const events = await eventually(
      async () => {
        const found = await eventsAbout(env, `kube-e2e-event-${RUN}`);
        expect(found.length).toBeGreaterThan(0);
        return found;
      },
      { timeoutMs: 15000 },
    );
    expect(JSON.stringify(events)).toContain('profile-name-reserved');
  });

  test('a dry-run denial leaves no Event', async () => {
    const dryFile = scratch.write('no-event.yaml', [
      profile(`kube-e2e-noevent-${RUN}`, 'alice@example.com'),
    ]);
    const realFile = scratch.write('marker.yaml', [
      profile(`kube-e2e-marker-${RUN}`, 'alice@example.com'),
    ]);

    const dry = await kubectl(env, ['apply', '--dry-run=server', '-f', dryFile], { as: 'alice' });
    expect(dry.code).toBe(1);
    expect(ruleIds(parseDenials(dry.stderr)[0])).toEqual(['profile-name-reserved']);
    // A real denial afterwards: once its Event is there, an Event of the dry run would be too
    // (Events are written in order).
    const real = await kubectl(env, ['apply', '-f', realFile], { as: 'alice' });
    expect(real.code).toBe(1);
    await eventually(
      async () => {
        expect((await eventsAbout(env, `kube-e2e-marker-${RUN}`)).length).toBeGreaterThan(0);
      },
      { timeoutMs: 15000 },
    );

    expect(await eventsAbout(env, `kube-e2e-noevent-${RUN}`)).toEqual([]);
  });
});
