import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { REPO_DIR, requireManaged, type E2eEnv } from './e2e-env.js';
import { getObject, kubectlOk, type KubeObject } from './kubectl.js';

/*
 * No kubelet and no kube-controller-manager run in the e2e control plane, so the Pod of a
 * `helm test` hook stays Pending and the Job of a pre-upgrade hook never gets a pod: helm would wait
 * for them until its timeout. playHook stands in for the Job controller and the kubelet, for the
 * hooks of this chart only: it waits for helm to create the object, runs its container's command on
 * this machine (the chart's image is profile-guard itself; `kubectl` is the suite's kubectl) with the
 * credentials of the pod's ServiceAccount (a token from the TokenRequest API, as the kubelet
 * projects one) and its configMap and emptyDir volumes materialised in a directory, then writes the
 * outcome into the object's status the way the kubelet (Pod phase) or the Job controller
 * (SuccessCriteriaMet + Complete, or FailureTarget + Failed: after one attempt, where the
 * controller would retry up to backoffLimit) does. Everything else — creating the
 * hook's objects in weight order, waiting on that status, deleting them by their delete policy — is
 * helm's own doing.
 */

/** What one played hook did. */
export interface HookRun {
  /** The program and arguments as run here (paths of mounts rewritten to local directories). */
  readonly argv: readonly string[];
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Which hook to play. */
export interface HookTarget {
  readonly kind: 'Pod' | 'Job';
  readonly namespace: string;
  readonly name: string;
  /** How long to wait for helm to create it (default 120 s). */
  readonly timeoutMs?: number;
}

interface Container {
  readonly name: string;
  readonly image: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: readonly { readonly name: string; readonly value?: string }[];
  readonly volumeMounts?: readonly { readonly name: string; readonly mountPath: string }[];
}

interface PodSpec {
  readonly serviceAccountName?: string;
  readonly containers: readonly Container[];
  readonly volumes?: readonly {
    readonly name: string;
    readonly configMap?: { readonly name: string };
    readonly emptyDir?: unknown;
  }[];
}

const CLI = join(REPO_DIR, 'dist', 'cli', 'bin.js');

/**
 * Waits for the hook object `target` (a fresh one: not yet finished), runs its first container as
 * its pod would run and records the result in its status. Resolves with what the command did;
 * rejects when the object never appears or its container cannot be run here.
 */
export async function playHook(env: E2eEnv, target: HookTarget): Promise<HookRun> {
  const object = await waitForPending(env, target);
  const spec =
    target.kind === 'Job'
      ? (object.spec as { template: { spec: PodSpec } }).template.spec
      : (object.spec as PodSpec);
  const container = spec.containers[0];
  if (container === undefined) throw new Error(`${target.kind} ${target.name} has no container`);
  const startedAt = new Date().toISOString();
  const dir = mkdtempSync(join(tmpdir(), 'profile-guard-e2e-hook-'));
  try {
    const run = await runContainer(env, target.namespace, spec, container, dir);
    await writeStatus(env, target, container, run, startedAt);
    return run;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function waitForPending(env: E2eEnv, target: HookTarget): Promise<KubeObject> {
  const deadline = Date.now() + (target.timeoutMs ?? 120000);
  for (;;) {
    const object = await getObject(env, [target.kind, target.name, '-n', target.namespace]);
    if (object !== undefined && !isFinished(target.kind, object)) return object;
    if (Date.now() >= deadline) {
      throw new Error(`helm created no pending ${target.kind} ${target.name} in time`);
    }
    await sleep(250);
  }
}

function isFinished(kind: HookTarget['kind'], object: KubeObject): boolean {
  const status = (object.status ?? {}) as {
    phase?: string;
    conditions?: { type: string; status: string }[];
  };
  if (kind === 'Pod') return status.phase === 'Succeeded' || status.phase === 'Failed';
  return (status.conditions ?? []).some(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
}

/** The container's program: the chart's image runs `profile-guard`; a hook runs `kubectl`. */
function programOf(env: E2eEnv, container: Container): string[] {
  if (container.command === undefined) {
    if (!/profile-guard[:@]/.test(container.image)) {
      throw new Error(`cannot run image ${container.image} without a command here`);
    }
    return [process.execPath, CLI];
  }
  if (container.command[0] === 'kubectl' && container.command.length === 1) return [env.kubectl];
  throw new Error(`cannot run command ${container.command.join(' ')} here`);
}

async function runContainer(
  env: E2eEnv,
  namespace: string,
  spec: PodSpec,
  container: Container,
  dir: string,
): Promise<HookRun> {
  // Volumes: each mount path becomes a directory under `dir`, a configMap's keys its files.
  const mounts: [string, string][] = [];
  for (const mount of container.volumeMounts ?? []) {
    const volume = spec.volumes?.find((v) => v.name === mount.name);
    const local = join(dir, 'volumes', mount.name);
    mkdirSync(local, { recursive: true });
    if (volume?.configMap !== undefined) {
      const configMap = await getObject(env, ['configmap', volume.configMap.name, '-n', namespace]);
      const data = (configMap?.data ?? {}) as Record<string, string>;
      for (const [key, value] of Object.entries(data)) writeFileSync(join(local, key), value);
    } else if (volume?.emptyDir === undefined) {
      throw new Error(`volume ${mount.name}: only configMap and emptyDir are played here`);
    }
    mounts.push([mount.mountPath, local]);
  }
  // A mount path as the whole value, its start, or after a `--flag=`, becomes the local directory.
  const local = (value: string): string => {
    for (const [path, to] of mounts) {
      const at = value.startsWith(path) ? 0 : value.indexOf(`=${path}`) + 1;
      if (at === 0 && !value.startsWith(path)) continue;
      const end = at + path.length;
      if (end === value.length || value[end] === '/') {
        return `${value.slice(0, at)}${to}${value.slice(end)}`;
      }
    }
    return value;
  };
  const argv = [...programOf(env, container), ...(container.args ?? []).map(local)];
  const kubeconfig = await serviceAccountKubeconfig(
    env,
    namespace,
    spec.serviceAccountName ?? 'default',
    dir,
  );
  const containerEnv = Object.fromEntries(
    (container.env ?? []).map((variable) => [variable.name, local(variable.value ?? '')]),
  );
  return new Promise((resolve) => {
    execFile(
      argv[0]!,
      argv.slice(1),
      {
        // In the pod: the ServiceAccount's in-cluster credentials; here, the same token.
        env: { PATH: process.env.PATH ?? '', ...containerEnv, KUBECONFIG: kubeconfig },
        timeout: 300000,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ argv, code, stdout, stderr });
      },
    );
  });
}

/** A kubeconfig holding a fresh token of ServiceAccount `name` (the TokenRequest API). */
export async function serviceAccountKubeconfig(
  env: E2eEnv,
  namespace: string,
  name: string,
  dir: string,
): Promise<string> {
  const managed = requireManaged(env, 'a ServiceAccount kubeconfig');
  const token = (
    await kubectlOk(env, ['create', 'token', name, '-n', namespace, '--duration=1h'])
  ).trim();
  const file = join(dir, `${namespace}-${name}.kubeconfig`);
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'e2e',
          cluster: {
            server: managed.apiserverUrl,
            'certificate-authority-data': readFileSync(managed.apiserverCaFile).toString('base64'),
          },
        },
      ],
      users: [{ name, user: { token } }],
      contexts: [{ name: 'e2e', context: { cluster: 'e2e', user: name } }],
      'current-context': 'e2e',
    }),
  );
  return file;
}

/** The kubelet's Pod status, or the Job controller's Job status, for one finished run. */
async function writeStatus(
  env: E2eEnv,
  target: HookTarget,
  container: Container,
  run: HookRun,
  startedAt: string,
): Promise<void> {
  const finishedAt = new Date().toISOString();
  const succeeded = run.code === 0;
  let status: unknown;
  if (target.kind === 'Pod') {
    status = {
      phase: succeeded ? 'Succeeded' : 'Failed',
      startTime: startedAt,
      containerStatuses: [
        {
          name: container.name,
          image: container.image,
          imageID: '',
          ready: false,
          restartCount: 0,
          started: false,
          state: {
            terminated: {
              exitCode: run.code,
              reason: succeeded ? 'Completed' : 'Error',
              // The tail of its output, as a termination message would show it.
              message: `${run.stdout}${run.stderr}`.slice(-4096),
              startedAt,
              finishedAt,
            },
          },
        },
      ],
    };
  } else {
    const condition = (type: string, reason: string) => ({
      type,
      status: 'True',
      reason,
      message: succeeded ? '' : run.stderr.slice(-1024),
      lastProbeTime: finishedAt,
      lastTransitionTime: finishedAt,
    });
    status = succeeded
      ? {
          startTime: startedAt,
          completionTime: finishedAt,
          succeeded: 1,
          conditions: [
            condition('SuccessCriteriaMet', 'CompletionsReached'),
            condition('Complete', 'CompletionsReached'),
          ],
        }
      : {
          startTime: startedAt,
          failed: 1,
          conditions: [
            condition('FailureTarget', 'BackoffLimitExceeded'),
            condition('Failed', 'BackoffLimitExceeded'),
          ],
        };
  }
  await kubectlOk(env, [
    'patch',
    target.kind.toLowerCase(),
    target.name,
    '-n',
    target.namespace,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({ status }),
  ]);
}
