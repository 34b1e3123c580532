import fc from 'fast-check';
import request from 'supertest';
import type { AdmissionHandler } from '../../src/admission/handler.js';
import { createMutatingHandler, createValidatingHandler } from '../../src/admission/handler.js';
import {
  decodeReview,
  decodeReviewBytes,
  encodeReviewResponse,
  type DecodedReview,
  type ReviewErrorBody,
} from '../../src/admission/review-codec.js';
import type { AdmissionReviewResponse } from '../../src/admission/review.js';
import { REVIEW_API_VERSIONS } from '../../src/admission/review.js';
import { applyJsonPatch } from '../../src/admission/apply-json-patch.js';
import type { JsonPatchOperation } from '../../src/admission/json-patch.js';
import {
  PROFILE_KIND,
  reviewBody,
  testDeps,
  testHandlers,
} from '../../src/admission/test-support/reviews.js';
import { createMutator } from '../../src/policy/mutation-engine.js';
import { createValidator } from '../../src/policy/engine.js';
import { MUTATORS, RULES } from '../../src/policy/catalog.js';
import { memoryLogger } from '../../src/observability/test-support/memory-logger.js';
import { createWebhookListener } from '../../src/http/webhook-listener.js';

type Json = Record<string, unknown>;

const KINDS = [
  PROFILE_KIND,
  { group: 'kubeflow.org', version: 'v1beta1', kind: 'Profile' },
  { group: '', version: 'v1', kind: 'Namespace' },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'RoleBinding' },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRoleBinding' },
  { group: 'security.istio.io', version: 'v1', kind: 'AuthorizationPolicy' },
  { group: 'security.istio.io', version: 'v1beta1', kind: 'AuthorizationPolicy' },
  { group: '', version: 'v1', kind: 'Pod' },
];

const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom(
    'kubeflow',
    'team-a',
    'Alice@Example.com',
    'a@b.c',
    'app.kubernetes.io/part-of',
    '__proto__',
    'cpu',
    '4',
    'x/y~z',
  ),
);
const stringMap = fc.dictionary(text, fc.oneof(text, fc.integer()), { maxKeys: 4 });
const anyJson = fc.jsonValue({ maxDepth: 3 });

/** Objects shaped like the handled kinds, with every field optional and sometimes the wrong type. */
const kubeObject = fc.record(
  {
    apiVersion: text,
    kind: text,
    metadata: fc.oneof(
      fc.record(
        {
          name: fc.oneof(text, anyJson),
          namespace: text,
          labels: fc.oneof(stringMap, anyJson),
          annotations: fc.oneof(stringMap, anyJson),
        },
        { requiredKeys: [] },
      ),
      anyJson,
    ),
    spec: fc.oneof(
      fc.record(
        {
          owner: fc.oneof(
            fc.record({ kind: text, name: text, apiGroup: text }, { requiredKeys: [] }),
            anyJson,
          ),
          resourceQuotaSpec: fc.oneof(
            fc.record({ hard: fc.oneof(stringMap, anyJson) }, { requiredKeys: [] }),
            anyJson,
          ),
          plugins: anyJson,
        },
        { requiredKeys: [] },
      ),
      anyJson,
    ),
    subjects: fc.array(
      fc.record({ kind: text, name: text, namespace: text }, { requiredKeys: [] }),
      { maxLength: 3 },
    ),
    roleRef: fc.record({ kind: text, name: text }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);

/** Well-formed reviews of any handled (or unhandled) kind and operation. */
const validReview = fc
  .record({
    uid: fc.oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 8 })),
    apiVersion: fc.constantFrom(...REVIEW_API_VERSIONS),
    kind: fc.constantFrom(...KINDS),
    operation: fc.constantFrom('CREATE', 'UPDATE', 'DELETE', 'CONNECT'),
    object: fc.option(kubeObject, { nil: undefined }),
    oldObject: fc.option(kubeObject, { nil: undefined }),
    namespace: fc.option(text, { nil: undefined }),
    username: text,
    groups: fc.array(text, { maxLength: 3 }),
    dryRun: fc.boolean(),
  })
  .map((options) => reviewBody(options));

/** A path into a review, and what to do there: delete it, or put arbitrary JSON in. */
const PATHS = [
  ['apiVersion'],
  ['kind'],
  ['request'],
  ['request', 'uid'],
  ['request', 'kind'],
  ['request', 'kind', 'group'],
  ['request', 'kind', 'version'],
  ['request', 'kind', 'kind'],
  ['request', 'operation'],
  ['request', 'name'],
  ['request', 'namespace'],
  ['request', 'userInfo'],
  ['request', 'userInfo', 'username'],
  ['request', 'userInfo', 'groups'],
  ['request', 'object'],
  ['request', 'object', 'metadata'],
  ['request', 'object', 'metadata', 'labels'],
  ['request', 'object', 'spec'],
  ['request', 'oldObject'],
  ['request', 'dryRun'],
];
const edit = fc.tuple(fc.constantFrom(...PATHS), fc.option(anyJson, { nil: undefined }));
const mutatedReview = fc
  .tuple(validReview, fc.array(edit, { minLength: 1, maxLength: 3 }))
  .map(([review, edits]) => {
    const copy = structuredClone(review);
    for (const [path, value] of edits) setPath(copy, path, value);
    return copy;
  });

const anyBody = fc.oneof(anyJson, validReview, mutatedReview, mutatedReview);

function setPath(root: Json, path: readonly string[], value: unknown): void {
  let node: unknown = root;
  for (const key of path.slice(0, -1)) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return;
    node = (node as Json)[key];
  }
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return;
  const last = path[path.length - 1]!;
  if (value === undefined) Reflect.deleteProperty(node, last);
  else (node as Json)[last] = value;
}

/** The uid an answer must carry: `request.uid` when it is a non-empty string. */
function readableUid(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const requestPart = (body as Json).request;
  if (typeof requestPart !== 'object' || requestPart === null || Array.isArray(requestPart))
    return undefined;
  const uid = (requestPart as Json).uid;
  return typeof uid === 'string' && uid !== '' ? uid : undefined;
}

/** What an answer may hold; every leaf is checked, so nothing is trusted. */
interface AnswerShape {
  apiVersion?: unknown;
  kind?: unknown;
  error?: unknown;
  response?: {
    uid?: unknown;
    allowed?: unknown;
    status?: { code?: unknown; message?: unknown };
    patch?: unknown;
    patchType?: unknown;
    warnings?: unknown[];
    auditAnnotations?: Record<string, unknown>;
  };
}

/** Asserts the contract's shape of an answer to `input`. */
function checkAnswer(input: unknown, answer: { status: number; body: unknown }): void {
  const uid = readableUid(input);
  const body = answer.body as AnswerShape;
  expect(JSON.parse(JSON.stringify(body))).toEqual(body);
  if (answer.status === 200) {
    expect(uid).toBeDefined();
    expect(body.apiVersion).toBe((input as Json).apiVersion);
    expect(body.kind).toBe('AdmissionReview');
    const response = body.response!;
    expect(response.uid).toBe(uid);
    expect(typeof response.allowed).toBe('boolean');
    if (!response.allowed) {
      expect([400, 403, 500]).toContain(response.status?.code);
      expect(typeof response.status?.message).toBe('string');
      expect(response.patch).toBeUndefined();
    }
    if (response.patch !== undefined) {
      expect(response.patchType).toBe('JSONPatch');
      const patch: unknown = JSON.parse(
        Buffer.from(response.patch as string, 'base64').toString('utf8'),
      );
      expect(Array.isArray(patch) && patch.length > 0).toBe(true);
      const object = ((input as Json).request as Json).object;
      expect(() => applyJsonPatch(object, patch as JsonPatchOperation[])).not.toThrow();
    } else {
      expect('patchType' in response).toBe(false);
    }
    for (const warning of response.warnings ?? []) {
      expect(Array.from(String(warning)).length).toBeLessThanOrEqual(256);
    }
    for (const [key, value] of Object.entries(response.auditAnnotations ?? {})) {
      expect(key).not.toContain('/');
      expect(typeof value).toBe('string');
    }
  } else {
    expect(answer.status).toBe(400);
    expect(typeof body.error).toBe('string');
    if (uid === undefined) {
      expect(body.response).toBeUndefined();
    } else {
      expect(body.kind).toBe('AdmissionReview');
      expect(body.response).toEqual({
        uid,
        allowed: false,
        status: { code: 400, reason: 'BadRequest', message: body.error },
      });
    }
  }
}

/** What the HTTP edge answers for a decoded body: 200 with the encoded result, or the 400 body. */
type EndpointAnswer =
  | { readonly status: 200; readonly body: AdmissionReviewResponse }
  | { readonly status: 400; readonly body: ReviewErrorBody };

function answerOf(decoded: DecodedReview, handler: AdmissionHandler): EndpointAnswer {
  if (decoded.ok)
    return { status: 200, body: encodeReviewResponse(handler.handle(decoded.review)) };
  return decoded.denied === undefined
    ? { status: 400, body: decoded.body }
    : { status: 200, body: decoded.body };
}

function outcome(answer: EndpointAnswer): string {
  if (answer.status === 400)
    return 'body' in answer && 'response' in answer.body ? '400 with uid' : '400 no uid';
  const { response } = answer.body;
  if (response.patch !== undefined) return '200 patched';
  return response.allowed ? '200 allowed' : `200 code ${response.status?.code ?? '?'}`;
}

const handlerSets: [string, { validating: AdmissionHandler; mutating: AdmissionHandler }][] = [
  ['test rules', testHandlers()],
  [
    'the real catalog',
    (() => {
      const deps = testDeps({
        validator: createValidator(RULES),
        mutator: createMutator(MUTATORS),
      });
      return { validating: createValidatingHandler(deps), mutating: createMutatingHandler(deps) };
    })(),
  ],
];

describe.each(handlerSets)('property: the admission endpoint over %s', (_label, handlers) => {
  it('never throws and always answers a well-formed review carrying the uid (decoded bodies)', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(anyBody, fc.boolean(), (body, mutate) => {
        const before = structuredClone(body);
        const answer = answerOf(
          decodeReview(body),
          mutate ? handlers.mutating : handlers.validating,
        );
        checkAnswer(body, answer);
        expect(body).toEqual(before);
        seen.add(outcome(answer));
      }),
      { numRuns: 2000 },
    );
    // The generators reach every kind of answer, so the checks above are not vacuous.
    expect([...seen].sort()).toEqual(
      expect.arrayContaining([
        '200 allowed',
        '200 code 400',
        '200 patched',
        '400 no uid',
        '400 with uid',
      ]),
    );
    if (handlers === handlerSets[0]![1]) expect(seen).toContain('200 code 403');
  });

  it('never throws on raw bytes: JSON text with pollution keys, truncations and garbage', () => {
    const raw = fc
      .tuple(anyBody, fc.constantFrom('plain', 'proto', 'truncate', 'garbage'))
      .map(([body, how]) => {
        const json = JSON.stringify(body);
        if (how === 'proto')
          return { body, bytes: json.replace(/^\{/, '{"__proto__":{"polluted":1},') };
        if (how === 'truncate')
          return { body: undefined, bytes: json.slice(0, Math.floor(json.length / 2)) };
        if (how === 'garbage') return { body: undefined, bytes: `${json}\u0000}` };
        return { body, bytes: json };
      });
    fc.assert(
      fc.property(raw, fc.boolean(), ({ body, bytes }, mutate) => {
        const answer = answerOf(
          decodeReviewBytes(new TextEncoder().encode(bytes)),
          mutate ? handlers.mutating : handlers.validating,
        );
        if (body !== undefined) checkAnswer(body, answer);
        else expect([200, 400]).toContain(answer.status);
      }),
      { numRuns: 1000 },
    );
    expect(({} as Json).polluted).toBeUndefined();
  });
});

describe('property: over HTTP', () => {
  it('every body gets JSON with the right status and the uid when it has one', async () => {
    const { logger } = memoryLogger('silent');
    const webhook = createWebhookListener({
      ...testHandlers(),
      logger,
      readiness: () => ({ ready: true, reasons: [] }),
    });
    await fc.assert(
      fc.asyncProperty(anyBody, fc.constantFrom('/validate', '/mutate'), async (body, path) => {
        const res = await request(webhook)
          .post(path)
          .set('Content-Type', 'application/json')
          .send(JSON.stringify(body));
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        checkAnswer(body, { status: res.status, body: res.body });
      }),
      { numRuns: 200 },
    );
  });
});
