import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AdmissionHandler, WebhookName } from '../admission/handler.js';
import { answerReview } from './review-answer.js';
import {
  COMMON_HEADERS,
  DEFAULT_MAX_BODY_BYTES,
  createWebhookApp,
  type WebhookAppOptions,
} from './webhook-app.js';

/** A node:http / node:https request listener. */
export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** Options of {@link createWebhookListener}: the app's, and how to tell a shutdown. */
export interface WebhookListenerOptions extends WebhookAppOptions {
  /**
   * While true (during a graceful shutdown), every answer, including those of requests that were
   * already in flight, carries `Connection: close`, so keep-alive clients reconnect (to another
   * replica) instead of reusing a connection that is about to go. Read as each answer is sent.
   */
  readonly closingConnections?: () => boolean;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * The webhook server's request listener: the app of {@link createWebhookApp}, with the two hot
 * endpoints answered without express. `POST /mutate` and `POST /validate` (any query string, e.g.
 * the API server's `?timeout=10s`) with a `Content-Length` within the limit and no
 * `Content-Encoding` are read, answered and sent here, with the same status, body and headers as
 * the app gives them; every other request (gzip bodies, chunked or oversized bodies, other paths
 * and methods, `/healthz`, `/readyz`) goes to the app. Works with supertest like the app does.
 */
export function createWebhookListener(options: WebhookListenerOptions): RequestListener {
  const app = createWebhookApp(options);
  const closing = options.closingConnections ?? (() => false);
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
      closeWhen(closing, res);
      app(req, res);
      return;
    }
    readBody(req, length, (bytes) => {
      let answer: { status: number; body: unknown };
      if (bytes === undefined) {
        const error = 'request size did not match content length';
        logger.warn({ status: 400, error }, 'rejected a request body');
        answer = { status: 400, body: { error } };
      } else {
        try {
          answer = answerReview(bytes, route.handler, route.webhook, logger);
        } catch (error) {
          // The handlers never throw; should one, answer as the app's error handler does.
          logger.error({ err: error }, 'unhandled error in the webhook app');
          answer = { status: 500, body: { error: 'internal error' } };
        }
      }
      sendJson(res, answer.status, answer.body, closing());
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
 * `done` with it, or with undefined should the sizes differ. A request that is cut off calls
 * nothing: there is nobody left to answer.
 */
function readBody(
  req: IncomingMessage,
  length: number,
  done: (bytes: Buffer | undefined) => void,
): void {
  const chunks: Buffer[] = [];
  let received = 0;
  req.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    received += chunk.length;
  });
  req.on('end', () => {
    if (received !== length) done(undefined);
    else done(chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks));
  });
  req.on('error', () => undefined);
}

/**
 * For an answer the express app sends: adds `Connection: close` as its head is written if
 * `closing()` says so by then. The app's answers all go out through `writeHead` (an implicit
 * head included); these requests are the rare ones, so the per-response wrapper costs little.
 */
function closeWhen(closing: () => boolean, res: ServerResponse): void {
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  const patched = (...args: unknown[]): ServerResponse => {
    if (closing() && !res.headersSent) res.setHeader('Connection', 'close');
    return writeHead(...args);
  };
  (res as unknown as { writeHead: typeof patched }).writeHead = patched;
}

/** JSON with the app's headers; the string goes out in the same write as the head. */
function sendJson(res: ServerResponse, status: number, body: unknown, close: boolean): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = {
    ...COMMON_HEADERS,
    'Content-Type': JSON_TYPE,
    'Content-Length': Buffer.byteLength(text),
  };
  if (close) headers.Connection = 'close';
  res.writeHead(status, headers);
  res.end(text);
}
