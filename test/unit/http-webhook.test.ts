import request from 'supertest';
import { NO_CLUSTER } from '../../src/policy/cluster-snapshot.js';
import { createValidator } from '../../src/policy/engine.js';
import { createMutator } from '../../src/policy/mutation-engine.js';
import { staticPolicyProvider } from '../../src/policy/policy-provider.js';
import { MUTATORS, RULES } from '../../src/policy/catalog.js';
import { createMutatingHandler, createValidatingHandler } from '../../src/admission/handler.js';
import { applyJsonPatch } from '../../src/admission/apply-json-patch.js';
import {
  decodePatch,
  profile,
  recorder,
  reviewBody,
  testHandlers,
  testPolicy,
} from '../../src/admission/test-support/reviews.js';
import { memoryLogger } from '../../src/observability/test-support/memory-logger.js';
import { createWebhookListener, type Readiness } from '../../src/http/webhook-listener.js';

describe('the webhook listener', () => {
  const createWebhook = createWebhookListener;
  const UID = '705ab4f5-6393-11e8-b7cc-42010a800002';

  function app(
    options: { policy?: ReturnType<typeof testPolicy>; readiness?: () => Readiness } = {},
  ) {
    const observer = recorder();
    const { logger, lines } = memoryLogger();
    const handlers = testHandlers({ observer }, options.policy);
    const webhook = createWebhook({
      ...handlers,
      logger,
      readiness: options.readiness ?? (() => ({ ready: true, reasons: [] })),
    });
    return { webhook, observer, lines };
  }

  describe('POST /validate and /mutate: response rules', () => {
    it.each(['/validate', '/mutate'])(
      '%s echoes the uid, apiVersion and kind (v1 and v1beta1)',
      async (path) => {
        const { webhook } = app();
        for (const apiVersion of ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1']) {
          const res = await request(webhook)
            .post(path)
            .send(
              reviewBody({
                apiVersion,
                uid: `uid-${apiVersion}`,
                object: profile('team', 'a@b.c'),
              }),
            )
            .expect(200)
            .expect('Content-Type', /application\/json/);
          expect(res.body.apiVersion).toBe(apiVersion);
          expect(res.body.kind).toBe('AdmissionReview');
          expect(res.body.response.uid).toBe(`uid-${apiVersion}`);
        }
      },
    );

    it('denies with 403 Forbidden listing every failing rule with its field path', async () => {
      const { webhook } = app();
      const res = await request(webhook)
        .post('/validate')
        .send(reviewBody({ object: profile('kubeflow', 'Bob') }))
        .expect(200);
      expect(res.body.response).toEqual({
        uid: UID,
        allowed: false,
        status: {
          code: 403,
          reason: 'Forbidden',
          message:
            'profile-name-reserved: metadata.name "kubeflow" is reserved; ' +
            'profile-owner-format: spec.owner.name "Bob" is not an e-mail address; ' +
            'profile-owner-lowercase: spec.owner.name "Bob" has upper-case letters',
        },
        auditAnnotations: {
          decision: 'denied',
          rules: 'profile-name-reserved,profile-owner-format,profile-owner-lowercase',
          policy: 'test',
        },
      });
    });

    it('adds Warn-mode warnings, each at most 256 characters', async () => {
      const { webhook } = app({
        policy: testPolicy({ ruleModes: { 'profile-owner-lowercase': 'Warn' } }),
      });
      const owner = `${'B'.repeat(400)}@example.com`;
      const res = await request(webhook)
        .post('/validate')
        .send(reviewBody({ object: profile('team', owner) }))
        .expect(200);
      expect(res.body.response.allowed).toBe(true);
      expect(res.body.response.warnings).toHaveLength(1);
      const [warning] = res.body.response.warnings as string[];
      expect(Array.from(warning!)).toHaveLength(256);
      expect(warning!.startsWith('profile-owner-lowercase: spec.owner.name "BBB')).toBe(true);
      expect(warning!.endsWith('…')).toBe(true);
      expect(res.body.response.auditAnnotations).toEqual({
        decision: 'warned',
        rules: 'profile-owner-lowercase',
        policy: 'test',
      });
    });

    it('annotates an allowed request with decision only, under keys without /', async () => {
      const { webhook } = app();
      const res = await request(webhook)
        .post('/validate')
        .send(reviewBody({ object: profile('team', 'a@b.c') }))
        .expect(200);
      expect(res.body.response).toEqual({
        uid: UID,
        allowed: true,
        auditAnnotations: { decision: 'allowed', policy: 'test' },
      });
      for (const path of ['/validate', '/mutate']) {
        const other = await request(webhook)
          .post(path)
          .send(reviewBody({ object: profile('kubeflow', 'Bob') }));
        for (const key of Object.keys(other.body.response.auditAnnotations as object)) {
          expect(key).not.toContain('/');
        }
      }
    });

    it('patches with base64 JSONPatch, escaping / in label keys as ~1', async () => {
      const { webhook, observer } = app();
      const object = profile('team', 'a@b.c', {
        metadata: { name: 'team', labels: { owner: 'a' } },
      });
      const res = await request(webhook).post('/mutate').send(reviewBody({ object })).expect(200);
      expect(res.body.response.patchType).toBe('JSONPatch');
      expect(res.body.response.patch).toMatch(/^[A-Za-z0-9+/]+=*$/);
      expect(decodePatch(res.body.response.patch)).toEqual([
        {
          op: 'add',
          path: '/metadata/labels/app.kubernetes.io~1part-of',
          value: 'kubeflow-profile',
        },
        { op: 'add', path: '/spec/resourceQuotaSpec', value: { hard: { cpu: '4' } } },
      ]);
      expect(res.body.response.warnings).toBeUndefined();
      expect(observer.records[0]?.decision).toBe('patched');
    });

    it('is idempotent: the patched object gets no patch field at all', async () => {
      const { webhook } = app();
      const object = profile('team', 'a@b.c');
      const first = await request(webhook).post('/mutate').send(reviewBody({ object }));
      const mutated = applyJsonPatch(object, decodePatch(first.body.response.patch));
      const second = await request(webhook)
        .post('/mutate')
        .send(reviewBody({ object: mutated }))
        .expect(200);
      expect(second.body.response).toEqual({
        uid: UID,
        allowed: true,
        auditAnnotations: { decision: 'allowed', policy: 'test' },
      });
    });

    it('never patches DELETE', async () => {
      const { webhook } = app();
      const res = await request(webhook)
        .post('/mutate')
        .send(
          reviewBody({ operation: 'DELETE', name: 'team', oldObject: profile('team', 'a@b.c') }),
        )
        .expect(200);
      expect(res.body.response).toEqual({
        uid: UID,
        allowed: true,
        auditAnnotations: { decision: 'allowed' },
      });
    });

    it('gives dryRun the same decision, and the observer sees dryRun: true', async () => {
      const { webhook, observer } = app();
      const body = (dryRun: boolean) =>
        reviewBody({ object: profile('kubeflow', 'a@b.c'), dryRun });
      const wet = await request(webhook).post('/validate').send(body(false)).expect(200);
      const dry = await request(webhook).post('/validate').send(body(true)).expect(200);
      expect(dry.body).toEqual(wet.body);
      const wetPatch = await request(webhook).post('/mutate').send(body(false));
      const dryPatch = await request(webhook).post('/mutate').send(body(true));
      expect(dryPatch.body).toEqual(wetPatch.body);
      expect(observer.records.map((record) => [record.webhook, record.input.dryRun])).toEqual([
        ['validate', false],
        ['validate', true],
        ['mutate', false],
        ['mutate', true],
      ]);
    });

    it.each(['/validate', '/mutate'])('%s allows unhandled kinds with no patch', async (path) => {
      const { webhook } = app();
      const res = await request(webhook)
        .post(path)
        .send(
          reviewBody({
            kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
            object: { metadata: { name: 'd', labels: {} } },
          }),
        )
        .expect(200);
      expect(res.body.response).toEqual({ uid: UID, allowed: true });
    });

    it('answers a review whose object is a string with 200, allowed: false, code 400', async () => {
      const { webhook } = app();
      for (const path of ['/validate', '/mutate']) {
        const res = await request(webhook)
          .post(path)
          .send(reviewBody({ object: 'just a string' }))
          .expect(200);
        expect(res.body.response).toMatchObject({
          uid: UID,
          allowed: false,
          status: { code: 400, message: 'request.object: not a JSON object' },
        });
      }
    });

    it('runs the real rule and mutator catalog end to end', async () => {
      const deps = {
        validator: createValidator(RULES),
        mutator: createMutator(MUTATORS),
        policies: staticPolicyProvider(testPolicy()),
        snapshot: () => NO_CLUSTER,
      };
      const { logger } = memoryLogger();
      const webhook = createWebhook({
        validating: createValidatingHandler(deps),
        mutating: createMutatingHandler(deps),
        logger,
        readiness: () => ({ ready: true, reasons: [] }),
      });
      const denied = await request(webhook)
        .post('/validate')
        .send(reviewBody({ object: profile('kubeflow', 'alice@example.com') }))
        .expect(200);
      expect(denied.body.response.allowed).toBe(false);
      expect(denied.body.response.status.code).toBe(403);
      expect(denied.body.response.status.message).toMatch(
        /^profile-name-reserved: .*metadata\.name/,
      );
      const object = profile('team', 'alice@example.com', {
        metadata: { name: 'team', labels: { team: 'a' } },
      });
      const patched = await request(webhook)
        .post('/mutate')
        .send(reviewBody({ object }))
        .expect(200);
      const patch = decodePatch(patched.body.response.patch);
      expect(JSON.stringify(patch)).toContain('app.kubernetes.io~1part-of');
      const mutated = applyJsonPatch(object, patch);
      const again = await request(webhook)
        .post('/mutate')
        .send(reviewBody({ object: mutated }));
      expect(again.body.response.patch).toBeUndefined();
    });
  });

  describe('health, readiness and routing', () => {
    it('GET /healthz answers 200 ok', async () => {
      const res = await request(app().webhook).get('/healthz').expect(200);
      expect(res.text).toBe('ok');
    });

    it('GET /readyz answers 200 when ready, 503 with the reasons otherwise', async () => {
      const ready = await request(app().webhook).get('/readyz').expect(200);
      expect(ready.body).toEqual({ ready: true, reasons: [] });
      const notReady = app({
        readiness: () => ({ ready: false, reasons: ['policy not loaded', 'caches not synced'] }),
      });
      const res = await request(notReady.webhook).get('/readyz').expect(503);
      expect(res.body).toEqual({
        ready: false,
        reasons: ['policy not loaded', 'caches not synced'],
      });
      const throwing = app({
        readiness: () => {
          throw new Error('probe broke');
        },
      });
      const broken = await request(throwing.webhook).get('/readyz').expect(503);
      expect(broken.body).toEqual({
        ready: false,
        reasons: ['readiness check failed: probe broke'],
      });
    });

    it('answers unknown paths 404 and wrong methods 405, in JSON, without x-powered-by', async () => {
      const { webhook } = app();
      const missing = await request(webhook)
        .get('/nope')
        .expect(404)
        .expect('Content-Type', /json/);
      expect(missing.body).toEqual({ error: 'not found' });
      const wrong = await request(webhook).get('/validate').expect(405).expect('Allow', 'POST');
      expect(wrong.body).toEqual({ error: 'method GET not allowed; use POST' });
      await request(webhook).put('/mutate').expect(405);
      await request(webhook).post('/healthz').expect(405).expect('Allow', 'GET, HEAD');
      expect(missing.headers['x-powered-by']).toBeUndefined();
    });
  });
});
