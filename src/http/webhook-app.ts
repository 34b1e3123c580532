import express, {
  type ErrorRequestHandler,
  type Express,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import type { AdmissionHandler, WebhookName } from '../admission/handler.js';
import type { Logger } from '../observability/logger.js';
import { answerJson, methodNotAllowed, notFound } from './json-responses.js';
import { answerReview } from './review-answer.js';

/** The contract's body limit: 7 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 7 * 1024 * 1024;

/** Sent with every answer of the webhook server. */
export const COMMON_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
};

/** What `/readyz` reports: ready, or the reasons why not (e.g. `policy not loaded`). */
export interface Readiness {
  readonly ready: boolean;
  readonly reasons: readonly string[];
}

/** Options of {@link createWebhookApp}. */
export interface WebhookAppOptions {
  readonly validating: AdmissionHandler;
  readonly mutating: AdmissionHandler;
  readonly readiness: () => Readiness;
  readonly logger: Logger;
  /** Largest accepted body (after any Content-Encoding is undone); default 7 MiB. */
  readonly maxBodyBytes?: number;
}

/**
 * The webhook's express app (the caller serves it over HTTPS):
 * - `POST /mutate`, `POST /validate`: AdmissionReview in, AdmissionReview out (HTTP 200) for any
 *   well-formed review; 400 with `{ error }` (plus the AdmissionReview fields when a uid could be
 *   read) otherwise; 413 above `maxBodyBytes`. Bodies are read whatever their Content-Type.
 * - `GET /healthz`: 200 `ok`. `GET /readyz`: 200 or 503 with `{ ready, reasons }`.
 * - anything else: 404 or 405 (with `Allow`), JSON. Errors are always JSON, never an HTML page.
 */
export function createWebhookApp(options: WebhookAppOptions): Express {
  const { logger } = options;
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use((_req, res, next) => {
    res.set(COMMON_HEADERS);
    next();
  });

  // The API server sends application/json, but any Content-Type is read as bytes and must
  // parse as JSON; the limit also applies to a decompressed body.
  const rawBody = express.raw({ type: () => true, limit });
  const review = (handler: AdmissionHandler, webhook: WebhookName): RequestHandler[] => [
    rawBody,
    (req: Request, res: Response) => {
      const body: unknown = req.body;
      const bytes = body instanceof Uint8Array ? body : new Uint8Array();
      const answer = answerReview(bytes, handler, webhook, logger);
      answerJson(res, answer.status, answer.body);
    },
  ];

  app.post('/mutate', ...review(options.mutating, 'mutate'));
  app.post('/validate', ...review(options.validating, 'validate'));
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok');
  });
  app.get('/readyz', (_req, res) => {
    const readiness = readinessOf(options.readiness);
    answerJson(res, readiness.ready ? 200 : 503, readiness);
  });
  app.all('/mutate', methodNotAllowed(['POST']));
  app.all('/validate', methodNotAllowed(['POST']));
  app.all('/healthz', methodNotAllowed(['GET', 'HEAD']));
  app.all('/readyz', methodNotAllowed(['GET', 'HEAD']));
  app.use(notFound);
  app.use(jsonErrors(logger, limit));
  return app;
}

function readinessOf(probe: () => Readiness): Readiness {
  try {
    const { ready, reasons } = probe();
    return { ready, reasons: [...reasons] };
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    return { ready: false, reasons: [`readiness check failed: ${text}`] };
  }
}

/** Body-reading and unexpected errors as JSON: 413 for a body over the limit, 4xx as thrown. */
function jsonErrors(logger: Logger, limit: number): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    const status = statusOf(error);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (status >= 400 && status < 500) {
      const message = status === 413 ? `request body exceeds ${limit} bytes` : messageOf(error);
      logger.warn({ status, error: message }, 'rejected a request body');
      answerJson(res, status, { error: message });
    } else {
      logger.error({ err: error }, 'unhandled error in the webhook app');
      answerJson(res, 500, { error: 'internal error' });
    }
  };
}

function statusOf(error: unknown): number {
  if (typeof error !== 'object' || error === null) return 500;
  const { status, statusCode } = error as { status?: unknown; statusCode?: unknown };
  const code = typeof status === 'number' ? status : statusCode;
  return typeof code === 'number' && code >= 400 && code < 600 ? code : 500;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : 'bad request';
}
