import { createAdmissionHandlers } from './admission-handlers.js';
import { EMBEDDED_DEFAULT_POLICY } from '../config/default-policy.js';
import { NO_CLUSTER } from '../policy/cluster-snapshot.js';
import { staticPolicyProvider } from '../policy/policy-provider.js';
import {
  decodeReviewBytes,
  encodeReviewResponse,
  MAX_REVIEW_TOKENS,
  TOO_MANY_TOKENS,
  undecodedRecord,
} from './review-codec.js';
import { profileReviewWithTokens } from './test-support/reviews.js';

const bytes = (text: string) => new Uint8Array(Buffer.from(text));

describe('decodeReviewBytes: the JSON token bound', () => {
  it('names the field and the bound in its message', () => {
    expect(MAX_REVIEW_TOKENS).toBe(100_000);
    expect(TOO_MANY_TOKENS).toBe(
      'request: the review holds more than 100000 JSON tokens (object and oldObject together); ' +
        'profile-guard decodes at most 100000 (bounded work): denied',
    );
  });

  it('decodes and judges a review of exactly the bound as before', () => {
    const decoded = decodeReviewBytes(bytes(profileReviewWithTokens(MAX_REVIEW_TOKENS, 'at')));
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    const handlers = createAdmissionHandlers({
      policies: staticPolicyProvider(EMBEDDED_DEFAULT_POLICY),
      snapshot: () => NO_CLUSTER,
    });
    const answer = encodeReviewResponse(handlers.validating.handle(decoded.review));
    expect(answer.response).toMatchObject({ uid: 'at', allowed: false, status: { code: 403 } });
    expect(answer.response.status?.message).toMatch(/^profile-name-reserved: /);
  });

  it('denies one token more unread: code 403 to the uid and apiVersion at the start', () => {
    const text = profileReviewWithTokens(MAX_REVIEW_TOKENS + 1, 'over').replace(
      '"admission.k8s.io/v1"',
      '"admission.k8s.io/v1beta1"',
    );
    const decoded = decodeReviewBytes(bytes(text));
    expect(decoded).toMatchObject({ ok: false });
    expect(decoded).toHaveProperty('body', {
      apiVersion: 'admission.k8s.io/v1beta1',
      kind: 'AdmissionReview',
      response: {
        uid: 'over',
        allowed: false,
        status: { code: 403, reason: 'Forbidden', message: TOO_MANY_TOKENS },
        auditAnnotations: { decision: 'denied' },
      },
    });
    expect(decoded.denied).toEqual({
      error: TOO_MANY_TOKENS,
      input: expect.objectContaining({
        uid: 'over',
        target: 'Profile',
        kind: 'Profile',
        operation: 'CREATE',
        name: 'kube-system',
        user: { username: 'alice@example.com', groups: [] },
        object: undefined,
      }),
    });
    expect(undecodedRecord('mutate', decoded.denied!, 0.5)).toEqual({
      webhook: 'mutate',
      input: decoded.denied!.input,
      decision: 'denied',
      policy: undefined,
      evaluation: undefined,
      mutation: undefined,
      error: TOO_MANY_TOKENS,
      durationSeconds: 0.5,
    });
  });

  it('does not decode a body over the bound at all: invalid JSON and UTF-8 are denied the same', () => {
    const valid = profileReviewWithTokens(MAX_REVIEW_TOKENS + 1, 'broken');
    const broken = new Uint8Array([...bytes(valid.slice(0, -2)), 0xff, 0xfe]);
    const decoded = decodeReviewBytes(broken);
    expect(decoded.denied?.error).toBe(TOO_MANY_TOKENS);
    expect(decoded).toMatchObject({
      ok: false,
      body: { response: { uid: 'broken', allowed: false } },
    });
  });

  it('answers a body over the bound without a readable uid as an unreadable one: 400 { error }', () => {
    const decoded = decodeReviewBytes(bytes(`[${'[],'.repeat(MAX_REVIEW_TOKENS / 2)}[]]`));
    expect(decoded).toEqual({ ok: false, body: { error: TOO_MANY_TOKENS } });
  });

  it('counts structural bytes inside strings for nothing: a 1 MiB string of them is decoded', () => {
    const text = JSON.stringify({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: { uid: 'strings', note: '{[,:\\"'.repeat(200_000) },
    });
    const decoded = decodeReviewBytes(bytes(text));
    expect(decoded.denied).toBeUndefined();
    expect(decoded).toMatchObject({
      ok: false,
      body: { response: { uid: 'strings', status: { code: 400 } } },
    });
  });
});
