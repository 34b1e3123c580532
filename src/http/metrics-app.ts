import express, { type ErrorRequestHandler, type Express } from 'express';
import type { Registry } from 'prom-client';
import { answerJson, methodNotAllowed, notFound } from './json-responses.js';

/**
 * The metrics app (plain HTTP on `--metrics-port`): `GET /metrics` in the registry's exposition
 * format and content type, `GET /healthz` 200 `ok`; anything else 404/405 as JSON.
 */
export function createMetricsApp(registry: Registry): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.get('/metrics', async (_req, res) => {
    const text = await registry.metrics();
    res.set('Content-Type', registry.contentType).send(text);
  });
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok');
  });
  app.all('/metrics', methodNotAllowed(['GET', 'HEAD']));
  app.all('/healthz', methodNotAllowed(['GET', 'HEAD']));
  app.use(notFound);
  const errors: ErrorRequestHandler = (_error: unknown, _req, res, _next) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    answerJson(res, 500, { error: 'could not collect metrics' });
  };
  app.use(errors);
  return app;
}
