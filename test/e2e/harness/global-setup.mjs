// Jest globalSetup of the e2e suite (plain JavaScript: jest loads global setup modules outside
// its ESM/module-mapper pipeline).
//
// With E2E_KUBECONFIG set it uses that cluster as it is (its webhook must already be reachable;
// contexts E2E_ADMIN_CONTEXT/E2E_ALICE_CONTEXT/E2E_BOB_CONTEXT, default admin/alice/bob).
// With E2E_STATE_DIR naming a running environment of e2e-up.sh (e.g. .e2e after npm run e2e:up)
// it uses that one and leaves it running. Otherwise it starts etcd, kube-apiserver and
// `profile-guard serve` with e2e-up.sh in E2E_STATE_DIR (default: a new temporary directory) and
// globalTeardown stops them. Either way it returns only once a known-bad
// Profile is denied through the API server, and it writes the environment (shape: E2eEnv in
// e2e-env.ts) to a JSON file named by $PG_E2E_ENV_JSON for the test files.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const HARNESS_DIR = dirname(fileURLToPath(import.meta.url));
const DOWN = join(HARNESS_DIR, 'e2e-down.sh');

/** The state shared with global-teardown.mjs (jest runs both in the same process). */
export const STATE_KEY = Symbol.for('profile-guard.e2e.state');

export default async function globalSetup() {
  const external = process.env.E2E_KUBECONFIG;
  let stateDir;
  let env;
  let owned = false;
  let removeSignalHandlers = () => undefined;
  if (external !== undefined && external !== '') {
    env = externalEnv(external);
  } else {
    const dir = process.env.E2E_STATE_DIR;
    stateDir = dir ? dir : mkdtempSync(join(tmpdir(), 'profile-guard-e2e-'));
    if (running(stateDir)) {
      process.stderr.write(`\n[e2e] using the running e2e environment in ${stateDir}\n`);
    } else {
      owned = true;
      removeSignalHandlers = stopOnSignals(stateDir);
      await run('bash', [join(HARNESS_DIR, 'e2e-up.sh'), stateDir], {});
    }
    env = managedEnv(stateDir);
  }
  const envDir = stateDir ?? mkdtempSync(join(tmpdir(), 'profile-guard-e2e-env-'));
  const envFile = join(envDir, 'e2e-env.json');
  writeFileSync(envFile, JSON.stringify(env, null, 2));
  process.env.PG_E2E_ENV_JSON = envFile;
  globalThis[STATE_KEY] = { stateDir, owned, envFile, removeSignalHandlers };
  if (!owned) {
    await run('bash', [join(HARNESS_DIR, 'wait-for-admission.sh'), '90'], {
      KUBECONFIG: env.kubeconfig,
      KUBECTL: env.kubectl,
      E2E_ALICE_CONTEXT: env.contexts.alice,
    });
  }
}

/** True when `dir` holds an e2e-up.sh environment whose API server and webhook run. */
function running(dir) {
  if (!existsSync(join(dir, 'e2e.env'))) return false;
  try {
    execFileSync('bash', [join(HARNESS_DIR, 'webhook.sh'), 'pid', dir], { stdio: 'ignore' });
    const vars = readShellEnv(join(dir, 'e2e.env'));
    const ready = execFileSync(
      vars.KUBECTL,
      ['--kubeconfig', vars.KUBECONFIG, 'get', '--raw', '/readyz'],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 10000,
      },
    );
    return ready.trim() === 'ok';
  } catch {
    return false;
  }
}

/**
 * SIGINT/SIGTERM (Ctrl-C on jest) end the run without globalTeardown: stop the environment
 * synchronously, then exit as the signal would have.
 */
function stopOnSignals(stateDir) {
  const handler = (signal) => {
    process.stderr.write(`\n[e2e] ${signal}: stopping the e2e environment in ${stateDir}\n`);
    try {
      execFileSync('bash', [DOWN, stateDir], { stdio: ['ignore', 'ignore', 'inherit'] });
    } finally {
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/** Runs a command with stderr shown and stdout discarded; rejects unless it exits 0. */
function run(command, args, extraEnv) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, ...extraEnv },
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${args[0] ?? command} exited ${code}; see the output above`));
    });
  });
}

/** The variables e2e-up.sh wrote to <stateDir>/e2e.env (a shell file: let bash read it). */
function readShellEnv(file) {
  const raw = execFileSync('bash', ['-c', 'set -a; source "$1"; env -0', 'read-env', file], {
    encoding: 'utf8',
    // stdin not a socket: bash would take itself for a remote shell and read ~/.bashrc
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  });
  const vars = {};
  for (const entry of raw.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) vars[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return vars;
}

function managedEnv(stateDir) {
  const vars = readShellEnv(join(stateDir, 'e2e.env'));
  const need = (name) => {
    const value = vars[name];
    if (value === undefined || value === '') throw new Error(`e2e.env does not set ${name}`);
    return value;
  };
  return {
    kubeconfig: need('KUBECONFIG'),
    kubectl: need('KUBECTL'),
    contexts: { admin: 'admin', alice: 'alice', bob: 'bob' },
    releaseNamespace: need('PG_E2E_RELEASE_NAMESPACE'),
    managed: {
      stateDir: need('PG_E2E_STATE_DIR'),
      apiserverUrl: need('PG_E2E_APISERVER_URL'),
      apiserverCaFile: need('PG_E2E_CA_FILE'),
      adminToken: need('PG_E2E_ADMIN_TOKEN'),
      aliceToken: need('PG_E2E_ALICE_TOKEN'),
      webhookUrl: need('PG_E2E_WEBHOOK_URL'),
      webhookPort: Number(need('PG_E2E_WEBHOOK_PORT')),
      metricsPort: Number(need('PG_E2E_METRICS_PORT')),
      webhookCaDir: need('PG_E2E_WEBHOOK_CA_DIR'),
      servingDir: need('PG_E2E_SERVING_DIR'),
      logDir: need('PG_E2E_LOG_DIR'),
      helm: need('PG_E2E_HELM'),
      certManagerController: need('PG_E2E_CERT_MANAGER_CONTROLLER'),
      certManagerCainjector: need('PG_E2E_CERT_MANAGER_CAINJECTOR'),
      webhookConfigurations: need('PG_E2E_WEBHOOK_CONFIGURATIONS'),
    },
  };
}

function externalEnv(kubeconfig) {
  const pick = (name, fallback) => process.env[name] || fallback;
  return {
    kubeconfig,
    kubectl: pick('KUBECTL', 'kubectl'),
    contexts: {
      admin: pick('E2E_ADMIN_CONTEXT', 'admin'),
      alice: pick('E2E_ALICE_CONTEXT', 'alice'),
      bob: pick('E2E_BOB_CONTEXT', 'bob'),
    },
    releaseNamespace: pick('E2E_WEBHOOK_NAMESPACE', 'profile-guard'),
    managed: undefined,
  };
}
