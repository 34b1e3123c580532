import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { errorMessage } from '../util/error-message.js';

/** Where the configuration came from, for the startup log line. */
export type KubeConfigSource = 'flag' | 'env' | 'in-cluster' | 'default';

/** A loaded configuration and where it came from. */
export interface LoadedKubeConfig {
  readonly config: KubeConfig;
  readonly source: KubeConfigSource;
  /** The file(s) read, or the API server address for in-cluster. */
  readonly location: string;
  /** The API server address of the current context. */
  readonly server: string;
}

/** Options of {@link loadKubeConfig}; all but `kubeconfig` are test seams. */
export interface KubeConfigOptions {
  /** `--kubeconfig PATH`. */
  readonly kubeconfig?: string | undefined;
  /** Default: `process.env` (read for `KUBECONFIG` and `KUBERNETES_SERVICE_HOST`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Default: the user's home directory. */
  readonly homeDir?: string;
  /** Default: `fs.existsSync`. */
  readonly fileExists?: (path: string) => boolean;
}

/** No usable configuration, or one that cannot be read; the message says what to do. */
export class KubeConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeConfigError';
  }
}

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * Loads the Kubernetes client configuration from, in order: `--kubeconfig PATH`, the `KUBECONFIG`
 * environment variable (a path list, merged as kubectl does), the in-cluster service account
 * (when `KUBERNETES_SERVICE_HOST` is set and the token is mounted), `~/.kube/config`. Throws a
 * {@link KubeConfigError} when none is found, a file cannot be read, or the current context names
 * no cluster — never silently falls back to `localhost:8080` as client-node would.
 */
export function loadKubeConfig(options: KubeConfigOptions = {}): LoadedKubeConfig {
  const env = options.env ?? process.env;
  const fileExists = options.fileExists ?? existsSync;
  const config = new KubeConfig();

  if (options.kubeconfig !== undefined && options.kubeconfig !== '') {
    readFiles(config, [options.kubeconfig], '--kubeconfig');
    return finish(config, 'flag', options.kubeconfig);
  }

  const fromEnv = (env.KUBECONFIG ?? '').split(delimiter).filter((file) => file !== '');
  if (fromEnv.length > 0) {
    readFiles(config, fromEnv, 'KUBECONFIG');
    return finish(config, 'env', fromEnv.join(delimiter));
  }

  const serviceHost = env.KUBERNETES_SERVICE_HOST;
  if (serviceHost !== undefined && serviceHost !== '' && fileExists(SERVICE_ACCOUNT_TOKEN)) {
    try {
      config.loadFromCluster();
    } catch (error) {
      throw new KubeConfigError(`cannot load the in-cluster configuration: ${errorMessage(error)}`);
    }
    return finish(config, 'in-cluster', serviceHost);
  }

  const home = options.homeDir ?? homedir();
  const fallback = join(home, '.kube', 'config');
  if (home !== '' && fileExists(fallback)) {
    readFiles(config, [fallback], 'the default kubeconfig');
    return finish(config, 'default', fallback);
  }

  throw new KubeConfigError(
    'no Kubernetes configuration found: pass --kubeconfig PATH, set KUBECONFIG, run inside a ' +
      `cluster, or create ${fallback}; use --no-cluster to run without cluster lookups`,
  );
}

function readFiles(config: KubeConfig, files: readonly string[], origin: string): void {
  files.forEach((file, position) => {
    try {
      if (position === 0) {
        config.loadFromFile(file);
      } else {
        const next = new KubeConfig();
        next.loadFromFile(file);
        // As kubectl: the first file that names a current context decides it.
        config.mergeConfig(next, currentContextOf(config) !== '');
      }
    } catch (error) {
      throw new KubeConfigError(
        `cannot read kubeconfig ${file} (${origin}): ${errorMessage(error)}`,
      );
    }
  });
}

function currentContextOf(config: KubeConfig): string {
  const context = config.getCurrentContext() as string | undefined;
  return context ?? '';
}

function finish(config: KubeConfig, source: KubeConfigSource, location: string): LoadedKubeConfig {
  const cluster = config.getCurrentCluster();
  if (cluster === null || cluster.server === '') {
    const context = currentContextOf(config);
    throw new KubeConfigError(
      `kubeconfig ${location}: the current context ${context === '' ? '(none)' : `"${context}"`} ` +
        'names no cluster with a server address',
    );
  }
  return { config, source, location, server: cluster.server };
}
