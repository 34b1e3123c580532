import { EMBEDDED_DEFAULT_POLICY } from '../config/default-policy.js';
import type { DecisionObserver } from '../observability/decision-record.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { NO_CLUSTER, type ClusterSnapshot } from '../policy/cluster-snapshot.js';
import { selectPolicy } from '../policy/policy-selection.js';
import type { Policy } from '../policy/policy-spec.js';
import type { ReportsMode } from '../kube/report-api-selector.js';
import { ConfigError } from './config-error.js';
import { errorMessage } from '../util/error-message.js';
import type { PolicySource } from './policy-source.js';
import type { NativeObjectStore } from '../kube/native-sync.js';

/** Whether to look the cluster up, as `serve` decided from its flags and environment. */
export type ClusterMode =
  | { readonly mode: 'off'; readonly reason: string }
  | {
      readonly mode: 'on';
      readonly kubeconfig: string | undefined;
      /**
       * `--reports`: which report API to write (`off`, or `--no-reports`: none). Default `auto`:
       * OpenReports when the cluster serves it, else wgpolicyk8s.io PolicyReports.
       */
      readonly reports?: ReportsMode;
      /** `auto`: how often the report APIs are discovered again. Default 30 s. */
      readonly reportsDiscoveryIntervalMs?: number;
      /** `false` (`--no-limit-ranges`): keep no LimitRanges. Default: kept. */
      readonly limitRanges?: boolean;
    };

/**
 * Everything the server gets from the cluster: the snapshot rules read, readiness, the
 * ProfilePolicy objects and the decision observers that write to the API server (Events,
 * PolicyReports). This is the one place cluster wiring is added to `serve`.
 */
export interface ClusterConnection {
  readonly enabled: boolean;
  snapshot(): ClusterSnapshot;
  /** Caches have synced once (always true when lookups are off). */
  synced(): boolean;
  /** ProfilePolicy objects as the policy source; undefined when off or not asked for. */
  readonly policies: PolicySource | undefined;
  /** Observers with cluster side effects; empty when lookups are off. */
  readonly observers: readonly DecisionObserver[];
  /** Reads and writes the native admission policies; undefined when lookups are off. */
  readonly nativeStore: NativeObjectStore | undefined;
  /**
   * Starts watching; returns at once. `onFatal` gets errors that make the cache unusable. Once
   * the caches have synced, the LimitRange reconciler (when on) keeps LimitRanges as `policy`
   * (the server's policy source) says.
   */
  start(onFatal: (error: Error) => void, policy: PolicySource): void;
  /** Sends what the observers still hold (bounded by `deadlineMs`), then stops everything. */
  stop(deadlineMs: number): Promise<void>;
}

/** Options of {@link connectCluster}. */
export interface ClusterConnectionOptions {
  readonly cluster: ClusterMode;
  readonly logger: Logger;
  readonly metrics: Pick<
    Metrics,
    'setCacheSynced' | 'setCacheObjects' | 'policyReloaded' | 'setPolicyInfo' | 'limitRangeWritten'
  >;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly homeDir: string;
  /** Take the policy from ProfilePolicy objects (no `--policy`): statuses are written too. */
  readonly clusterPolicies: boolean;
}

/**
 * Connects to the cluster (or not). Off: the snapshot is `NO_CLUSTER` and
 * `profile_guard_cache_synced` is 1. On: informers fill a snapshot that turns `synced` after the
 * first list of every kind; denials and warnings go out as Events and reports (OpenReports or
 * wgpolicyk8s.io PolicyReports, as `reports` says: kube/report-api-selector.ts); with
 * `clusterPolicies`, ProfilePolicy objects govern (the embedded default when none matches) and
 * get their status written. A kubeconfig that cannot be loaded is a {@link ConfigError}.
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
      policies: undefined,
      observers: [],
      nativeStore: undefined,
      start: () => undefined,
      stop: () => Promise.resolve(),
    };
  }

  // The Kubernetes client is big: load it only when the cluster is actually used.
  const [cacheModule, configModule, watchModule, policiesModule, kubeStatus, events, eventSink] =
    await Promise.all([
      import('../kube/cluster-cache.js'),
      import('../kube/kube-config.js'),
      import('../kube/kube-watch-source.js'),
      import('../kube/cluster-policies.js'),
      import('../kube/kube-status-writer.js'),
      import('../kube/events.js'),
      import('../kube/kube-event-sink.js'),
    ]);
  const [reports, reportStore, limitRangeModule, limitRangeWriter, reportSelector, nativeStore] =
    await Promise.all([
      import('../kube/policy-reports.js'),
      import('../kube/kube-report-store.js'),
      import('../kube/limit-range-reconciler.js'),
      import('../kube/kube-limit-range-writer.js'),
      import('../kube/report-api-selector.js'),
      import('../kube/kube-native-store.js'),
    ]);

  let loaded;
  try {
    loaded = configModule.loadKubeConfig({
      kubeconfig: cluster.kubeconfig,
      env: options.env,
      homeDir: options.homeDir,
    });
  } catch (error) {
    if (error instanceof configModule.KubeConfigError) throw new ConfigError(error.message);
    throw error;
  }
  const { config } = loaded;
  logger.info(
    { source: loaded.source, location: loaded.location, server: loaded.server },
    'cluster lookups on',
  );

  const policyListeners: (() => void)[] = [];
  const policies = options.clusterPolicies
    ? policiesModule.createClusterPolicies({
        logger,
        statusWriter: kubeStatus.createKubeStatusWriter(config),
        onReload: (result) => {
          metrics.policyReloaded(result);
        },
        onActiveChange: (active) => {
          const shown = governing(active);
          metrics.setPolicyInfo(shown.name, shown.generation);
          for (const listener of policyListeners) listener();
        },
        onStatusError: (name, error) => {
          logger.warn(
            { policy: name, err: errorMessage(error) },
            'ProfilePolicy status not written',
          );
        },
      })
    : undefined;
  if (policies !== undefined) {
    metrics.setPolicyInfo(EMBEDDED_DEFAULT_POLICY.name, EMBEDDED_DEFAULT_POLICY.generation);
  }

  // The policy source is chosen after connecting (a --policy file wins); `start` passes it in.
  let policySource: PolicySource | undefined;
  const limitRanges =
    cluster.limitRanges === false
      ? undefined
      : limitRangeModule.createLimitRangeReconciler({
          writer: limitRangeWriter.createKubeLimitRangeWriter(config),
          logger,
          settingsFor: (labels) =>
            (policySource?.forProfile(labels) ?? EMBEDDED_DEFAULT_POLICY).spec.profiles.limitRange,
          onWrite: (result) => {
            metrics.limitRangeWritten(result);
          },
        });

  metrics.setCacheSynced(false);
  const cache = cacheModule.createClusterCache({
    source: watchModule.createKubeWatchSource(config),
    logger,
    onSyncChange: (synced) => {
      metrics.setCacheSynced(synced);
    },
    onCounts: (kind, count) => {
      metrics.setCacheObjects(kind, count);
    },
    ...(policies === undefined
      ? {}
      : {
          onPolicyEvent: (event) => {
            policies.handle(event);
          },
        }),
    ...(limitRanges === undefined
      ? {}
      : {
          alsoFeed: { Profile: limitRanges.profiles, Namespace: limitRanges.namespaces },
          limitRanges: limitRanges.limitRanges,
        }),
  });

  const eventReporter = events.createEventReporter({
    sink: eventSink.createKubeEventSink(config),
    logger,
    cluster: () => cache.snapshot(),
  });
  const reportsMode = cluster.reports ?? 'auto';
  const reportApis =
    reportsMode === 'off'
      ? undefined
      : reportSelector.createReportApiSelector({
          mode: reportsMode,
          served: reportStore.createKubeReportDiscovery(config),
          writerFor: (api) => reportStore.createKubeReportWriter(config, api),
          logger,
          ...(cluster.reportsDiscoveryIntervalMs === undefined
            ? {}
            : { intervalMs: cluster.reportsDiscoveryIntervalMs }),
        });
  const policyReporter =
    reportApis === undefined
      ? undefined
      : reports.createPolicyReporter({ writer: reportApis, logger });

  return {
    enabled: true,
    snapshot: () => cache.snapshot(),
    synced: () => cache.synced(),
    policies:
      policies === undefined
        ? undefined
        : {
            provider: policies,
            forProfile: (labels) => {
              const active = policies.active();
              return active.length === 0
                ? EMBEDDED_DEFAULT_POLICY
                : selectPolicy(active, labels, EMBEDDED_DEFAULT_POLICY);
            },
            subscribe: (listener) => {
              policyListeners.push(listener);
            },
            inForce: () => ({ policies: policies.active(), fallback: EMBEDDED_DEFAULT_POLICY }),
            // ProfilePolicies are all delivered by the first sync; before it, none is known.
            loaded: () => cache.synced(),
            description: 'ProfilePolicy objects (embedded default when none matches)',
            close: () => {
              policies.stop();
            },
          },
    observers: policyReporter === undefined ? [eventReporter] : [eventReporter, policyReporter],
    nativeStore: nativeStore.createKubeNativeStore(config),
    start: (onFatal, policy) => {
      policySource = policy;
      reportApis?.start();
      if (limitRanges !== undefined) {
        policy.subscribe(() => {
          limitRanges.policyChanged();
        });
      }
      cache.start().then(
        () => {
          // Only now: before every kind was listed, a namespace would look as if its Profile or
          // LimitRange were missing.
          limitRanges?.run();
        },
        (error: unknown) => {
          onFatal(error instanceof Error ? error : new Error(errorMessage(error)));
        },
      );
    },
    stop: async (deadlineMs) => {
      await within(
        deadlineMs,
        Promise.all([eventReporter.idle(), policyReporter?.stop(), policies?.idle()]),
      );
      eventReporter.stop();
      reportApis?.stop();
      policies?.stop();
      limitRanges?.stop();
      await cache.stop();
    },
  };
}

/** The policy `profile_guard_policy_info` names: the one that governs requests no selector picks. */
function governing(active: readonly Policy[]): Policy {
  const ranked = active
    .filter((policy) => policy.spec.selector === undefined)
    .sort((a, b) => b.spec.priority - a.spec.priority || (a.name < b.name ? -1 : 1));
  return ranked[0] ?? EMBEDDED_DEFAULT_POLICY;
}

/** Waits for `work`, or `ms` at most; never rejects. */
async function within(ms: number, work: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    work.catch(() => undefined),
    new Promise((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}
