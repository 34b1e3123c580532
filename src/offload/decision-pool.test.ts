import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getPriority } from 'node:os';

import { createAdmissionHandlers } from '../admission/admission-handlers.js';
import { profile, reviewBody } from '../admission/test-support/reviews.js';
import {
  decodeReviewBytes,
  encodeReviewResponse,
  undecodedRecord,
} from '../admission/review-codec.js';
import { EMBEDDED_DEFAULT_POLICY } from '../config/default-policy.js';
import { createWebhookListener } from '../http/webhook-listener.js';
import type { DecisionRecord, WebhookName } from '../observability/decision-record.js';
import type { OffloadResult, WorkerRestartReason } from '../observability/metrics.js';
import { memoryLogger } from '../observability/test-support/memory-logger.js';
import { NO_CLUSTER, type ClusterSnapshot } from '../policy/cluster-snapshot.js';
import { staticPolicyProvider } from '../policy/policy-provider.js';
import { selectingProvider } from '../policy/policy-selection.js';
import type { Policy } from '../policy/policy-spec.js';
import { cluster, namespace, roleBinding, user } from '../policy/test-support/cluster-fixtures.js';
import { testPolicy } from '../policy/test-support/test-policy.js';
import {
  createDecisionPool,
  type DecisionPool,
  type DecisionPoolOptions,
  type OffloadAnswer,
} from './decision-pool.js';
import type { PoliciesInForce } from './protocol.js';
import { trimRecord } from './trim-record.js';

// The worker runs dist/offload/decision-worker.js, which test/global-setup.mjs builds first.

const bytesOf = (value: unknown): Uint8Array =>
  new Uint8Array(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)));

interface Recorded {
  readonly results: { webhook: WebhookName; result: OffloadResult }[];
  readonly restarts: WorkerRestartReason[];
  readonly depths: number[];
}

const pools: DecisionPool[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const pool of pools.splice(0)) await pool.close();
  for (const server of servers.splice(0)) {
    await new Promise((resolve) => server.close(resolve));
  }
});

interface Setup {
  readonly snapshot?: ClusterSnapshot;
  readonly inForce?: PoliciesInForce;
}

function startPool(setup: Setup = {}, options: Partial<DecisionPoolOptions> = {}) {
  const records: DecisionRecord[] = [];
  const recorded: Recorded = { results: [], restarts: [], depths: [] };
  const { logger, lines } = memoryLogger();
  const pool = createDecisionPool({
    snapshot: () => setup.snapshot ?? NO_CLUSTER,
    policies: () => setup.inForce ?? { policies: [], fallback: EMBEDDED_DEFAULT_POLICY },
    onDecision: (record) => records.push(record),
    logger,
    // Generous, so that a loaded machine never turns a test's decision into a watchdog denial.
    budgetMs: 20_000,
    metrics: {
      offloaded: (webhook, result) => recorded.results.push({ webhook, result }),
      offloadWorkerRestarted: (reason) => recorded.restarts.push(reason),
      setOffloadQueueDepth: (depth) => recorded.depths.push(depth),
    },
    ...options,
  });
  pools.push(pool);
  return { pool, records, recorded, lines };
}

/** The answer and records of the inline path for the same bytes, the way `serve` builds it. */
function inline(webhook: WebhookName, bytes: Uint8Array, setup: Setup = {}) {
  const records: DecisionRecord[] = [];
  const inForce = setup.inForce;
  const handlers = createAdmissionHandlers({
    policies:
      inForce === undefined
        ? staticPolicyProvider(EMBEDDED_DEFAULT_POLICY)
        : selectingProvider(inForce.policies, inForce.fallback),
    snapshot: () => setup.snapshot ?? NO_CLUSTER,
    observers: [{ onDecision: (record) => records.push(record) }],
  });
  const decoded = decodeReviewBytes(bytes);
  if (decoded.denied !== undefined) {
    records.push(undecodedRecord(webhook, decoded.denied, 0));
    return { answer: { status: 200, body: JSON.stringify(decoded.body) }, records };
  }
  if (!decoded.ok) {
    return { answer: { status: 400, body: JSON.stringify(decoded.body) }, records };
  }
  const handler = webhook === 'validate' ? handlers.validating : handlers.mutating;
  const body = JSON.stringify(encodeReviewResponse(handler.handle(decoded.review)));
  return { answer: { status: 200, body }, records };
}

/** A record as an offloaded decision hands it to the observers, without the time taken. */
const comparable = (record: DecisionRecord) => ({ ...trimRecord(record), durationSeconds: 0 });

/** A hold word for the worker's `hold` seam: [0] releases it, [1] says it is holding. */
function holdWord() {
  const hold = new SharedArrayBuffer(8);
  const view = new Int32Array(hold);
  return {
    hold,
    /** From now on the worker holds before deciding (again). */
    engage: () => {
      Atomics.store(view, 0, 0);
      Atomics.store(view, 1, 0);
    },
    /** Resolves once the worker holds (it has decoded a body and waits before deciding). */
    holding: async () => {
      // Atomics.waitAsync (Node 16+) is not in this project's TypeScript lib yet.
      const { waitAsync } = Atomics as unknown as {
        waitAsync: (array: Int32Array, index: number, value: number) => { value: unknown };
      };
      await waitAsync(view, 1, 0).value;
    },
    release: () => {
      Atomics.store(view, 0, 1);
      Atomics.notify(view, 0);
    },
  };
}

const ALICE = profile('team', 'alice@example.com');
const REVIEWS: Record<string, unknown> = {
  'an allowed Profile CREATE': reviewBody({ object: ALICE }),
  'a denied Profile (reserved name)': reviewBody({
    object: profile('kube-system', 'alice@example.com'),
  }),
  'a warned Profile (upper-case owner)': reviewBody({
    object: profile('carol', 'Carol@example.com'),
  }),
  'a Profile UPDATE': reviewBody({
    operation: 'UPDATE',
    object: profile('team', 'alice@example.com', {
      metadata: { name: 'team', labels: { a: 'b' } },
    }),
    oldObject: ALICE,
  }),
  'a dry-run CREATE': reviewBody({ object: ALICE, dryRun: true }),
  'a v1beta1 review': reviewBody({ object: ALICE, apiVersion: 'admission.k8s.io/v1beta1' }),
  'a denied cross-namespace RoleBinding': reviewBody({
    kind: { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'RoleBinding' },
    namespace: 'alice',
    object: roleBinding('alice', 'share', { name: 'kubeflow-edit' }, [
      { kind: 'ServiceAccount', name: 'default', namespace: 'bob' },
    ]),
  }),
  'an allowed RoleBinding': reviewBody({
    kind: { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'RoleBinding' },
    namespace: 'alice',
    object: roleBinding('alice', 'share', { name: 'kubeflow-view' }, [user('bob@example.com')]),
  }),
  'a Profile with 30 000 labels': reviewBody({
    object: profile('team', 'alice@example.com', {
      metadata: {
        name: 'team',
        uid: 'object-uid',
        labels: Object.fromEntries(Array.from({ length: 30_000 }, (_, i) => [`l${i}`, 'v'])),
      },
    }),
  }),
  // Over the JSON token bound (2 tokens a label): denied unread, in the worker as inline.
  'a Profile with 60 000 labels (over the token bound)': reviewBody({
    object: profile('team', 'alice@example.com', {
      metadata: {
        name: 'team',
        labels: Object.fromEntries(Array.from({ length: 60_000 }, (_, i) => [`l${i}`, 'v'])),
      },
    }),
  }),
  'a body over the token bound without a uid': `[${'[],'.repeat(60_000)}[]]`,
  'a malformed review with a uid': { apiVersion: 'admission.k8s.io/v1', request: { uid: 'x' } },
  'a body that is not JSON': 'this is not json',
};

describe('createDecisionPool', () => {
  describe('answers byte for byte as the inline path, with the same observed records', () => {
    for (const [name, review] of Object.entries(REVIEWS)) {
      for (const webhook of ['validate', 'mutate'] as const) {
        it(`${name} on /${webhook}`, async () => {
          const { pool, records } = startPool();
          const expected = inline(webhook, bytesOf(review));
          const answer = await pool.decide(webhook, bytesOf(review));
          expect(answer.status).toBe(expected.answer.status);
          expect(answer.body).toBe(expected.answer.body);
          expect(records.map(comparable)).toEqual(expected.records.map(comparable));
          // Findings crossed as data (a getter on a prototype would not survive the copy).
          for (const finding of records.flatMap((record) => [
            ...(record.evaluation?.denials ?? []),
            ...(record.evaluation?.warnings ?? []),
          ])) {
            expect(Object.keys(finding)).toEqual(
              expect.arrayContaining(['ruleId', 'mode', 'path', 'message', 'ratcheted']),
            );
            expect(finding.message).toEqual(expect.any(String));
          }
        });
      }
    }
  });

  it('covers allow, deny, warn and patch among those reviews', async () => {
    const { pool } = startPool();
    const decide = async (webhook: WebhookName, review: unknown) =>
      JSON.parse((await pool.decide(webhook, bytesOf(review))).body) as {
        response: { allowed: boolean; warnings?: string[]; patch?: string };
      };
    const allowed = await decide('validate', REVIEWS['an allowed RoleBinding']);
    const denied = await decide('validate', REVIEWS['a denied Profile (reserved name)']);
    const warned = await decide('validate', REVIEWS['a warned Profile (upper-case owner)']);
    const patched = await decide('mutate', REVIEWS['an allowed Profile CREATE']);
    expect(allowed.response.allowed).toBe(true);
    expect(denied.response.allowed).toBe(false);
    expect(warned.response.warnings?.length).toBeGreaterThan(0);
    expect(patched.response.patch).toEqual(expect.any(String));
  });

  it('hands the body over to the worker instead of copying it', async () => {
    const { pool } = startPool();
    const bytes = bytesOf(REVIEWS['a Profile with 30 000 labels']);
    expect(bytes.byteLength).toBeGreaterThan(256 * 1024);
    const answer = pool.decide('validate', bytes);
    expect(bytes.byteLength).toBe(0); // detached: its memory moved to the worker
    expect((await answer).status).toBe(200);
  });

  it('gives the observers only the object metadata they read', async () => {
    const { pool, records } = startPool();
    await pool.decide('validate', bytesOf(REVIEWS['a Profile with 30 000 labels']));
    expect(records[0]?.input.object).toEqual({ metadata: { uid: 'object-uid' } });
  });

  it('reads the cluster snapshot of the main thread (a Namespace owned by someone else)', async () => {
    const snapshot = cluster([namespace('team', { owner: 'bob@example.com' })]);
    const review = bytesOf(reviewBody({ object: ALICE }));
    const { pool, records } = startPool({ snapshot });
    const expected = inline('validate', review, { snapshot });
    const answer = await pool.decide('validate', bytesOf(reviewBody({ object: ALICE })));
    expect(answer.body).toBe(expected.answer.body);
    expect(answer.body).toContain('profile-namespace-takeover');
    expect(records.map(comparable)).toEqual(expected.records.map(comparable));
  });

  it('passes the snapshot state: unsynced fails the stateful rules closed as inline', async () => {
    const snapshot: ClusterSnapshot = { ...NO_CLUSTER, state: 'unsynced' };
    const review = reviewBody({ object: ALICE });
    const { pool } = startPool({ snapshot });
    const expected = inline('validate', bytesOf(review), { snapshot });
    const answer = await pool.decide('validate', bytesOf(review));
    expect(answer.body).toBe(expected.answer.body);
    expect(JSON.parse(answer.body).response.allowed).toBe(false);
  });

  it('selects among the cluster policies as inline, and follows their changes', async () => {
    const strict: Policy = {
      ...testPolicy({ ruleModes: { 'profile-owner-lowercase': 'Enforce' } }),
      name: 'strict',
      generation: 4,
      spec: {
        ...testPolicy({ ruleModes: { 'profile-owner-lowercase': 'Enforce' } }).spec,
        selector: { matchLabels: { tier: 'strict' } },
      },
    };
    const carol = profile('carol', 'Carol@example.com', {
      metadata: { name: 'carol', labels: { tier: 'strict' } },
    });
    const review = reviewBody({ operation: 'UPDATE', object: carol, oldObject: carol });
    const setup = {
      snapshot: cluster(),
      inForce: { policies: [strict], fallback: EMBEDDED_DEFAULT_POLICY } as PoliciesInForce,
    };
    const { pool, records } = startPool(setup);
    const expected = inline('validate', bytesOf(review), setup);
    const answer = await pool.decide('validate', bytesOf(review));
    expect(answer.body).toBe(expected.answer.body);
    expect(JSON.parse(answer.body).response.auditAnnotations.policy).toBe('strict');
    expect(records[0]?.policy).toEqual({ name: 'strict', generation: 4 });

    // The policy goes out of force: the next request is decided under the fallback.
    (setup as { inForce: PoliciesInForce }).inForce = {
      policies: [],
      fallback: EMBEDDED_DEFAULT_POLICY,
    };
    const after = await pool.decide('validate', bytesOf(review));
    expect(after.body).toBe(inline('validate', bytesOf(review), setup).answer.body);
    expect(JSON.parse(after.body).response.auditAnnotations.policy).toBe(
      EMBEDDED_DEFAULT_POLICY.name,
    );
  });

  it('denies with code 500 when a cluster lookup gets no answer in time', async () => {
    const { pool, records, recorded } = startPool(
      { snapshot: cluster() },
      { lookupTimeoutMs: 50, testHooks: { dropLookups: true } },
    );
    const answer = await pool.decide('validate', bytesOf(reviewBody({ object: ALICE })));
    const { response } = JSON.parse(answer.body);
    expect(answer.status).toBe(200);
    expect(response.allowed).toBe(false);
    expect(response.status.code).toBe(500);
    expect(response.status.message).toMatch(/cluster lookup \w+\(.*\) got no answer within 50 ms/);
    expect(records[0]?.decision).toBe('error');
    expect(recorded.results).toEqual([{ webhook: 'validate', result: 'decided' }]);
  });

  it('quotes a caller-controlled lookup argument capped in its denial', async () => {
    const { pool, records } = startPool(
      { snapshot: cluster() },
      { lookupTimeoutMs: 50, testHooks: { dropLookups: true } },
    );
    // Every lookup's argument (the Profile's name, its owner) is 512 KiB long.
    const name = 'a'.repeat(512 * 1024);
    const answer = await pool.decide(
      'validate',
      bytesOf(reviewBody({ object: profile(name, `${name}@example.com`) })),
    );
    const { message } = JSON.parse(answer.body).response.status;
    expect(message).toMatch(
      /^internal error: cluster lookup \w+\(".{1,79}\) got no answer within 50 ms$/,
    );
    expect(message).toContain('aaa…)');
    expect(message.length).toBeLessThan(200);
    expect(records[0]?.error).toBe(message);
  });

  it('denies with code 500 when a cluster lookup fails, even for a Warn rule', async () => {
    const broken: ClusterSnapshot = {
      state: 'synced',
      getProfile: () => {
        throw new Error('cache broken');
      },
      profilesOwnedBy: () => {
        throw new Error('cache broken');
      },
      profilesWithPluginIdentity: () => {
        throw new Error('cache broken');
      },
      getNamespace: () => {
        throw new Error('cache broken');
      },
      roleBindingsIn: () => {
        throw new Error('cache broken');
      },
    };
    const warnOnly = testPolicy({ defaultMode: 'Warn' });
    const { pool } = startPool({
      snapshot: broken,
      inForce: { policies: [], fallback: warnOnly },
    });
    const answer = await pool.decide('validate', bytesOf(reviewBody({ object: ALICE })));
    const { response } = JSON.parse(answer.body);
    expect(response.allowed).toBe(false);
    expect(response.status.code).toBe(500);
    expect(response.status.message).toContain('failed: cache broken');
  });

  it('keeps /healthz and small reviews answering while the worker is busy', async () => {
    const word = holdWord();
    const { pool } = startPool({}, { testHooks: { hold: word.hold } });
    const handlers = createAdmissionHandlers({
      policies: staticPolicyProvider(EMBEDDED_DEFAULT_POLICY),
      snapshot: () => NO_CLUSTER,
    });
    const listener = createWebhookListener({
      ...handlers,
      readiness: () => ({ ready: true, reasons: [] }),
      logger: memoryLogger().logger,
      offload: { aboveBytes: 64 * 1024, decide: (webhook, bytes) => pool.decide(webhook, bytes) },
    });
    const server = createServer(listener);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const post = (body: unknown) =>
      fetch(`${base}/validate`, { method: 'POST', body: JSON.stringify(body) });

    const order: string[] = [];
    const large = post(REVIEWS['a Profile with 30 000 labels']).then(async (res) => {
      order.push('large');
      return { status: res.status, body: await res.text() };
    });
    await word.holding();
    const health = await fetch(`${base}/healthz`);
    order.push('healthz');
    const small = await post(reviewBody({ object: ALICE }));
    order.push('small');
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('ok');
    expect(small.status).toBe(200);
    word.release();
    const answer = await large;
    expect(order).toEqual(['healthz', 'small', 'large']);
    expect(answer.body).toBe(
      inline('validate', bytesOf(REVIEWS['a Profile with 30 000 labels'])).answer.body,
    );
  });

  it('stops a worker past the budget, denies its request, and decides the next on a new one', async () => {
    const word = holdWord();
    const { pool, records, recorded } = startPool(
      {},
      { budgetMs: 1000, testHooks: { hold: word.hold } },
    );
    // A first decision, released, so that the worker has loaded before the budget matters.
    word.release();
    await pool.decide('validate', bytesOf(reviewBody({ uid: 'warm', object: ALICE })));
    records.length = 0;
    recorded.results.length = 0;
    word.engage();
    const review = reviewBody({ uid: 'slow', object: ALICE });
    const answer = await pool.decide('validate', bytesOf(review));
    expect(answer.status).toBe(200);
    const { response, apiVersion } = JSON.parse(answer.body);
    expect(apiVersion).toBe('admission.k8s.io/v1');
    expect(response).toEqual({
      uid: 'slow',
      allowed: false,
      status: {
        code: 500,
        reason: 'InternalError',
        message: expect.stringContaining('not decided within 1000 ms'),
      },
      auditAnnotations: { decision: 'denied' },
    });
    expect(recorded.restarts).toEqual(['timeout']);
    expect(records.map((record) => [record.input.uid, record.decision])).toEqual([
      ['slow', 'error'],
    ]);

    word.release();
    const next = await pool.decide('validate', bytesOf(reviewBody({ object: ALICE })));
    expect(next.body).toBe(inline('validate', bytesOf(reviewBody({ object: ALICE }))).answer.body);
    expect(recorded.results.map((entry) => entry.result)).toEqual(['timeout', 'decided']);
  });

  it('denies at once when too many requests wait', async () => {
    const word = holdWord();
    const { pool, records, recorded } = startPool(
      {},
      { maxQueue: 1, testHooks: { hold: word.hold } },
    );
    const first = pool.decide('validate', bytesOf(reviewBody({ uid: 'first', object: ALICE })));
    await word.holding();
    const second = pool.decide('validate', bytesOf(reviewBody({ uid: 'second', object: ALICE })));
    expect(pool.queued()).toBe(1);
    const third = await pool.decide(
      'validate',
      bytesOf(reviewBody({ uid: 'third', object: ALICE })),
    );
    expect(third.status).toBe(200);
    expect(JSON.parse(third.body).response).toEqual({
      uid: 'third',
      allowed: false,
      status: {
        code: 500,
        reason: 'InternalError',
        message: expect.stringMatching(/too many large requests are waiting/),
      },
      auditAnnotations: { decision: 'denied' },
    });
    // Without the API server's envelope at the start of the body, no uid to answer: HTTP 503.
    const fourth = await pool.decide('validate', bytesOf({ request: { kind: {}, uid: 'fourth' } }));
    expect(fourth.status).toBe(503);
    expect(JSON.parse(fourth.body).error).toMatch(/too many large requests are waiting/);
    word.release();
    const answers: OffloadAnswer[] = await Promise.all([first, second]);
    expect(
      answers.map(
        (answer) => (JSON.parse(answer.body) as { response: { uid: string } }).response.uid,
      ),
    ).toEqual(['first', 'second']);
    expect(recorded.results.map((entry) => entry.result)).toEqual([
      'queue_full',
      'queue_full',
      'decided',
      'decided',
    ]);
    expect(recorded.depths).toContain(1);
    expect(recorded.depths.at(-1)).toBe(0);
    // Both denials are observed, with what the start of each body said.
    expect(records.slice(0, 2).map((record) => [record.decision, record.input.uid])).toEqual([
      ['error', 'third'],
      ['error', '<unknown>'],
    ]);
    expect(records[0]).toMatchObject({
      webhook: 'validate',
      input: {
        target: 'Profile',
        apiVersion: 'kubeflow.org/v1',
        kind: 'Profile',
        operation: 'CREATE',
        name: 'team',
        namespace: '',
        user: { username: 'alice@example.com', groups: [] },
        object: undefined,
      },
      error: expect.stringMatching(/too many large requests are waiting/),
    });
    expect(records[1]?.input).toMatchObject({
      kind: '<unknown>',
      operation: '<unknown>',
      name: '<unknown>',
    });
  });

  it('observes a request the worker died on before reading it, with what its start says', async () => {
    const { pool, records, recorded } = startPool({}, { testHooks: { exitBeforeDecoding: true } });
    const review = reviewBody({
      uid: 'unread',
      kind: { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'RoleBinding' },
      namespace: 'alice',
      operation: 'DELETE',
      object: roleBinding('alice', 'share', { name: 'kubeflow-edit' }, [user('bob@example.com')]),
    });
    const answer = await pool.decide('mutate', bytesOf(review));
    const { response } = JSON.parse(answer.body);
    expect([response.uid, response.allowed, response.status.code]).toEqual(['unread', false, 500]);
    expect(recorded.results).toEqual([{ webhook: 'mutate', result: 'crash' }]);
    expect(records).toEqual([
      {
        webhook: 'mutate',
        input: {
          uid: 'unread',
          target: 'RoleBinding',
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          operation: 'DELETE',
          name: 'share',
          namespace: 'alice',
          user: { username: 'alice@example.com', groups: [] },
          dryRun: false,
          object: undefined,
        },
        decision: 'error',
        policy: undefined,
        evaluation: undefined,
        mutation: undefined,
        error: response.status.message,
        durationSeconds: expect.any(Number),
      },
    ]);
  });

  it('fails the request of a worker that dies closed, and replaces the worker', async () => {
    const { pool, records, recorded } = startPool({}, { testHooks: { exitOnUid: 'crash' } });
    const answer = await pool.decide(
      'mutate',
      bytesOf(reviewBody({ uid: 'crash', object: ALICE })),
    );
    const { response } = JSON.parse(answer.body);
    expect(response.uid).toBe('crash');
    expect(response.allowed).toBe(false);
    expect(response.status.code).toBe(500);
    expect(response.status.message).toContain('the decision worker exited (code 3)');
    expect(recorded.restarts).toEqual(['crash']);
    expect(records[0]?.decision).toBe('error');

    const next = await pool.decide('mutate', bytesOf(reviewBody({ object: ALICE })));
    expect(next.body).toBe(inline('mutate', bytesOf(reviewBody({ object: ALICE }))).answer.body);
  });

  describe('runs the worker at a lower scheduling priority than the main thread', () => {
    const cases: [string, Partial<DecisionPoolOptions>, number][] = [
      ['by default, 10 nice levels lower', {}, 10],
      ['`nice` levels lower', { nice: 4 }, 4],
      ['as the main thread with `nice` 0', { nice: 0 }, 0],
    ];
    for (const [name, options, levels] of cases) {
      it(name, async () => {
        const main = getPriority(0);
        const { pool, lines } = startPool({}, options);
        // The worker reports its priority before it answers anything.
        await pool.decide('validate', bytesOf(reviewBody({ object: ALICE })));
        expect(pool.workerPriority()).toBe(Math.min(19, main + levels));
        // Per thread: the main thread's own priority is untouched.
        expect(getPriority(0)).toBe(main);
        expect(lines.filter((line) => line.msg === 'decision worker started')).toEqual([
          expect.objectContaining({ nice: levels, priority: Math.min(19, main + levels) }),
        ]);
      });
    }

    it('gives a replaced worker the same priority', async () => {
      const main = getPriority(0);
      const { pool } = startPool({}, { nice: 3, testHooks: { exitOnUid: 'crash' } });
      await pool.decide('validate', bytesOf(reviewBody({ uid: 'crash', object: ALICE })));
      await pool.decide('validate', bytesOf(reviewBody({ object: ALICE })));
      expect(pool.workerPriority()).toBe(Math.min(19, main + 3));
      expect(getPriority(0)).toBe(main);
    });
  });

  it('takes waiting requests round robin over their users', async () => {
    const word = holdWord();
    const { pool } = startPool({}, { testHooks: { hold: word.hold } });
    const order: string[] = [];
    const send = (uid: string, username: string) =>
      pool
        .decide('validate', bytesOf(reviewBody({ uid, username, object: ALICE })))
        .then(() => order.push(uid));
    const first = send('busy', 'mallory@example.com');
    await word.holding();
    const rest = [
      send('m1', 'mallory@example.com'),
      send('m2', 'mallory@example.com'),
      send('m3', 'mallory@example.com'),
      send('b1', 'bob@example.com'),
    ];
    word.release();
    await Promise.all([first, ...rest]);
    expect(order).toEqual(['busy', 'm1', 'b1', 'm2', 'm3']);
  });

  it('denies what still waits at close, and everything after', async () => {
    const word = holdWord();
    const { pool } = startPool({}, { testHooks: { hold: word.hold } });
    const first = pool.decide('validate', bytesOf(reviewBody({ object: ALICE })));
    await word.holding();
    const waiting = pool.decide('validate', bytesOf(reviewBody({ object: ALICE })));
    await pool.close();
    const waited = JSON.parse((await waiting).body);
    expect(waited.response.allowed).toBe(false);
    expect(waited.response.status.message).toBe('the server is shutting down');
    // Denied either way: as an AdmissionReview once its identity reached this thread, else 500.
    const stopped = await first;
    const refused =
      stopped.status === 200
        ? JSON.parse(stopped.body).response.allowed === false
        : stopped.status === 500;
    expect(refused).toBe(true);
    const later = await pool.decide('validate', bytesOf({ not: 'a review' }));
    expect(later).toEqual({ status: 503, body: '{"error":"the server is shutting down"}' });
  });
});
