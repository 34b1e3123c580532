import { deflateSync, gzipSync } from 'node:zlib';
import request from 'supertest';
import {
  profile,
  recorder,
  reviewBody,
  testHandlers,
} from '../../src/admission/test-support/reviews.js';
import { memoryLogger } from '../../src/observability/test-support/memory-logger.js';
import { DEFAULT_MAX_BODY_BYTES, createWebhookListener } from '../../src/http/webhook-listener.js';

describe('the webhook listener', () => {
  const createWebhook = createWebhookListener;
  const UID = '705ab4f5-6393-11e8-b7cc-42010a800002';
  const MiB = 1024 * 1024;

  function app() {
    const observer = recorder();
    const { logger, lines } = memoryLogger();
    const webhook = createWebhook({
      ...testHandlers({ observer }),
      logger,
      readiness: () => ({ ready: true, reasons: [] }),
    });
    return { webhook, observer, lines };
  }

  /** A review of exactly `bytes` bytes (padding in an annotation of the object). */
  function reviewOfSize(bytes: number): string {
    const make = (padding: string) =>
      JSON.stringify(
        reviewBody({
          object: profile('team', 'a@b.c', {
            metadata: { name: 'team', annotations: { pad: padding } },
          }),
        }),
      );
    const text = make('x'.repeat(bytes - Buffer.byteLength(make(''))));
    expect(Buffer.byteLength(text)).toBe(bytes);
    return text;
  }

  /** Posts the bytes as they are: superagent would otherwise JSON-encode a Buffer. */
  const post = (
    webhook: ReturnType<typeof app>['webhook'],
    body: string | Buffer,
    type = 'application/json',
  ) =>
    request(webhook)
      .post('/validate')
      .set('Content-Type', type)
      .serialize((data: unknown) => data as string)
      .send(body);

  describe('malformed bodies', () => {
    it('answers a body that is not JSON with 400 and a JSON error', async () => {
      const { webhook, lines } = app();
      const res = await post(webhook, 'this is not json')
        .expect(400)
        .expect('Content-Type', /json/);
      expect(res.body.error).toMatch(/^body: not valid JSON/);
      expect(res.body.response).toBeUndefined();
      expect(
        lines.some((line) => line.msg === 'rejected a body that is not an AdmissionReview'),
      ).toBe(true);
    });

    it.each<[string, string, string]>([
      ['{}', '{}', 'apiVersion: missing'],
      [
        'no request',
        '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}',
        'request: missing',
      ],
      ['an array', '[]', 'body: not a JSON object'],
      ['a number', '42', 'body: not a JSON object'],
      ['an empty body', '', 'body: empty'],
    ])('answers %s with 400 {error}', async (_label, body, error) => {
      const { webhook } = app();
      const res = await post(webhook, body).expect(400);
      expect(res.body).toEqual({ error });
    });

    it('answers a readable uid with 400 carrying both the error and an AdmissionReview, code 400', async () => {
      const { webhook, observer } = app();
      const body = {
        ...reviewBody({ object: profile('team', 'a@b.c') }),
        apiVersion: 'admission.k8s.io/v2',
      };
      const res = await request(webhook).post('/mutate').send(body).expect(400);
      const error = 'apiVersion: must be one of admission.k8s.io/v1, admission.k8s.io/v1beta1';
      expect(res.body).toEqual({
        error,
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        response: {
          uid: UID,
          allowed: false,
          status: { code: 400, reason: 'BadRequest', message: error },
        },
      });
      const beta = reviewBody({ apiVersion: 'admission.k8s.io/v1beta1', operation: 'PATCH' });
      const betaRes = await request(webhook).post('/validate').send(beta).expect(400);
      expect(betaRes.body.apiVersion).toBe('admission.k8s.io/v1beta1');
      expect(betaRes.body.response.uid).toBe(UID);
      expect(observer.records).toEqual([]);
    });

    it('accepts a body of exactly 7 MiB and refuses one byte more with 413 JSON', async () => {
      expect(DEFAULT_MAX_BODY_BYTES).toBe(7 * MiB);
      const { webhook, lines } = app();
      const ok = await post(webhook, reviewOfSize(7 * MiB)).expect(200);
      expect(ok.body.response).toMatchObject({ uid: UID, allowed: true });
      const tooBig = await post(webhook, reviewOfSize(7 * MiB + 1))
        .expect(413)
        .expect('Content-Type', /json/);
      expect(tooBig.body).toEqual({ error: `request body exceeds ${7 * MiB} bytes` });
      expect(lines.filter((line) => line.level === 'warn')).toEqual([
        expect.objectContaining({ status: 413, msg: 'rejected a request body' }),
      ]);
    });

    it('honours a smaller maxBodyBytes', async () => {
      const { logger } = memoryLogger();
      const webhook = createWebhook({
        ...testHandlers(),
        logger,
        readiness: () => ({ ready: true, reasons: [] }),
        maxBodyBytes: 1000,
      });
      const res = await post(webhook, reviewOfSize(1001)).expect(413);
      expect(res.body).toEqual({ error: 'request body exceeds 1000 bytes' });
      await post(webhook, reviewOfSize(1000)).expect(200);
    });

    it('refuses an 8 MiB body with 413, and a gzip body that inflates past the limit too', async () => {
      const { webhook } = app();
      await post(webhook, Buffer.alloc(8 * MiB, 0x20)).expect(413);
      const bomb = gzipSync(Buffer.from(reviewOfSize(8 * MiB)));
      expect(bomb.length).toBeLessThan(MiB);
      await post(webhook, bomb).set('Content-Encoding', 'gzip').expect(413);
      const small = gzipSync(
        Buffer.from(JSON.stringify(reviewBody({ object: profile('team', 'a@b.c') }))),
      );
      await post(webhook, small).set('Content-Encoding', 'gzip').expect(200);
    });

    it('accepts a deflate body on /validate and decides on the inflated review', async () => {
      const { webhook } = app();
      const body = deflateSync(
        Buffer.from(JSON.stringify(reviewBody({ object: profile('kubeflow', 'Bob') }))),
      );
      const res = await post(webhook, body).set('Content-Encoding', 'deflate').expect(200);
      expect(res.body).toMatchObject({
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        response: { uid: UID, allowed: false },
      });
    });

    it.each(['text/plain', 'application/octet-stream', 'application/x-www-form-urlencoded'])(
      'reads a JSON review sent as %s',
      async (type) => {
        const { webhook } = app();
        const res = await post(
          webhook,
          JSON.stringify(reviewBody({ object: profile('kubeflow', 'a@b.c') })),
          type,
        ).expect(200);
        expect(res.body.response).toMatchObject({
          uid: UID,
          allowed: false,
          status: { code: 403 },
        });
      },
    );

    it('reads a review sent with no Content-Type at all', async () => {
      const { webhook } = app();
      const res = await request(webhook)
        .post('/validate')
        .unset('Content-Type')
        .serialize((data: unknown) => data as string)
        .send(Buffer.from(JSON.stringify(reviewBody({ object: profile('team', 'a@b.c') }))))
        .expect(200);
      expect(res.body.response.uid).toBe(UID);
    });

    it('drops __proto__ and constructor.prototype keys: nothing is polluted', async () => {
      const { webhook, observer } = app();
      const object =
        '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"metadata":{"name":"team","__proto__":{"polluted":"yes"}},"spec":{"owner":{"kind":"User","name":"a@b.c"}}}';
      const body = JSON.stringify(reviewBody({ object: { placeholder: true } })).replace(
        '{"placeholder":true}',
        object,
      );
      for (const path of ['/validate', '/mutate']) {
        const res = await request(webhook)
          .post(path)
          .set('Content-Type', 'application/json')
          .send(`{"__proto__":{"polluted":"yes"},${body.slice(1)}`);
        expect(res.status).toBe(200);
        expect(res.body.response.uid).toBe(UID);
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty('polluted');
      const seen = observer.records[0]?.input.object as Record<string, unknown>;
      expect(Object.keys(seen).sort()).toEqual(['metadata', 'spec']);
      expect(Object.keys(seen.metadata as object)).toEqual(['name']);
    });

    // The API server never repeats a key, but a review that does is decided on one reading
    // only: the last value of each key (as JSON.parse and Go's decoder read it), the one the
    // answer and the decision record report.
    it.each([
      ['a reserved name first, then an allowed one', 'kubeflow', 'team', true],
      ['an allowed name first, then a reserved one', 'team', 'kubeflow', false],
    ])('decides on the last of two "object" keys: %s', async (_case, first, last, allowed) => {
      const { webhook, observer } = app();
      const body = JSON.stringify(reviewBody({ object: profile(last, 'a@b.c') })).replace(
        '"object":',
        `"object":${JSON.stringify(profile(first, 'a@b.c'))},"object":`,
      );
      const res = await post(webhook, body).expect(200);
      expect(res.body.response.allowed).toBe(allowed);
      if (!allowed) expect(res.body.response.status.message).toContain('"kubeflow"');
      const seen = observer.records[0]?.input.object as { metadata: { name: string } };
      expect(seen.metadata.name).toBe(last);
    });

    it('answers the last of two "uid" keys and records the same one', async () => {
      const { webhook, observer } = app();
      const body = JSON.stringify(reviewBody({ object: profile('team', 'a@b.c') })).replace(
        `"uid":"${UID}"`,
        `"uid":"first-uid","uid":"${UID}"`,
      );
      const res = await post(webhook, body).expect(200);
      expect(res.body.response.uid).toBe(UID);
      expect(observer.records[0]?.input.uid).toBe(UID);
    });

    it('answers a review whose object is a string with 200 and code 400', async () => {
      const { webhook } = app();
      const res = await post(webhook, JSON.stringify(reviewBody({ object: 'a string' }))).expect(
        200,
      );
      expect(res.body.response).toEqual({
        uid: UID,
        allowed: false,
        status: { code: 400, reason: 'BadRequest', message: 'request.object: not a JSON object' },
        auditAnnotations: { decision: 'denied' },
      });
    });

    it('answers, with its uid, a review whose object is nested far deeper than the stack', async () => {
      const { webhook } = app();
      const deep = '['.repeat(200_000) + ']'.repeat(200_000);
      const body = JSON.stringify(
        reviewBody({ object: profile('team', 'a@b.c', { spec: 0 }) }),
      ).replace('"spec":0', `"spec":${deep}`);
      for (const path of ['/validate', '/mutate']) {
        const res = await request(webhook)
          .post(path)
          .set('Content-Type', 'application/json')
          .send(body)
          .expect(200);
        expect(res.body.response.uid).toBe(UID);
        expect(typeof res.body.response.allowed).toBe('boolean');
      }
    });

    it('never answers an HTML page, even for a charset it cannot decode', async () => {
      const { webhook } = app();
      const res = await post(webhook, '{}', 'application/json; charset=klingon');
      expect(res.headers['content-type']).toMatch(/json/);
      expect(res.text).not.toMatch(/<html|<pre/i);
    });
  });
});
