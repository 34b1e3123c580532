import type { IncomingMessage } from 'node:http';

import type { AdmissionHandler, WebhookName } from '../admission/handler.js';
import {
  decodeReviewBytes,
  encodeReviewResponse,
  undecodedRecord,
} from '../admission/review-codec.js';
import type { DecisionRecord } from '../observability/decision-record.js';
import type { Logger } from '../observability/logger.js';
import { DEFAULT_MAX_BODY_BYTES, readRequestBody } from './request-body.js';
import { createRouter, JSON_TYPE, type Reply, type RequestListener } from './router.js';
import { errorMessage } from '../util/error-message.js';

export { DEFAULT_MAX_BODY_BYTES } from './request-body.js';
export type { RequestListener } from './router.js';

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

/**
 * Where bodies above `aboveBytes` are decided instead of on this thread (`serve --offload-bytes`):
 * the raw bytes go there undecoded (and are not used here afterwards); the answer comes back as
 * the status and JSON text to write as they are, `rejected` holding the error of a 400.
 */
export interface Offload {
  readonly aboveBytes: number;
  decide(
    webhook: WebhookName,
    bytes: Uint8Array,
  ): Promise<{ readonly status: number; readonly body: string; readonly rejected?: string }>;
}

/** Options of {@link createWebhookListener}. */
export interface WebhookListenerOptions {
  readonly validating: AdmissionHandler;
  readonly mutating: AdmissionHandler;
  readonly readiness: () => Readiness;
  readonly logger: Logger;
  /** Largest accepted body (on the wire and after any Content-Encoding is undone); 7 MiB. */
  readonly maxBodyBytes?: number;
  /**
   * While true (during a graceful shutdown), every answer, including those of requests that were
   * already in flight, carries `Connection: close`. Read as each answer is sent.
   */
  readonly closingConnections?: () => boolean;
  /** Bodies above a size decided elsewhere; absent: every body is decided inline. */
  readonly offload?: Offload;
  /**
   * Every decision reached here without a handler (a body denied unread, over the JSON token
   * bound), to be observed as the handlers' decisions are (metrics, decision log).
   */
  readonly onDecision?: (record: DecisionRecord) => void;
}

/**
 * The webhook server's request listener (the caller serves it over HTTPS), the one HTTP edge of
 * the admission endpoints:
 * - `POST /mutate`, `POST /validate`: the body is read under the limit (gzip, deflate and br
 *   decoded under the same limit), decoded as an AdmissionReview, handed to the handler, and
 *   its answer written once: HTTP 200 for any well-formed review; 400 with `{ error }` (plus the
 *   AdmissionReview fields when a uid could be read) otherwise; 413 over `maxBodyBytes`; 415 for
 *   another Content-Encoding. Bodies are read whatever their Content-Type. A body over the JSON
 *   token bound (`MAX_REVIEW_TOKENS`) is not decoded: HTTP 200 with the AdmissionReview denial
 *   (code 403) to the uid at its start, handed to `onDecision`; 400 when it has none there.
 * - `GET /healthz`: 200 `ok`. `GET /readyz`: 200 or 503 with `{ ready, reasons }`.
 * - anything else: 404 or 405 (with `Allow`), JSON.
 * With `offload`, a body larger than `offload.aboveBytes` is not decoded here: it is decided by
 * `offload` (a decision worker), whose answer is written as it comes, byte for byte what the
 * inline path writes; smaller bodies are decided inline as always.
 * Every answer carries {@link COMMON_HEADERS}. A handler that breaks its no-throw contract gets
 * `500 {"error":"internal error"}`, logged.
 */
export function createWebhookListener(options: WebhookListenerOptions): RequestListener {
  const { logger } = options;
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  const rejected = (webhook: WebhookName, error: string): void => {
    logger.warn({ webhook, status: 400, error }, 'rejected a body that is not an AdmissionReview');
  };

  const observe = (record: DecisionRecord): void => {
    try {
      options.onDecision?.(record);
    } catch (error) {
      logger.error({ err: error }, 'a decision observer failed');
    }
  };

  const review =
    (handler: AdmissionHandler, webhook: WebhookName) =>
    async (req: IncomingMessage, reply: Reply): Promise<void> => {
      const body = await readRequestBody(req, limit);
      if (!body.ok) {
        logger.warn({ status: body.status, error: body.error }, 'rejected a request body');
        reply.json(body.status, { error: body.error });
        return;
      }
      const offload = options.offload;
      if (offload !== undefined && body.bytes.length > offload.aboveBytes) {
        const answer = await offload.decide(webhook, body.bytes);
        if (answer.rejected !== undefined) rejected(webhook, answer.rejected);
        reply.text(answer.status, JSON_TYPE, answer.body);
        return;
      }
      const arrived = performance.now();
      const decoded = decodeReviewBytes(body.bytes);
      if (decoded.denied !== undefined) {
        const seconds = (performance.now() - arrived) / 1000;
        observe(undecodedRecord(webhook, decoded.denied, seconds));
        reply.json(200, decoded.body);
        return;
      }
      if (!decoded.ok) {
        rejected(webhook, decoded.body.error);
        reply.json(400, decoded.body);
        return;
      }
      reply.json(200, encodeReviewResponse(handler.handle(decoded.review)));
    };

  return createRouter(
    {
      '/mutate': { POST: review(options.mutating, 'mutate') },
      '/validate': { POST: review(options.validating, 'validate') },
      '/healthz': {
        GET: (_req, reply) => {
          reply.text(200, 'text/plain; charset=utf-8', 'ok');
        },
      },
      '/readyz': {
        GET: (_req, reply) => {
          const readiness = readinessOf(options.readiness);
          reply.json(readiness.ready ? 200 : 503, readiness);
        },
      },
    },
    {
      headers: COMMON_HEADERS,
      ...(options.closingConnections === undefined
        ? {}
        : { closingConnections: options.closingConnections }),
      onError: (error, reply) => {
        logger.error({ err: error }, 'unhandled error in the webhook app');
        reply.json(500, { error: 'internal error' });
      },
    },
  );
}

function readinessOf(probe: () => Readiness): Readiness {
  try {
    const { ready, reasons } = probe();
    return { ready, reasons: [...reasons] };
  } catch (error) {
    const text = errorMessage(error);
    return { ready: false, reasons: [`readiness check failed: ${text}`] };
  }
}
