import { EMBEDDED_DEFAULT_POLICY } from '../config/default-policy.js';
import { loadPolicyFile } from '../config/load-policy-file.js';
import { watchPolicyFile } from '../config/policy-file-watcher.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { PolicyProvider } from '../policy/policy-provider.js';
import type { Policy } from '../policy/policy-spec.js';
import type { PoliciesInForce } from '../native/governing.js';
import { ConfigError } from './config-error.js';
import { formatPolicyErrors } from '../config/policy-errors.js';

/** Where the server's policy comes from, and whether it has one yet. */
export interface PolicySource {
  readonly provider: PolicyProvider;
  /** The policy that governs a stored Profile with these labels (and its namespace). */
  forProfile(labels: Readonly<Record<string, string>>): Policy;
  /** Calls `listener` whenever the policies in force change (a reload, a ProfilePolicy change). */
  subscribe(listener: () => void): void;
  /** The policies in force and the one that governs when none matches (native policies). */
  inForce(): PoliciesInForce;
  /** False only while a cluster-backed source has not delivered its first state. */
  loaded(): boolean;
  /** A short description for the startup log: `file <path>`, `embedded default`. */
  readonly description: string;
  close(): void;
}

/** Options of {@link openPolicyFile}. */
export interface PolicyFileSourceOptions {
  readonly logger: Logger;
  readonly metrics: Pick<Metrics, 'policyReloaded' | 'setPolicyInfo'>;
  readonly pollIntervalMs?: number;
}

/**
 * `--policy FILE`: loads it (a bad file is a {@link ConfigError} listing every error), then
 * reloads it on change. A reload that fails keeps the last good policy; each attempt counts in
 * `profile_guard_policy_reloads_total{result}` and the policy in force is `profile_guard_policy_info`.
 */
export async function openPolicyFile(
  path: string,
  options: PolicyFileSourceOptions,
): Promise<PolicySource> {
  const { logger, metrics } = options;
  const first = await loadPolicyFile(path);
  if (!first.ok) {
    metrics.policyReloaded('failure');
    throw new ConfigError(formatPolicyErrors(path, first.errors));
  }
  let current: Policy = first.policy;
  const listeners: (() => void)[] = [];
  const adopt = (policy: Policy): void => {
    current = policy;
    metrics.policyReloaded('success');
    metrics.setPolicyInfo(policy.name, policy.generation);
    for (const listener of listeners) listener();
  };
  adopt(current);
  const watcher = watchPolicyFile(
    path,
    {
      onReload: (policy) => {
        adopt(policy);
        logger.info(
          { path, policy: policy.name, generation: policy.generation },
          'policy reloaded',
        );
      },
      onInvalid: (errors) => {
        metrics.policyReloaded('failure');
        logger.error(
          { path, errors, policy: current.name },
          'policy file is invalid; keeping the last good policy',
        );
      },
    },
    options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs },
  );
  return {
    provider: { select: () => current },
    forProfile: () => current,
    subscribe: (listener) => {
      listeners.push(listener);
    },
    // The file governs every request: its selector, if any, is not consulted.
    inForce: () => ({ policies: [], fallback: current }),
    loaded: () => true,
    description: `file ${path}`,
    close: () => {
      watcher.close();
    },
  };
}

/** The embedded default policy, for runs without `--policy` and without cluster policies. */
export function embeddedPolicy(
  metrics: Pick<Metrics, 'policyReloaded' | 'setPolicyInfo'>,
): PolicySource {
  metrics.policyReloaded('success');
  metrics.setPolicyInfo(EMBEDDED_DEFAULT_POLICY.name, EMBEDDED_DEFAULT_POLICY.generation);
  return {
    provider: { select: () => EMBEDDED_DEFAULT_POLICY },
    forProfile: () => EMBEDDED_DEFAULT_POLICY,
    subscribe: () => undefined,
    inForce: () => ({ policies: [], fallback: EMBEDDED_DEFAULT_POLICY }),
    loaded: () => true,
    description: 'embedded default',
    close: () => undefined,
  };
}
