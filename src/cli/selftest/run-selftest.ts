import { setTimeout as sleep } from 'node:timers/promises';

import type { ProfileDryRun, ProfileDryRunAnswer } from '../../kube/profile-dry-run.js';
import { asRecord, getPath } from '../../policy/object-access.js';
import { errorMessage } from '../../util/error-message.js';
import { parseFlags, positiveIntFlag } from '../args.js';
import { homeDirectory } from '../home-dir.js';
import { EXIT_OK, EXIT_USAGE, type CliIo } from '../io.js';
import { UsageError } from '../usage-error.js';

/** Exit code of a failed self-test. */
export const EXIT_SELFTEST_FAILED = 1;
/** Default `--timeout`, seconds. */
export const DEFAULT_SELFTEST_TIMEOUT_SECONDS = 60;
/** Pause between attempts. */
const RETRY_MS = 2_000;

/**
 * The Profile the self-test sends: a valid DNS subdomain (so the API server's own validation lets
 * it through to admission) that is not a DNS label, which the structural rule
 * `profile-name-format` refuses under every policy. Sent with `dryRun=All`: never stored.
 */
export const SELFTEST_PROFILE = Object.freeze({
  apiVersion: 'kubeflow.org/v1',
  kind: 'Profile',
  metadata: { name: 'profile-guard-selftest.invalid' },
  spec: { owner: { kind: 'User', name: 'selftest@profile-guard.invalid' } },
});

/** `profile-guard selftest --help`. */
export const SELFTEST_USAGE = `Usage: profile-guard selftest [--kubeconfig PATH] [--timeout S]

Checks an installation end to end through the API server: sends a Profile that no policy allows
(name "${SELFTEST_PROFILE.metadata.name}": not a DNS label) as a dry-run create (nothing is
stored) and expects profile-guard's answer: denied by profiles.validate.profile-guard.io with
profile-name-format (Enforce), or admitted with its warning (Warn), or at least changed by the
mutating webhook (profile-name-format in Audit or Disabled). Anything else fails: the webhook
could not be called (Service, endpoints, TLS, caBundle), the request never reached it (webhook
configurations missing, or matchConditions skipping the caller), RBAC refused it. It is what the
chart's \`helm test\` runs; the caller needs create on profiles.kubeflow.org and must not be one
the webhooks skip (the webhook's own service account, kube-system's).

Flags:
      --kubeconfig PATH   cluster to test (default: KUBECONFIG, the in-cluster service
                          account, ~/.kube/config)
      --timeout S         keep trying this long while the answer is wrong (default
                          ${DEFAULT_SELFTEST_TIMEOUT_SECONDS}; 0 = one attempt)
  -h, --help              this help

Exit codes: 0 profile-guard answered, 1 it did not (the reason is printed), 2 bad flags or
unusable kubeconfig.
`;

const OPTIONS = {
  kubeconfig: { type: 'string' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** A judgement of one answer. */
export interface SelftestVerdict {
  readonly ok: boolean;
  readonly message: string;
}

const VALIDATING_WEBHOOK = 'profiles.validate.profile-guard.io';
const RULE = 'profile-name-format';

/** Judges the API server's answer to {@link SELFTEST_PROFILE}. Pure. */
export function judgeSelftest(answer: ProfileDryRunAnswer): SelftestVerdict {
  if (answer.kind === 'refused') {
    const { status, message } = answer;
    if (message.includes(`admission webhook "${VALIDATING_WEBHOOK}" denied the request`)) {
      return message.includes(`${RULE}:`)
        ? { ok: true, message: `denied by ${VALIDATING_WEBHOOK} as expected: ${message}` }
        : {
            ok: false,
            message: `denied by ${VALIDATING_WEBHOOK}, but not by ${RULE}: ${message}`,
          };
    }
    if (/failed (calling|to call) webhook/.test(message)) {
      return {
        ok: false,
        message: `the API server could not call the webhook (Service, endpoints, TLS or caBundle): ${message}`,
      };
    }
    return { ok: false, message: `refused (HTTP ${status}), not by profile-guard: ${message}` };
  }
  const warning = answer.warnings.find((text) => text.startsWith(`${RULE}:`));
  if (warning !== undefined) {
    return { ok: true, message: `admitted with profile-guard's warning (Warn mode): ${warning}` };
  }
  const added = mutationsOf(answer.object);
  if (added.length > 0) {
    return {
      ok: true,
      message:
        `the mutating webhook answered (it added ${added.join(', ')}); the validating webhook ` +
        `let the request through silently (${RULE} in Audit or Disabled)`,
    };
  }
  return {
    ok: false,
    message:
      'admitted without any sign of profile-guard: the webhook configurations are missing, or ' +
      'their rules or matchConditions do not send this caller to the webhook',
  };
}

/** What the mutating webhook added to {@link SELFTEST_PROFILE}, as field paths. */
function mutationsOf(object: unknown): string[] {
  const added: string[] = [];
  for (const field of ['labels', 'annotations']) {
    const map = asRecord(getPath(object, 'metadata', field)) ?? {};
    for (const key of Object.keys(map)) added.push(`metadata.${field}["${key}"]`);
  }
  const hard = asRecord(getPath(object, 'spec', 'resourceQuotaSpec', 'hard')) ?? {};
  for (const key of Object.keys(hard)) added.push(`spec.resourceQuotaSpec.hard["${key}"]`);
  return added;
}

/** Seams of {@link runSelftest} for tests. */
export interface SelftestDeps {
  /** Default: the kubeconfig as `serve` finds it, and the client-node dry-run. */
  readonly open?: (kubeconfig: string | undefined, io: CliIo) => Promise<ProfileDryRun>;
  /** Default: a real pause. */
  readonly sleep?: (ms: number) => Promise<unknown>;
  /** Default: `Date.now`. */
  readonly now?: () => number;
}

/** `profile-guard selftest`: returns the exit code. */
export async function runSelftest(
  argv: readonly string[],
  io: CliIo,
  deps: SelftestDeps = {},
): Promise<number> {
  let dryRun: ProfileDryRun;
  let timeoutMs: number;
  try {
    const flags = parseFlags(argv, OPTIONS);
    if (flags.help === true) {
      io.stdout.write(SELFTEST_USAGE);
      return EXIT_OK;
    }
    if (flags.kubeconfig === '') {
      throw new UsageError('invalid value for --kubeconfig: must not be empty');
    }
    timeoutMs =
      positiveIntFlag('timeout', flags.timeout, DEFAULT_SELFTEST_TIMEOUT_SECONDS, 0) * 1000;
    dryRun = await (deps.open ?? openKubeDryRun)(flags.kubeconfig, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`profile-guard selftest: ${error.message}\n`);
    return EXIT_USAGE;
  }

  const now = deps.now ?? Date.now;
  const pause = deps.sleep ?? sleep;
  const deadline = now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    let verdict: SelftestVerdict;
    try {
      verdict = judgeSelftest(await dryRun.create(SELFTEST_PROFILE));
    } catch (error) {
      verdict = { ok: false, message: `the API server cannot be reached: ${errorMessage(error)}` };
    }
    if (verdict.ok) {
      io.stdout.write(`profile-guard selftest: ok: ${verdict.message}\n`);
      return EXIT_OK;
    }
    if (now() + RETRY_MS > deadline) {
      io.stderr.write(
        `profile-guard selftest: FAIL (${attempt} attempt${attempt === 1 ? '' : 's'}): ${verdict.message}\n`,
      );
      return EXIT_SELFTEST_FAILED;
    }
    await pause(RETRY_MS);
  }
}

/** The kubeconfig as `serve` finds it; an unusable one is a usage error (exit 2). */
async function openKubeDryRun(kubeconfig: string | undefined, io: CliIo): Promise<ProfileDryRun> {
  const { loadKubeConfig, KubeConfigError } = await import('../../kube/kube-config.js');
  const { createProfileDryRun } = await import('../../kube/profile-dry-run.js');
  try {
    const loaded = loadKubeConfig({ kubeconfig, env: io.env, homeDir: homeDirectory(io.env) });
    return createProfileDryRun(loaded.config);
  } catch (error) {
    if (error instanceof KubeConfigError) throw new UsageError(error.message);
    throw error;
  }
}
