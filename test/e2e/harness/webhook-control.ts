import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { waitForAdmission } from './admission.js';
import { HARNESS_DIR, type E2eEnv, requireManaged } from './e2e-env.js';

const run = promisify(execFile);
const SCRIPT = join(HARNESS_DIR, 'webhook.sh');

/**
 * Stops the environment's `profile-guard serve`: SIGKILL (a crash) or SIGTERM (a graceful stop).
 * Resolves once the process is gone.
 */
export async function stopWebhook(env: E2eEnv, how: 'kill' | 'term'): Promise<void> {
  const { stateDir } = requireManaged(env, 'stopping the webhook');
  await run('bash', [SCRIPT, 'stop', ...(how === 'kill' ? ['--kill'] : []), stateDir]);
}

/** How {@link startWebhook} starts the server and knows the API server reaches it again. */
export interface StartOptions {
  /** Space-separated flags appended to its command line; default: $PG_E2E_SERVE_EXTRA_ARGS. */
  readonly extraArgs?: string;
  /** Resolves once the API server gets its answers; default {@link waitForAdmission}. */
  readonly ready?: (env: E2eEnv) => Promise<void>;
}

/**
 * Starts `profile-guard serve` again (same port, certificates and identity) and resolves once
 * the API server gets its answers again.
 */
export async function startWebhook(env: E2eEnv, options: StartOptions = {}): Promise<void> {
  const { stateDir } = requireManaged(env, 'starting the webhook');
  await run('bash', [SCRIPT, 'start', stateDir], {
    timeout: 90000,
    env: {
      ...process.env,
      PG_E2E_SERVE_EXTRA_ARGS: options.extraArgs ?? process.env.PG_E2E_SERVE_EXTRA_ARGS ?? '',
    },
  });
  await (options.ready ?? waitForAdmission)(env);
}

/** True when the environment's webhook process is running. */
export async function webhookRunning(env: E2eEnv): Promise<boolean> {
  const { stateDir } = requireManaged(env, 'checking the webhook');
  try {
    await run('bash', [SCRIPT, 'pid', stateDir]);
    return true;
  } catch {
    return false;
  }
}
