import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AdmissionHandler, WebhookName } from '../admission/handler.js';
import type { Logger } from '../observability/logger.js';
import { answerReview } from './review-answer.js';
import {
  COMMON_HEADERS,
  DEFAULT_MAX_BODY_BYTES,
  createWebhookApp,
  type WebhookAppOptions,
} from './webhook-app.js';

/** A node:http / node:https request listener. */
export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * The webhook server's request listener: the app of {@link createWebhookApp}, with the two hot
 * endpoints answered without express. `POST /mutate` and `POST /validate` (any query string, e.g.
 * the API server's `?timeout=10s`) with a `Content-Length` within the limit and no
 * `Content-Encoding` are read, answered and sent here, with the same status, body and headers as
 * the app gives them; every other request (gzip bodies, chunked or oversized bodies, other paths
 * and methods, `/healthz`, `/readyz`) goes to the app. Works with supertest like the app does.
 */
export function createWebhookListener(options: WebhookAppOptions): RequestListener {
  const app = createWebhookApp(options);
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const { logger } = options;
  const routes = new Map<string, { handler: AdmissionHandler; webhook: WebhookName }>([
    ['/mutate', { handler: options.mutating, webhook: 'mutate' }],
    ['/validate', { handler: options.validating, webhook: 'validate' }],
  ]);
  return (req, res) => {
    const route = req.method === 'POST' ? routes.get(pathOf(req.url ?? '')) : undefined;
    const length = route === undefined ? undefined : plainBodyLength(req, limit);
    if (route === undefined || length === undefined) {
      app(req, res);
      return;
    }
    readBody(req, res, length, logger, (bytes) => {
      try {
        const answer = answerReview(bytes, route.handler, route.webhook, logger);
        sendJson(res, answer.status, answer.body);
      } catch (error) {
        // The handlers never throw; should one, answer as the app's error handler does.
        logger.error({ err: error }, 'unhandled error in the webhook app');
        sendJson(res, 500, { error: 'internal error' });
      }
    });
  };
}

/** The path of a request target, without its query string. */
function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * The declared length of a body the fast path reads as it is: a plain decimal `Content-Length`
 * within `limit`, no `Transfer-Encoding`, no `Content-Encoding`. Undefined otherwise: the app
 * then decodes, limits and refuses it.
 */
function plainBodyLength(req: IncomingMessage, limit: number): number | undefined {
  const { headers } = req;
  if (headers['content-encoding'] !== undefined || headers['transfer-encoding'] !== undefined) {
    return undefined;
  }
  const declared = headers['content-length'];
  if (declared === undefined || !/^\d{1,10}$/.test(declared)) return undefined;
  const length = Number(declared);
  return length <= limit ? length : undefined;
}

/**
 * Collects a body of the declared `length` (node's parser frames it by that length), then calls
 * `done`, or answers 400 as the app's body reader does should the sizes differ. A request that is
 * cut off calls neither: there is nobody left to answer.
 */
function readBody(
  req: IncomingMessage,
  res: ServerResponse,
  length: number,
  logger: Logger,
  done: (bytes: Buffer) => void,
): void {
  const chunks: Buffer[] = [];
  let received = 0;
  req.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    received += chunk.length;
  });
  req.on('end', () => {
    if (received === length) {
      done(chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks));
      return;
    }
    const error = 'request size did not match content length';
    logger.warn({ status: 400, error }, 'rejected a request body');
    sendJson(res, 400, { error });
  });
  req.on('error', () => undefined);
}

/** JSON with the app's headers; the string goes out in the same write as the head. */
function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'Content-Type': JSON_TYPE,
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}
