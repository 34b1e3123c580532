import type { AdmissionHandler, WebhookName } from '../admission/handler.js';
import { answerRawBody, type EndpointAnswer } from '../admission/review-endpoint.js';
import type { Logger } from '../observability/logger.js';

/**
 * The answer of `POST /mutate` or `POST /validate` to a request body, as both the express app
 * and the fast listener give it: the endpoint's answer, with a warning logged for a body that is
 * not an AdmissionReview (400). Nothing is logged for a review answered with 200.
 */
export function answerReview(
  bytes: Uint8Array,
  handler: AdmissionHandler,
  webhook: WebhookName,
  logger: Logger,
): EndpointAnswer {
  const answer = answerRawBody(bytes, handler);
  if (answer.status !== 200) {
    logger.warn(
      { webhook, status: answer.status, error: answer.body.error },
      'rejected a body that is not an AdmissionReview',
    );
  }
  return answer;
}
