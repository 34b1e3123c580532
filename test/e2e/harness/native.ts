import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { HARNESS_DIR, REPO_DIR, requireManaged, type E2eEnv } from './e2e-env.js';
import { eventually } from './eventually.js';
import { kubectl, kubectlOk } from './kubectl.js';
import { profile } from './manifests.js';
import { readServeMetrics } from './serve-metrics.js';
import { startWebhook, stopWebhook } from './webhook-control.js';

const run = promisify(execFile);

/** The chart's release in the suite (e2e-up.sh): its full name is the native policies' prefix. */
export const RELEASE = 'profile-guard';
/** The label selecting the native policies `serve --native-prefix profile-guard` writes. */
export const NATIVE_SET = 'profile-guard.io/native-set=profile-guard';
/** `serve`'s flags in native mode, as the chart passes them. */
export const NATIVE_ON = '--native-policies on --native-prefix profile-guard';
export const NATIVE_OFF = '--native-policies off --native-prefix profile-guard';
/** How kubectl's message begins when the native Enforce policy for Profiles denies a request. */
export const NATIVE_DENIAL =
  "ValidatingAdmissionPolicy 'profile-guard-profiles-enforce' with binding 'profile-guard-profiles-enforce' denied request: ";
/** The service account `serve` runs as (the chart's). */
export function webhookUser(env: E2eEnv): string {
  return `system:serviceaccount:${env.releaseNamespace}:${RELEASE}`;
}

/**
 * `helm template` of the suite's release, only `templates`, with `sets` (`key=value`), in
 * certs-scripts mode with the webhook's CA as e2e-up.sh renders it.
 */
export async function renderChart(
  env: E2eEnv,
  templates: readonly string[],
  sets: readonly string[] = [],
): Promise<string> {
  const managed = requireManaged(env, 'rendering the chart');
  const caBundle = readFileSync(join(managed.webhookCaDir, 'ca.crt')).toString('base64');
  const { stdout } = await run(
    managed.helm,
    [
      'template',
      RELEASE,
      join(REPO_DIR, 'charts/profile-guard'),
      '--namespace',
      env.releaseNamespace,
      '--set',
      'certs.mode=certs-scripts',
      '--set',
      `certs.caBundle=${caBundle}`,
      ...sets.flatMap((set) => ['--set', set]),
      ...templates.flatMap((template) => ['--show-only', `templates/${template}`]),
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  return stdout;
}

/** The chart's webhook configurations with `sets`, registered as e2e-up.sh registers them. */
export async function registerWebhooks(env: E2eEnv, sets: readonly string[]): Promise<void> {
  const managed = requireManaged(env, 'registering the webhook configurations');
  const rendered = await renderChart(
    env,
    ['mutatingwebhookconfiguration.yaml', 'validatingwebhookconfiguration.yaml'],
    sets,
  );
  const child = execFile('node', [join(HARNESS_DIR, 'url-client-config.mjs'), managed.webhookUrl]);
  const converted = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`url-client-config.mjs exited ${code}`));
    });
  });
  child.stdin?.end(rendered);
  await kubectlOk(env, ['apply', '-f', '-'], { input: await converted });
}

/** Puts back the webhook configurations e2e-up.sh registered. */
export async function restoreWebhooks(env: E2eEnv): Promise<void> {
  const managed = requireManaged(env, 'restoring the webhook configurations');
  await kubectlOk(env, ['apply', '-f', managed.webhookConfigurations]);
}

/**
 * The chart with `native.enabled`: its ClusterRole (the server may write its policies by name)
 * and the policies' bindings; then `serve` restarted with `--native-policies on`.
 */
export async function enableNative(env: E2eEnv): Promise<void> {
  await kubectlOk(env, ['apply', '-f', '-'], {
    input: await renderChart(
      env,
      ['clusterrole.yaml', 'native-bindings.yaml'],
      ['native.enabled=true'],
    ),
  });
  await restartWebhook(env, NATIVE_ON);
}

/**
 * Back to the suite's default: `serve` without native flags, the native policies and their
 * bindings deleted, the chart's default ClusterRole.
 */
export async function disableNative(env: E2eEnv): Promise<void> {
  await restartWebhook(env, '');
  await kubectl(env, [
    'delete',
    'validatingadmissionpolicies,mutatingadmissionpolicies',
    '-l',
    NATIVE_SET,
    '--ignore-not-found',
  ]);
  await kubectl(env, [
    'delete',
    'validatingadmissionpolicybindings,mutatingadmissionpolicybindings',
    '-l',
    `app.kubernetes.io/instance=${RELEASE}`,
    '--ignore-not-found',
  ]);
  await kubectlOk(env, ['apply', '-f', '-'], {
    input: await renderChart(env, ['clusterrole.yaml']),
  });
}

/** Restarts `serve` (SIGTERM, then start) with these extra flags. */
export async function restartWebhook(env: E2eEnv, extraArgs: string): Promise<void> {
  await stopWebhook(env, 'term');
  await startWebhook(env, { extraArgs, ready: waitForWebhookCalls });
}

/** `serve`'s count of /validate answers for Profiles, from its metrics port. */
async function validateCount(port: number): Promise<number> {
  const body = await readServeMetrics(port);
  let total = 0;
  for (const match of body.matchAll(
    /^profile_guard_admission_requests_total\{webhook="validate",kind="Profile",[^}]*\} (\d+)$/gm,
  )) {
    total += Number(match[1]);
  }
  return total;
}

/**
 * Resolves once the API server calls the webhook again: a valid Profile (dry run, alice) raises
 * `serve`'s count of Profile validations. (A known-bad Profile, the usual probe, is refused by the
 * native policies before the webhook is called.)
 */
export async function waitForWebhookCalls(env: E2eEnv): Promise<void> {
  const { metricsPort } = requireManaged(env, 'probing the webhook');
  await eventually(
    async () => {
      const before = await validateCount(metricsPort);
      await kubectl(env, ['create', '--dry-run=server', '-f', '-'], {
        as: 'alice',
        input: JSON.stringify(profile('e2e-probe', 'alice@example.com')),
      });
      if ((await validateCount(metricsPort)) <= before) {
        throw new Error('the API server does not call the webhook yet');
      }
    },
    { timeoutMs: 60000, intervalMs: 500 },
  );
}

/** The native policies of the set as the API server has them: `<kind>/<name>` -> object. */
export async function nativeObjects(
  env: E2eEnv,
): Promise<Map<string, { metadata: Record<string, unknown>; spec: Record<string, unknown> }>> {
  const out = await kubectlOk(env, [
    'get',
    'validatingadmissionpolicies,mutatingadmissionpolicies',
    '-l',
    NATIVE_SET,
    '--show-managed-fields',
    '-o',
    'json',
  ]);
  const list = JSON.parse(out) as {
    items: { kind: string; metadata: Record<string, unknown>; spec: Record<string, unknown> }[];
  };
  return new Map(
    list.items.map((item) => [`${item.kind}/${String(item.metadata.name)}`, item] as const),
  );
}
