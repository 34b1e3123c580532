import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

import { Registry } from 'prom-client';

import { composeObservers } from './observability/compose-observers.js';
import { createDecisionLogger, type Logger } from './observability/logger.js';
import { createMetrics } from './observability/metrics.js';
import { createAdmissionHandlers } from './serve/admission-handlers.js';
import { closeGracefully } from './serve/close-server.js';
import { connectCluster, type ClusterMode } from './serve/cluster-connection.js';
import { embeddedPolicy, openPolicyFile, type PolicySource } from './serve/policy-source.js';
import { defaultCaPath, openServingTls, writeCaFile } from './serve/serving-tls.js';
import { createMetricsApp } from './server/metrics-app.js';
import type { Readiness } from './server/webhook-app.js';
import { createWebhookListener } from './server/webhook-listener.js';

/** Idle keep-alive connections live this long: above the API server's 90 s idle timeout. */
export const KEEP_ALIVE_TIMEOUT_MS = 95_000;
/** Must exceed the keep-alive timeout, so a reused connection is never cut mid-request. */
export const HEADERS_TIMEOUT_MS = 96_000;
/** A whole request (headers and body) must arrive within this; protects against slow senders. */
export const REQUEST_TIMEOUT_MS = 120_000;
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
    const readiness = (): Readiness => {
      const reasons: string[] = [];
      if (draining) reasons.push('shutting down');
      if (!policy.loaded()) reasons.push('policy not loaded');
      if (!cluster.synced()) reasons.push('cluster caches not synced');
      return { ready: reasons.length === 0, reasons };
    };
    const observer = composeObservers(
      [metrics, createDecisionLogger(logger), ...cluster.observers],
      (error) => {
        logger.error({ err: error }, 'a decision observer failed');
      },
    );
    const handlers = createAdmissionHandlers({
      policies: policy.provider,
      snapshot: () => cluster.snapshot(),
      observer,
    });
    // POST /mutate and /validate skip express; everything else is the express app's. While
    // draining, every answer not yet sent closes its connection, so keep-alive clients reconnect
    // (to another replica) instead of reusing a connection that is about to go.
    const app = createWebhookListener({
      ...handlers,
      readiness,
      logger,
      closingConnections: () => draining,
    });
    const server: HttpsServer = createHttpsServer(
      {
        ...tls.store.serverOptions(),
        requestTimeout: REQUEST_TIMEOUT_MS,
        headersTimeout: HEADERS_TIMEOUT_MS,
      },
      app,
    );
    server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    server.on('tlsClientError', (error) => {
      logger.debug({ err: error.message }, 'TLS handshake failed');
    });
    tls.store.attach(server);
    const metricsServer: HttpServer = createHttpServer(createMetricsApp(registry));

    await listen(server, options.port, options.host);
    closers.push(() => closeGracefully(server, 0));
    await listen(metricsServer, options.metricsPort, options.host);
    closers.push(() => closeGracefully(metricsServer, 0));
    const port = (server.address() as AddressInfo).port;
    const metricsPort = (metricsServer.address() as AddressInfo).port;

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
    });

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

function listen(server: HttpServer | HttpsServer, port: number, host: string | undefined) {
  return new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => {
      reject(error);
    };
    server.once('error', onError);
    server.listen({ port, ...(host === undefined ? {} : { host }) }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
