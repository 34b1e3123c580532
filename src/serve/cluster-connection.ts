import type { PolicyObjectEvent } from '../kube/cluster-cache.js';
import type { DecisionObserver } from '../observability/decision-record.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { NO_CLUSTER, type ClusterSnapshot } from '../policy/cluster-snapshot.js';
import { ConfigError } from './config-error.js';

/** Whether to look the cluster up, as `serve` decided from its flags and environment. */
export type ClusterMode =
  | { readonly mode: 'off'; readonly reason: string }
  | { readonly mode: 'on'; readonly kubeconfig: string | undefined };

/**
 * Everything the server gets from the cluster: the snapshot rules read, readiness, ProfilePolicy
 * events and decision observers that talk to the API server. This is the one place cluster
 * wiring is added to `serve`.
 */
export interface ClusterConnection {
  readonly enabled: boolean;
  snapshot(): ClusterSnapshot;
  /** Caches have synced once (always true when lookups are off). */
  synced(): boolean;
  /** Observers with cluster side effects (e.g. Events); empty when lookups are off. */
  readonly observers: readonly DecisionObserver[];
  /** Starts watching; resolves at once. `onFatal` gets errors that make the cache unusable. */
  start(onFatal: (error: Error) => void): void;
  stop(): Promise<void>;
}

/** Options of {@link connectCluster}. */
export interface ClusterConnectionOptions {
  readonly cluster: ClusterMode;
  readonly logger: Logger;
  readonly metrics: Pick<Metrics, 'setCacheSynced' | 'setCacheObjects'>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly homeDir: string;
  /** Receives ProfilePolicy add/update/delete events from the cluster. */
  readonly onPolicyEvent?: (event: PolicyObjectEvent) => void;
}

/**
 * Connects to the cluster (or not): with lookups off the snapshot is `NO_CLUSTER` and
 * `profile_guard_cache_synced` is 1; on, informers fill a snapshot that turns `synced` after the
 * first list of every kind. A kubeconfig that cannot be loaded is a {@link ConfigError}.
 */
export async function connectCluster(
  options: ClusterConnectionOptions,
): Promise<ClusterConnection> {
  const { cluster, logger, metrics } = options;
  if (cluster.mode === 'off') {
    metrics.setCacheSynced(true);
    return {
      enabled: false,
      snapshot: () => NO_CLUSTER,
      synced: () => true,
      observers: [],
      start: () => undefined,
      stop: () => Promise.resolve(),
    };
  }

  // The Kubernetes client is big: load it only when the cluster is actually used.
  const [{ createClusterCache }, { KubeConfigError, loadKubeConfig }, { createKubeWatchSource }] =
    await Promise.all([
      import('../kube/cluster-cache.js'),
      import('../kube/kube-config.js'),
      import('../kube/kube-watch-source.js'),
    ]);
  let loaded;
  try {
    loaded = loadKubeConfig({
      kubeconfig: cluster.kubeconfig,
      env: options.env,
      homeDir: options.homeDir,
    });
  } catch (error) {
    if (error instanceof KubeConfigError) throw new ConfigError(error.message);
    throw error;
  }
  logger.info(
    { source: loaded.source, location: loaded.location, server: loaded.server },
    'cluster lookups on',
  );
  metrics.setCacheSynced(false);
  const cache = createClusterCache({
    source: createKubeWatchSource(loaded.config),
    logger,
    onSyncChange: (synced) => {
      metrics.setCacheSynced(synced);
    },
    onCounts: (kind, count) => {
      metrics.setCacheObjects(kind, count);
    },
    ...(options.onPolicyEvent === undefined ? {} : { onPolicyEvent: options.onPolicyEvent }),
  });
  return {
    enabled: true,
    snapshot: () => cache.snapshot(),
    synced: () => cache.synced(),
    observers: [],
    start: (onFatal) => {
      cache.start().catch((error: unknown) => {
        onFatal(error instanceof Error ? error : new Error(String(error)));
      });
    },
    stop: () => cache.stop(),
  };
}
