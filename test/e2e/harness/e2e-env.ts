import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (two levels above test/e2e/harness). */
export const REPO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** Directory of the bash harness scripts. */
export const HARNESS_DIR = join(REPO_DIR, 'test/e2e/harness');

/** Environment variable naming the JSON file (an {@link E2eEnv}) global-setup.mjs wrote. */
export const ENV_FILE_VARIABLE = 'PG_E2E_ENV_JSON';

/** The kubeconfig contexts of the three e2e identities. */
export interface E2eContexts {
  /** In `system:masters` (exempt under the embedded default policy). */
  readonly admin: string;
  /** `alice@example.com`, group `system:authenticated`, may CRUD Profiles only. */
  readonly alice: string;
  /** `bob@example.com`, like alice. */
  readonly bob: string;
}

/** What a managed environment (started by the suite) adds: processes and files under its control. */
export interface ManagedParts {
  readonly stateDir: string;
  readonly apiserverUrl: string;
  /** CA of the API server's serving certificate. */
  readonly apiserverCaFile: string;
  readonly adminToken: string;
  readonly aliceToken: string;
  /** https://127.0.0.1:<port> of `profile-guard serve`. */
  readonly webhookUrl: string;
  readonly webhookPort: number;
  readonly metricsPort: number;
  /** ca.crt + ca.key of the webhook's CA (its tls.crt/tls.key are the first serving pair). */
  readonly webhookCaDir: string;
  /** The kubelet-style directory `serve --cert-dir` reads. */
  readonly servingDir: string;
  readonly logDir: string;
  readonly helm: string;
  /** cert-manager's controller and cainjector (test/e2e/bin/versions.env). */
  readonly certManagerController: string;
  readonly certManagerCainjector: string;
  /** The suite's webhook configurations as registered (clientConfig.url), to put them back. */
  readonly webhookConfigurations: string;
}

/** The environment the scenarios run against. */
export interface E2eEnv {
  readonly kubeconfig: string;
  readonly kubectl: string;
  readonly contexts: E2eContexts;
  /** The webhook's own namespace (excluded from every webhook by the chart). */
  readonly releaseNamespace: string;
  /** Present when the suite started the environment itself (not with E2E_KUBECONFIG). */
  readonly managed: ManagedParts | undefined;
}

/** Reads the environment globalSetup wrote; throws when the suite was not started through it. */
export function loadE2eEnv(): E2eEnv {
  const file = process.env[ENV_FILE_VARIABLE];
  if (file === undefined || file === '') {
    throw new Error(
      `${ENV_FILE_VARIABLE} is not set: run the e2e suite with npm run test:e2e (jest.e2e.config.js)`,
    );
  }
  return JSON.parse(readFileSync(file, 'utf8')) as E2eEnv;
}

/** The managed parts, or an error naming the scenario that needs them. */
export function requireManaged(env: E2eEnv, what: string): ManagedParts {
  if (env.managed === undefined) {
    throw new Error(`${what} needs the environment the suite starts itself (not E2E_KUBECONFIG)`);
  }
  return env.managed;
}
