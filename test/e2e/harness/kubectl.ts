import { spawn } from 'node:child_process';

import type { E2eContexts, E2eEnv } from './e2e-env.js';

/** What one kubectl invocation printed and returned. */
export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** How to run kubectl. */
export interface KubectlOptions {
  /** The kubeconfig context (default: admin). */
  readonly as?: keyof E2eContexts;
  /**
   * Authenticate with this bearer token instead of the context's credentials (`--token`), e.g. a
   * ServiceAccount's token from `kubectl create token`.
   */
  readonly token?: string;
  /** Impersonate this user (and groups) with the admin's credentials (`--as`, `--as-group`). */
  readonly impersonate?: { readonly user: string; readonly groups?: readonly string[] };
  /** Written to kubectl's stdin (for `-f -`). */
  readonly input?: string;
  /** Default 60 s; kubectl is killed and the call rejects after it. */
  readonly timeoutMs?: number;
}

/**
 * Runs the environment's kubectl with its kubeconfig and the chosen context. Resolves with the exit
 * code and both outputs whatever the exit code; rejects only when kubectl cannot run or hangs.
 */
export function kubectl(
  env: E2eEnv,
  args: readonly string[],
  options: KubectlOptions = {},
): Promise<KubectlResult> {
  const context = env.contexts[options.as ?? 'admin'];
  const impersonation =
    options.impersonate === undefined
      ? []
      : [
          `--as=${options.impersonate.user}`,
          ...(options.impersonate.groups ?? []).map((group) => `--as-group=${group}`),
        ];
  const token = options.token === undefined ? [] : [`--token=${options.token}`];
  const argv = [
    '--kubeconfig',
    env.kubeconfig,
    '--context',
    context,
    ...token,
    ...impersonation,
    ...args,
  ];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(env.kubectl, argv, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, KUBECONFIG: env.kubeconfig },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`kubectl ${args.join(' ')}: no answer within ${options.timeoutMs ?? 60000} ms`),
      );
    }, options.timeoutMs ?? 60000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({
        code: code ?? (signal === null ? -1 : 128),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Runs kubectl and throws (with both outputs) unless it exits 0; returns stdout. */
export async function kubectlOk(
  env: E2eEnv,
  args: readonly string[],
  options: KubectlOptions = {},
): Promise<string> {
  const result = await kubectl(env, args, options);
  if (result.code !== 0) {
    throw new Error(
      `kubectl ${args.join(' ')} exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`,
    );
  }
  return result.stdout;
}

/** A Kubernetes object as `kubectl get -o json` prints it. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly resourceVersion?: string;
    readonly uid?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
    readonly finalizers?: string[];
    readonly deletionTimestamp?: string;
    readonly [key: string]: unknown;
  };
  readonly [key: string]: unknown;
}

/**
 * `kubectl get <args> -o json` as the admin: the object, or undefined when it does not exist.
 * Any other failure throws.
 */
export async function getObject(
  env: E2eEnv,
  args: readonly string[],
): Promise<KubeObject | undefined> {
  const result = await kubectl(env, ['get', ...args, '-o', 'json']);
  if (result.code !== 0) {
    if (result.stderr.includes('(NotFound)')) return undefined;
    throw new Error(`kubectl get ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  }
  return JSON.parse(result.stdout) as KubeObject;
}

/** `kubectl get <args> -o json` of a list: its items. */
export async function listObjects(env: E2eEnv, args: readonly string[]): Promise<KubeObject[]> {
  const stdout = await kubectlOk(env, ['get', ...args, '-o', 'json']);
  return (JSON.parse(stdout) as { items: KubeObject[] }).items;
}
