import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { MAX_REVIEW_TOKENS, TOO_MANY_TOKENS } from '../admission/review-codec.js';
import { profile, profileReviewWithTokens, reviewBody } from '../admission/test-support/reviews.js';
import { memoryLogger } from '../observability/test-support/memory-logger.js';
import type { WorkerTestHooks } from '../offload/protocol.js';
import { startProfileGuard, type RunningProfileGuard } from './start-profile-guard.js';

// The decision worker runs dist/offload/decision-worker.js, which test/global-setup.mjs builds.

let dir: string;
const running: RunningProfileGuard[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pg-app-'));
});
afterEach(async () => {
  for (const guard of running.splice(0)) await guard.shutdown('test done');
  await rm(dir, { recursive: true, force: true });
});

/**
 * `serve` without a cluster, deciding bodies above 4 KiB (`aboveBytes`; 0: none) on a decision
 * worker.
 */
async function start(offload: {
  aboveBytes?: number;
  maxQueue?: number;
  testHooks?: WorkerTestHooks;
}) {
  const { logger, lines } = memoryLogger('info');
  const guard = await startProfileGuard({
    logger,
    policyPath: undefined,
    certDir: undefined,
    host: '127.0.0.1',
    port: 0,
    metricsPort: 0,
    cluster: { mode: 'off', reason: 'test' },
    caOut: join(dir, 'ca.crt'),
    env: {},
    homeDir: dir,
    shutdownTimeoutMs: 1000,
    offload: { aboveBytes: 4096, budgetMs: 20_000, ...offload },
  });
  running.push(guard);
  const post = (body: string, path = '/validate') =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          servername: 'localhost',
          port: guard.port,
          ca: guard.caPem,
          method: 'POST',
          path,
          agent: new Agent({ keepAlive: false }),
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            resolve({ status: res.statusCode ?? 0, body: text });
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return { guard, lines, post };
}

/** A Profile CREATE of more than 4 KiB (its labels), denied by the embedded policy if decided. */
const large = (uid: string) =>
  JSON.stringify(
    reviewBody({
      uid,
      object: profile('kube-system', 'alice@example.com', {
        metadata: {
          name: 'kube-system',
          labels: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`l${i}`, 'v'])),
        },
      }),
    }),
  );

/** The decision log lines about `uid`. */
const decisionLines = (lines: Record<string, unknown>[], uid: string) =>
  lines.filter((line) => line.uid === uid && line.decision !== undefined);

const ERROR_SERIES =
  'profile_guard_admission_requests_total{webhook="validate",kind="Profile",operation="CREATE",decision="error"}';

/**
 * Asserts that the offloaded request `uid` (a `large` Profile CREATE on /validate), denied
 * without a decision, has one decision log line (an `error` decision with `fields`) and is
 * counted both as an error decision and under the offload `result`.
 */
async function expectAuditedError(
  guard: RunningProfileGuard,
  lines: Record<string, unknown>[],
  { uid, result, fields }: { uid: string; result: string; fields: Record<string, unknown> },
): Promise<void> {
  expect(decisionLines(lines, uid)).toEqual([
    expect.objectContaining({
      webhook: 'validate',
      decision: 'error',
      kind: 'Profile',
      operation: 'CREATE',
      name: 'kube-system',
      ...fields,
    }),
  ]);
  const metrics = await (await fetch(`http://127.0.0.1:${guard.metricsPort}/metrics`)).text();
  expect(metrics).toContain(`${ERROR_SERIES} 1`);
  expect(metrics).toContain(
    `profile_guard_offload_requests_total{webhook="validate",result="${result}"} 1`,
  );
}

describe('startProfileGuard: offloaded requests denied without a decision are audited', () => {
  it('a full queue: a decision log record and the denied request counted', async () => {
    const hold = new SharedArrayBuffer(8);
    const { guard, lines, post } = await start({ maxQueue: 0, testHooks: { hold } });
    const first = post(large('first'));
    // Wait until the worker holds the first request: the queue (0 places) is full from then on.
    const { waitAsync } = Atomics as unknown as {
      waitAsync: (array: Int32Array, index: number, value: number) => { value: unknown };
    };
    await waitAsync(new Int32Array(hold), 1, 0).value;
    const second = await post(large('second'));
    expect(JSON.parse(second.body).response).toMatchObject({
      uid: 'second',
      allowed: false,
      status: { code: 500 },
    });
    await expectAuditedError(guard, lines, {
      uid: 'second',
      result: 'queue_full',
      fields: {
        user: 'alice@example.com',
        error: expect.stringMatching(/too many large requests are waiting/),
      },
    });
    Atomics.store(new Int32Array(hold), 0, 1);
    Atomics.notify(new Int32Array(hold), 0);
    expect(JSON.parse((await first).body).response.status.code).toBe(403);
  });

  it('a worker lost before it read the body: a decision log record and the denied request counted', async () => {
    const { guard, lines, post } = await start({ testHooks: { exitBeforeDecoding: true } });
    const answer = await post(large('lost'));
    expect(JSON.parse(answer.body).response).toMatchObject({
      uid: 'lost',
      allowed: false,
      status: { code: 500, message: expect.stringContaining('the decision worker exited') },
    });
    await expectAuditedError(guard, lines, {
      uid: 'lost',
      result: 'crash',
      fields: { error: expect.stringContaining('the decision worker exited (code 3)') },
    });
  });
});

describe('startProfileGuard: a body over the JSON token bound is denied unread and audited', () => {
  const modes = [
    ['inline (--offload-bytes 0)', 0],
    ['in the decision worker', 4096],
  ] as const;
  for (const [mode, aboveBytes] of modes) {
    for (const webhook of ['validate', 'mutate'] as const) {
      it(`${mode}, /${webhook}: 200 denial to its uid, a decision log line, the denied metric`, async () => {
        const { guard, lines, post } = await start({ aboveBytes });
        const answer = await post(
          profileReviewWithTokens(MAX_REVIEW_TOKENS + 1, 'dense'),
          `/${webhook}`,
        );
        expect(answer.status).toBe(200);
        expect(JSON.parse(answer.body)).toEqual({
          apiVersion: 'admission.k8s.io/v1',
          kind: 'AdmissionReview',
          response: {
            uid: 'dense',
            allowed: false,
            status: { code: 403, reason: 'Forbidden', message: TOO_MANY_TOKENS },
            auditAnnotations: { decision: 'denied' },
          },
        });
        expect(decisionLines(lines, 'dense')).toEqual([
          expect.objectContaining({
            webhook,
            decision: 'denied',
            kind: 'Profile',
            operation: 'CREATE',
            name: 'kube-system',
            user: 'alice@example.com',
            error: TOO_MANY_TOKENS,
          }),
        ]);
        const metrics = await (await fetch(`http://127.0.0.1:${guard.metricsPort}/metrics`)).text();
        expect(metrics).toContain(
          `profile_guard_admission_requests_total{webhook="${webhook}",kind="Profile",operation="CREATE",decision="denied"} 1`,
        );
        if (aboveBytes > 0) {
          expect(metrics).toContain(
            `profile_guard_offload_requests_total{webhook="${webhook}",result="decided"} 1`,
          );
        }
      });
    }

    it(`${mode}: a body of exactly the bound is decoded and judged as before`, async () => {
      const { lines, post } = await start({ aboveBytes });
      const answer = await post(profileReviewWithTokens(MAX_REVIEW_TOKENS, 'at-bound'));
      expect(answer.status).toBe(200);
      const { response } = JSON.parse(answer.body);
      expect(response).toMatchObject({ uid: 'at-bound', allowed: false, status: { code: 403 } });
      expect(response.status.message).toMatch(/^profile-name-reserved: /);
      expect(decisionLines(lines, 'at-bound')).toEqual([
        expect.objectContaining({
          decision: 'denied',
          rules: expect.arrayContaining(['profile-name-reserved']),
        }),
      ]);
    });

    it(`${mode}: over the bound without a uid at its start: 400 { error }`, async () => {
      const { post } = await start({ aboveBytes });
      const answer = await post(`[${'[],'.repeat(MAX_REVIEW_TOKENS / 2)}[]]`);
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body)).toEqual({ error: TOO_MANY_TOKENS });
    });
  }
});
