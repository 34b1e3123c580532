import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

import type { Registry } from 'prom-client';

import { createMetricsListener } from '../http/metrics-listener.js';
import type { RequestListener } from '../http/webhook-listener.js';
import type { Logger } from '../observability/logger.js';
import type { CertificateStore } from '../tls/certificate-store.js';

/** Idle keep-alive connections live this long: above the API server's 90 s idle timeout. */
export const KEEP_ALIVE_TIMEOUT_MS = 95_000;
/** Must exceed the keep-alive timeout, so a reused connection is never cut mid-request. */
export const HEADERS_TIMEOUT_MS = 96_000;
/** A whole request (headers and body) must arrive within this; protects against slow senders. */
export const REQUEST_TIMEOUT_MS = 120_000;

/**
 * The HTTPS server of the webhook (not yet listening): serves `listener` with the store's
 * current pair (swapped in on rotation), keep-alive above the API server's idle timeout and a
 * whole-request deadline. A failed TLS handshake is logged at debug level only.
 */
export function createWebhookServer(
  store: CertificateStore,
  listener: RequestListener,
  logger: Logger,
): HttpsServer {
  const server = createHttpsServer(
    {
      ...store.serverOptions(),
      requestTimeout: REQUEST_TIMEOUT_MS,
      headersTimeout: HEADERS_TIMEOUT_MS,
    },
    listener,
  );
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.on('tlsClientError', (error) => {
    logger.debug({ err: error.message }, 'TLS handshake failed');
  });
  store.attach(server);
  return server;
}

/** The plain-HTTP metrics server (not yet listening) over `registry`. */
export function createMetricsServer(registry: Registry): HttpServer {
  return createHttpServer(createMetricsListener(registry));
}

/** Binds `server` and resolves with the bound port (useful with port 0); rejects on an error. */
export function listen(
  server: HttpServer | HttpsServer,
  port: number,
  host: string | undefined,
): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const onError = (error: Error): void => {
      reject(error);
    };
    server.once('error', onError);
    server.listen({ port, ...(host === undefined ? {} : { host }) }, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
