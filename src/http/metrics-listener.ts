import type { Registry } from 'prom-client';

import { createRouter, type RequestListener } from './router.js';

/**
 * The metrics server's request listener (plain HTTP on `--metrics-port`): `GET /metrics` in the
 * registry's exposition format and content type, `GET /healthz` 200 `ok`; anything else 404/405
 * as JSON; `500 {"error":"could not collect metrics"}` when the registry fails to collect.
 */
export function createMetricsListener(registry: Registry): RequestListener {
  return createRouter(
    {
      '/metrics': {
        GET: async (_req, reply) => {
          const text = await registry.metrics();
          reply.text(200, registry.contentType, text);
        },
      },
      '/healthz': {
        GET: (_req, reply) => {
          reply.text(200, 'text/plain; charset=utf-8', 'ok');
        },
      },
    },
    {
      onError: (_error, reply) => {
        reply.json(500, { error: 'could not collect metrics' });
      },
    },
  );
}
