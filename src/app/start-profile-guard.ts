import { Registry } from 'prom-client';

import { createAdmissionHandlers } from '../admission/admission-handlers.js';
import { notifyObservers } from '../admission/observed-handler.js';
import { closeGracefully } from '../http/close-server.js';
import { createWebhookListener, type Readiness } from '../http/webhook-listener.js';
import { createDecisionLogger, type Logger } from '../observability/logger.js';
import { createMetrics } from '../observability/metrics.js';
import { createDecisionPool, type DecisionPoolOptions } from '../offload/decision-pool.js';
import { connectCluster, type ClusterMode } from './cluster-connection.js';
import { ConfigError } from './config-error.js';
import { startNativeSync, type NativeMode } from './native-policies.js';
import { embeddedPolicy, openPolicyFile, type PolicySource } from './policy-source.js';
import { createReadiness } from './readiness.js';
import { createMetricsServer, createWebhookServer, listen } from './servers.js';
import { defaultCaPath, openServingTls, writeCaFile } from './serving-tls.js';

/** At shutdown, how long queued Events and PolicyReport results may take to go out. */
export const CLUSTER_FLUSH_MS = 3_000;
/** Default time allowed for in-flight requests at shutdown (the pod grace period is 30 s). */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 25_000;

/** Everything `profile-guard serve` is configured with. */
export interface ProfileGuardOptions {
  readonly logger: Logger;
  /** `--policy`; undefined: the embedded default policy. */
  readonly policyPath: string | undefined;
  /** `--cert-dir`; undefined: a generated self-signed pair. */
  readonly certDir: string | undefined;
  /** Interface to bind both servers to; undefined: all interfaces. */
  readonly host: string | undefined;
  readonly port: number;
  readonly metricsPort: number;
  readonly cluster: ClusterMode;
  /** Where the self-signed CA is written; default `$TMPDIR/profile-guard-<port>/ca.crt`. */
  readonly caOut: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly homeDir: string;
  readonly shutdownTimeoutMs?: number;
  /** `--native-policies`: keep the native admission policies in step (or remove them). */
  readonly native?: NativeMode;
  /** profile-guard's version, written on the native admission policies. */
  readonly version?: string;
  /**
   * `--offload-bytes` and the decision worker's limits: bodies above `aboveBytes` are decided
   * off the main thread. Absent, or `aboveBytes` 0: every body is decided inline.
   */
  readonly offload?: Omit<
    DecisionPoolOptions,
    'snapshot' | 'policies' | 'onDecision' | 'logger' | 'metrics'
  > & {
    readonly aboveBytes: number;
  };
  /** Test seams: how often certificate and policy files are polled besides fs.watch. */
  readonly certPollIntervalMs?: number;
  readonly policyPollIntervalMs?: number;
}

/** A running webhook. */
export interface RunningProfileGuard {
  /** The bound HTTPS port (useful with `port: 0`). */
  readonly port: number;
  readonly metricsPort: number;
  /** Where the self-signed CA was written; undefined with `--cert-dir`. */
  readonly caPath: string | undefined;
  readonly caPem: string | undefined;
  readonly registry: Registry;
  readiness(): Readiness;
  /**
   * Graceful stop (idempotent): readiness turns false, the listeners close, in-flight reviews
   * finish, idle keep-alive connections close; after the shutdown timeout the rest are cut.
   */
  shutdown(reason: string): Promise<void>;
  /** Settles when the server stopped: resolves after shutdown, rejects on a fatal error. */
  readonly stopped: Promise<void>;
}

/**
 * The composition root of `serve`: metrics, policy source, cluster connection, handlers, the
 * HTTPS webhook server and the plain-HTTP metrics server. Throws a `ConfigError` (exit 2) for a
 * bad policy, certificate directory or kubeconfig; other errors (a port in use) as they are.
 */
export async function startProfileGuard(
  options: ProfileGuardOptions,
): Promise<RunningProfileGuard> {
  const { logger } = options;
  const registry = new Registry();
  const metrics = createMetrics(registry);

  // A bad policy file is reported before anything else starts.
  const filePolicy =
    options.policyPath === undefined
      ? undefined
      : await openPolicyFile(options.policyPath, {
          logger,
          metrics,
          ...(options.policyPollIntervalMs === undefined
            ? {}
            : { pollIntervalMs: options.policyPollIntervalMs }),
        });
  const closers: (() => unknown)[] = [
    () => {
      filePolicy?.close();
    },
  ];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.reverse()) await close();
  };

  try {
    const cluster = await connectCluster({
      cluster: options.cluster,
      logger,
      metrics,
      env: options.env,
      homeDir: options.homeDir,
      clusterPolicies: filePolicy === undefined,
    });
    // Stopping the cluster connection flushes Events and PolicyReports: give it a few seconds.
    closers.push(() => cluster.stop(CLUSTER_FLUSH_MS));
    const policy: PolicySource = filePolicy ?? cluster.policies ?? embeddedPolicy(metrics);
    if (options.cluster.mode === 'off') {
      logger.info({ reason: options.cluster.reason }, 'cluster lookups off');
    }
    if (options.native !== undefined) {
      if (cluster.nativeStore === undefined) {
        throw new ConfigError(
          '--native-policies needs cluster lookups (a kubeconfig or the in-cluster service account)',
        );
      }
      const sync = startNativeSync({
        native: options.native,
        store: cluster.nativeStore,
        source: policy,
        logger,
        metrics,
        version: options.version ?? '0.0.0',
      });
      closers.push(() => {
        sync.stop();
      });
    }
    const tls = await openServingTls({
      certDir: options.certDir,
      logger,
      metrics,
      ...(options.certPollIntervalMs === undefined
        ? {}
        : { pollIntervalMs: options.certPollIntervalMs }),
    });
    closers.push(() => {
      tls.close();
    });

    let draining = false;
    const readiness = createReadiness({
      draining: () => draining,
      policyLoaded: () => policy.loaded(),
      clusterSynced: () => cluster.synced(),
    });
    // Metrics, the decision log, Events and PolicyReports each decorate the handlers.
    const observers = [metrics, createDecisionLogger(logger), ...cluster.observers];
    const onObserverError = (error: unknown): void => {
      logger.error({ err: error }, 'a decision observer failed');
    };
    const handlers = createAdmissionHandlers({
      policies: policy.provider,
      snapshot: () => cluster.snapshot(),
      observers,
      onObserverError,
    });
    // Large bodies are decided by the decision worker, with this thread's snapshot and policies,
    // and observed here by the same observers; /healthz and small reviews are not held up.
    const { aboveBytes = 0, ...poolOptions } = options.offload ?? {};
    const pool =
      aboveBytes > 0
        ? createDecisionPool({
            ...poolOptions,
            snapshot: () => cluster.snapshot(),
            policies: () => policy.inForce(),
            onDecision: (record) => {
              notifyObservers(record, observers, onObserverError);
            },
            logger,
            metrics,
          })
        : undefined;
    if (pool !== undefined) closers.push(() => pool.close());
    // While draining, every answer not yet sent closes its connection, so keep-alive clients
    // reconnect (to another replica) instead of reusing a connection that is about to go.
    const listener = createWebhookListener({
      ...handlers,
      readiness,
      logger,
      // Bodies denied unread (over the JSON token bound) are observed like any decision.
      onDecision: (record) => {
        notifyObservers(record, observers, onObserverError);
      },
      closingConnections: () => draining,
      ...(pool === undefined
        ? {}
        : {
            offload: {
              aboveBytes,
              decide: (webhook, bytes) => pool.decide(webhook, bytes),
            },
          }),
    });
    const server = createWebhookServer(tls.store, listener, logger);
    const metricsServer = createMetricsServer(registry);

    const port = await listen(server, options.port, options.host);
    closers.push(() => closeGracefully(server, 0));
    const metricsPort = await listen(metricsServer, options.metricsPort, options.host);
    closers.push(() => closeGracefully(metricsServer, 0));

    let caPath: string | undefined;
    if (tls.selfSignedCaPem !== undefined) {
      caPath = options.caOut ?? defaultCaPath(port, options.env);
      await writeCaFile(caPath, tls.selfSignedCaPem);
    }

    let fail: (error: Error) => void = () => undefined;
    let done: () => void = () => undefined;
    const stopped = new Promise<void>((resolve, reject) => {
      done = resolve;
      fail = reject;
    });
    // A caller that never awaits `stopped` must not get an unhandled rejection from it.
    stopped.catch(() => undefined);

    let shuttingDown: Promise<void> | undefined;
    const timeoutMs = options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
    const shutdown = (reason: string): Promise<void> => {
      shuttingDown ??= (async () => {
        draining = true;
        logger.info({ reason }, 'shutting down: finishing in-flight requests');
        const [outcome] = await Promise.all([
          closeGracefully(server, timeoutMs),
          closeGracefully(metricsServer, timeoutMs),
        ]);
        if (outcome === 'deadline') {
          logger.warn({ timeoutMs }, 'shutdown deadline reached: remaining connections were cut');
        }
        await closeAll();
        logger.info('stopped');
        done();
      })();
      return shuttingDown;
    };

    cluster.start((error) => {
      logger.fatal({ err: error.message }, 'the cluster cache cannot work; stopping');
      void shutdown('cluster cache failed').then(() => {
        fail(error);
      });
    }, policy);

    logger.info(
      {
        port,
        metricsPort,
        host: options.host ?? '(all interfaces)',
        policy: policy.description,
        certificates: options.certDir ?? 'self-signed',
        ...(caPath === undefined ? {} : { caPath }),
        cluster: options.cluster.mode,
      },
      'profile-guard serving',
    );

    return {
      port,
      metricsPort,
      caPath,
      caPem: tls.selfSignedCaPem,
      registry,
      readiness,
      shutdown,
      stopped,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
