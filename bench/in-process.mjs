// In-process benchmark: the real /validate and /mutate handlers (as `serve` builds them, with the
// metrics and decision-log observers) on a typical Profile review, their results encoded as the
// HTTP edge encodes them, timed per call with process.hrtime.bigint. Prints reviews/s (one review = mutate + validate) and latency percentiles.
//
// Runs the built package: `npm run build && node bench/in-process.mjs [--json]`.

import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';

import { profileReview } from './http-review.mjs';

const WARMUP = 5_000;
const ITERATIONS = 50_000;

/** Runs the benchmark; resolves with the figures (microseconds). */
export async function runInProcess({ iterations = ITERATIONS } = {}) {
  const { Registry } = await import('prom-client');
  const { createAdmissionHandlers } = await import('../dist/admission/admission-handlers.js');
  const { EMBEDDED_DEFAULT_POLICY } = await import('../dist/config/default-policy.js');
  const { staticPolicyProvider } = await import('../dist/policy/policy-provider.js');
  const { NO_CLUSTER } = await import('../dist/policy/cluster-snapshot.js');
  const { parseAdmissionReview } = await import('../dist/admission/review.js');
  const { createMetrics } = await import('../dist/observability/metrics.js');
  const { createLogger, createDecisionLogger } = await import('../dist/observability/logger.js');
  const { encodeReviewResponse } = await import('../dist/admission/review-codec.js');

  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  const logger = createLogger({ level: 'info', destination: sink });
  const metrics = createMetrics(new Registry(), { processMetrics: false });
  const { validating, mutating } = createAdmissionHandlers({
    policies: staticPolicyProvider(EMBEDDED_DEFAULT_POLICY),
    snapshot: () => NO_CLUSTER,
    observers: [metrics, createDecisionLogger(logger)],
  });
  /** One call as the edge makes it: decide, then encode the answer. */
  const answer = (handler, review) => encodeReviewResponse(handler.handle(review));
  const parsed = parseAdmissionReview(profileReview());
  if (!parsed.ok) throw new Error(parsed.error);
  const review = parsed.review;

  for (let i = 0; i < WARMUP; i++) {
    answer(mutating, review);
    answer(validating, review);
  }
  const mutate = new Float64Array(iterations);
  const validate = new Float64Array(iterations);
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    answer(mutating, review);
    const t1 = process.hrtime.bigint();
    answer(validating, review);
    const t2 = process.hrtime.bigint();
    mutate[i] = Number(t1 - t0) / 1000;
    validate[i] = Number(t2 - t1) / 1000;
  }
  const elapsedSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const both = mutate.map((value, i) => value + validate[i]);
  return {
    iterations,
    reviewsPerSecond: Math.round(iterations / elapsedSeconds),
    mutateMicros: percentiles(mutate),
    validateMicros: percentiles(validate),
    reviewMicros: percentiles(both),
  };
}

function percentiles(samples) {
  const sorted = Float64Array.from(samples).sort();
  const at = (q) => round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
  return { p50: at(0.5), p99: at(0.99), max: round(sorted[sorted.length - 1]) };
}

function round(value) {
  return Math.round(value * 10) / 10;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await runInProcess();
  if (process.argv.includes('--json')) console.log(JSON.stringify(result));
  else console.log(result);
}
