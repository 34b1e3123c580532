import { createMutator } from '../policy/mutation-engine.js';
import { staticPolicyProvider } from '../policy/policy-provider.js';
import {
  createMutatingHandler,
  createValidatingHandler,
  type AdmissionHandler,
} from './handler.js';
import { withObserver } from './observed-handler.js';
import { encodeReviewResponse } from './review-codec.js';
import { parseAdmissionReview, type AdmissionReview } from './review.js';
import { applyJsonPatch } from './apply-json-patch.js';
import {
  decodePatch,
  profile,
  recorder,
  reviewBody,
  testDeps,
  testPolicy,
  type ReviewOptions,
} from './test-support/reviews.js';

const review = (options: ReviewOptions): AdmissionReview => {
  const parsed = parseAdmissionReview(reviewBody(options));
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.review;
};
const UID = '705ab4f5-6393-11e8-b7cc-42010a800002';

/** `handler` answering in wire format, as the HTTP edge encodes its results. */
const wire = (handler: AdmissionHandler) => ({
  handle: (input: AdmissionReview) => encodeReviewResponse(handler.handle(input)),
});

describe('createValidatingHandler', () => {
  it('denies with 403 listing every failing rule, and records the decision', () => {
    const observer = recorder();
    const handler = wire(withObserver(createValidatingHandler(testDeps()), observer));
    const answer = handler.handle(review({ object: profile('kubeflow', 'Bob') }));
    expect(answer).toEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: {
        uid: UID,
        allowed: false,
        status: {
          code: 403,
          reason: 'Forbidden',
          message:
            'profile-name-reserved: metadata.name "kubeflow" is reserved; profile-owner-format: spec.owner.name "Bob" is not an e-mail address; profile-owner-lowercase: spec.owner.name "Bob" has upper-case letters',
        },
        auditAnnotations: {
          decision: 'denied',
          rules: 'profile-name-reserved,profile-owner-format,profile-owner-lowercase',
          policy: 'test',
        },
      },
    });
    expect(observer.records).toHaveLength(1);
    const record = observer.records[0]!;
    expect(record).toMatchObject({
      webhook: 'validate',
      decision: 'denied',
      policy: { name: 'test', generation: 3 },
      input: {
        uid: UID,
        target: 'Profile',
        apiVersion: 'kubeflow.org/v1',
        kind: 'Profile',
        operation: 'CREATE',
        name: 'kubeflow',
        namespace: '',
        user: { username: 'alice@example.com', groups: ['system:authenticated'] },
        dryRun: false,
      },
      error: undefined,
      mutation: undefined,
    });
    expect(record.evaluation?.denials).toHaveLength(3);
    expect(record.durationSeconds).toBeGreaterThanOrEqual(0);
  });

  it('answers warnings for Warn rules and decision warned', () => {
    const policy = testPolicy({ ruleModes: { 'profile-owner-lowercase': 'Warn' } });
    const handler = wire(createValidatingHandler(testDeps({}, policy)));
    const { response } = handler.handle(review({ object: profile('team', 'Bob@example.com') }));
    expect(response).toEqual({
      uid: UID,
      allowed: true,
      warnings: [
        'profile-owner-lowercase: spec.owner.name "Bob@example.com" has upper-case letters',
      ],
      auditAnnotations: { decision: 'warned', rules: 'profile-owner-lowercase', policy: 'test' },
    });
  });

  it('allows with the Audit rule ids annotated, and echoes v1beta1', () => {
    const policy = testPolicy({ ruleModes: { 'profile-owner-format': 'Audit' } });
    const handler = wire(createValidatingHandler(testDeps({}, policy)));
    const answer = handler.handle(
      review({ apiVersion: 'admission.k8s.io/v1beta1', object: profile('team', 'bob') }),
    );
    expect(answer.apiVersion).toBe('admission.k8s.io/v1beta1');
    expect(answer.response).toEqual({
      uid: UID,
      allowed: true,
      auditAnnotations: { decision: 'allowed', rules: 'profile-owner-format', policy: 'test' },
    });
  });

  it('gives a dry run the same decision and tells the observer', () => {
    const observer = recorder();
    const handler = wire(withObserver(createValidatingHandler(testDeps()), observer));
    const wet = handler.handle(review({ object: profile('kubeflow', 'a@b.c') }));
    const dry = handler.handle(review({ object: profile('kubeflow', 'a@b.c'), dryRun: true }));
    expect(dry).toEqual(wet);
    expect(observer.records.map((record) => record.input.dryRun)).toEqual([false, true]);
  });

  it('allows kinds it does not handle, with no patch', () => {
    const observer = recorder();
    const handler = wire(withObserver(createValidatingHandler(testDeps()), observer));
    const answer = handler.handle(
      review({
        kind: { group: '', version: 'v1', kind: 'Pod' },
        object: { metadata: { name: 'p' } },
      }),
    );
    expect(answer.response).toEqual({ uid: UID, allowed: true });
    expect(observer.records[0]).toMatchObject({
      decision: 'allowed',
      input: { target: undefined, kind: 'Pod' },
    });
  });

  it('denies a bad object inside a well-formed review with code 400', () => {
    const observer = recorder();
    const handler = wire(withObserver(createValidatingHandler(testDeps()), observer));
    const answer = handler.handle(review({ object: 'not an object' }));
    expect(answer.response).toEqual({
      uid: UID,
      allowed: false,
      status: { code: 400, reason: 'BadRequest', message: 'request.object: not a JSON object' },
      auditAnnotations: { decision: 'denied' },
    });
    expect(observer.records[0]).toMatchObject({
      decision: 'denied',
      error: 'request.object: not a JSON object',
    });
  });

  it('fails closed with code 500 when something throws, and never throws itself', () => {
    const observer = recorder();
    const handler = wire(
      withObserver(
        createValidatingHandler(
          testDeps({
            policies: {
              select: () => {
                throw new Error('no policy');
              },
            },
          }),
        ),
        observer,
      ),
    );
    const answer = handler.handle(review({ object: profile('team', 'a@b.c') }));
    expect(answer.response).toEqual({
      uid: UID,
      allowed: false,
      status: { code: 500, reason: 'InternalError', message: 'internal error: no policy' },
      auditAnnotations: { decision: 'denied' },
    });
    expect(observer.records[0]).toMatchObject({
      decision: 'error',
      error: 'internal error: no policy',
      input: { name: 'team', target: 'Profile' },
    });
  });

  it('keeps its answer when an observer throws', () => {
    const handler = wire(
      withObserver(createValidatingHandler(testDeps()), {
        onDecision: () => {
          throw new Error('observer down');
        },
      }),
    );
    expect(handler.handle(review({ object: profile('team', 'a@b.c') })).response.allowed).toBe(
      true,
    );
  });

  it('measures the duration with the injected clock', () => {
    const observer = recorder();
    let tick = 1000;
    const handler = wire(
      withObserver(createValidatingHandler(testDeps({ now: () => (tick += 250) })), observer),
    );
    handler.handle(review({ object: profile('team', 'a@b.c') }));
    expect(observer.records[0]?.durationSeconds).toBe(0.25);
  });
});

describe('createMutatingHandler', () => {
  it('patches with escaped keys, and the patch turns the object into the mutated one', () => {
    const observer = recorder();
    const handler = wire(withObserver(createMutatingHandler(testDeps()), observer));
    const object = profile('team', 'Bob');
    const { response } = handler.handle(review({ object }));
    expect(response.allowed).toBe(true);
    expect(response.patchType).toBe('JSONPatch');
    expect(response.warnings).toBeUndefined();
    expect(response.status).toBeUndefined();
    const patch = decodePatch(response.patch);
    expect(patch).toEqual([
      {
        op: 'add',
        path: '/metadata/labels',
        value: { 'app.kubernetes.io/part-of': 'kubeflow-profile' },
      },
      { op: 'add', path: '/spec/resourceQuotaSpec', value: { hard: { cpu: '4' } } },
    ]);
    expect(observer.records[0]).toMatchObject({
      webhook: 'mutate',
      decision: 'patched',
      mutation: {
        applied: ['profile-labels', 'profile-quota-defaults'],
        errors: [],
        patchedPaths: ['/metadata/labels', '/spec/resourceQuotaSpec'],
      },
    });
  });

  it('escapes / in an added label key as ~1', () => {
    const handler = wire(createMutatingHandler(testDeps()));
    const object = profile('team', 'a@b.c', { metadata: { name: 'team', labels: { x: 'y' } } });
    const patch = decodePatch(handler.handle(review({ object })).response.patch);
    expect(patch).toContainEqual({
      op: 'add',
      path: '/metadata/labels/app.kubernetes.io~1part-of',
      value: 'kubeflow-profile',
    });
  });

  it('is idempotent: the mutated object gets no patch field at all', () => {
    const handler = wire(createMutatingHandler(testDeps()));
    const object = profile('team', 'a@b.c');
    const first = handler.handle(review({ object })).response;
    const mutated = applyJsonPatch(object, decodePatch(first.patch));
    const second = handler.handle(review({ object: mutated })).response;
    expect(second).toEqual({
      uid: UID,
      allowed: true,
      auditAnnotations: { decision: 'allowed', policy: 'test' },
    });
    expect('patch' in second).toBe(false);
    expect('patchType' in second).toBe(false);
  });

  it('never patches DELETE (nor CONNECT)', () => {
    const observer = recorder();
    const handler = wire(withObserver(createMutatingHandler(testDeps()), observer));
    for (const operation of ['DELETE', 'CONNECT']) {
      const { response } = handler.handle(
        review({ operation, oldObject: profile('team', 'a@b.c') }),
      );
      expect(response).toEqual({
        uid: UID,
        allowed: true,
        auditAnnotations: { decision: 'allowed' },
      });
    }
    expect(observer.records.map((record) => record.decision)).toEqual(['allowed', 'allowed']);
  });

  const brokenMutator = createMutator([
    {
      id: 'ok',
      targets: ['Profile', 'Namespace'],
      writes: [],
      apply: (_ctx, draft) => void (draft.spec = {}),
    },
    {
      id: 'broken',
      targets: ['Profile', 'Namespace'],
      writes: [['metadata', 'labels']],
      apply: () => {
        throw new Error('boom');
      },
    },
  ]);
  const NAMESPACE_KIND = { group: '', version: 'v1', kind: 'Namespace' };
  const namespaceObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } };

  it('denies a Profile unpatched when a mutator throws, naming the field, and records an error', () => {
    const observer = recorder();
    const handler = wire(
      withObserver(createMutatingHandler(testDeps({ mutator: brokenMutator })), observer),
    );
    const { response } = handler.handle(review({ object: profile('team', 'a@b.c') }));
    const message = 'broken: metadata.labels cannot be given its defaults: boom';
    expect(response).toEqual({
      uid: UID,
      allowed: false,
      status: { code: 500, reason: 'InternalError', message },
      auditAnnotations: { decision: 'denied', policy: 'test', mutationErrors: 'broken' },
    });
    expect(observer.records[0]).toMatchObject({
      decision: 'error',
      error: message,
      mutation: {
        applied: ['ok'],
        errors: [{ id: 'broken', path: 'metadata.labels', message: 'boom' }],
        patchedPaths: [],
      },
    });
  });

  it('denies a Namespace unpatched when a mutator throws: its injected labels are never skipped by error', () => {
    const handler = wire(createMutatingHandler(testDeps({ mutator: brokenMutator })));
    const { response } = handler.handle(review({ kind: NAMESPACE_KIND, object: namespaceObject }));
    expect(response).toEqual({
      uid: UID,
      allowed: false,
      status: {
        code: 500,
        reason: 'InternalError',
        message: 'broken: metadata.labels cannot be given its defaults: boom',
      },
      auditAnnotations: { decision: 'denied', policy: 'test', mutationErrors: 'broken' },
    });
  });

  it('denies a Profile and a Namespace on an unexpected exception; other kinds never reach it', () => {
    const observer = recorder();
    const handler = wire(
      withObserver(
        createMutatingHandler(
          testDeps({
            snapshot: () => {
              throw new Error('cache gone');
            },
          }),
        ),
        observer,
      ),
    );
    const denied = {
      uid: UID,
      allowed: false,
      status: { code: 500, reason: 'InternalError', message: 'internal error: cache gone' },
      auditAnnotations: { decision: 'denied' },
    };
    const { response } = handler.handle(review({ object: profile('team', 'a@b.c') }));
    expect(response).toEqual(denied);
    expect(observer.records[0]).toMatchObject({
      decision: 'error',
      error: 'internal error: cache gone',
    });
    const namespace = handler.handle(review({ kind: NAMESPACE_KIND, object: namespaceObject }));
    expect(namespace.response).toEqual(denied);
    const configMap = handler.handle(
      review({
        kind: { group: '', version: 'v1', kind: 'ConfigMap' },
        object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } },
      }),
    );
    expect(configMap.response).toEqual({ uid: UID, allowed: true });
  });

  it('does not mutate the review it was given', () => {
    const handler = createMutatingHandler(
      testDeps({ policies: staticPolicyProvider(testPolicy()) }),
    );
    const input = review({ object: profile('team', 'a@b.c') });
    const copy = structuredClone(input);
    handler.handle(input);
    expect(input).toEqual(copy);
  });
});

describe('the result a handler returns', () => {
  it('carries the decision, the evaluation and the parts of a denial, none of them encoded', () => {
    const result = createValidatingHandler(testDeps()).handle(
      review({ apiVersion: 'admission.k8s.io/v1beta1', object: profile('kubeflow', 'Bob') }),
    );
    expect(result).toMatchObject({
      webhook: 'validate',
      decision: 'denied',
      reviewApiVersion: 'admission.k8s.io/v1beta1',
      allowed: false,
      status: { code: 403, reason: 'Forbidden' },
      warnings: [],
      patch: [],
      auditAnnotations: { decision: 'denied', policy: 'test' },
      policy: { name: 'test', generation: 3 },
    });
    expect(result.evaluation?.denials.map((finding) => finding.ruleId)).toEqual([
      'profile-name-reserved',
      'profile-owner-format',
      'profile-owner-lowercase',
    ]);
    expect(encodeReviewResponse(result).response.status).toBe(result.status);
  });

  it('carries the patch as typed operations, which the answer encodes once, as base64 JSON', () => {
    const result = createMutatingHandler(testDeps()).handle(
      review({ object: profile('team', 'a@b.c') }),
    );
    expect(result.patch).toEqual([
      {
        op: 'add',
        path: '/metadata/labels',
        value: { 'app.kubernetes.io/part-of': 'kubeflow-profile' },
      },
      { op: 'add', path: '/spec/resourceQuotaSpec', value: { hard: { cpu: '4' } } },
    ]);
    expect(result.mutation?.patchedPaths).toEqual(result.patch.map((operation) => operation.path));
    const { response } = encodeReviewResponse(result);
    expect(response.patch).toBe(Buffer.from(JSON.stringify(result.patch)).toString('base64'));
    expect(decodePatch(response.patch)).toEqual(result.patch);
  });

  it('has an empty patch, and the answer no patch field, when nothing changes', () => {
    const handler = createMutatingHandler(testDeps());
    const object = profile('team', 'a@b.c');
    const mutated = applyJsonPatch(object, handler.handle(review({ object })).patch);
    const again = handler.handle(review({ object: mutated }));
    expect(again).toMatchObject({ decision: 'allowed', allowed: true, patch: [] });
    expect('patch' in encodeReviewResponse(again).response).toBe(false);
  });
});
