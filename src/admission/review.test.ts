import { parseAdmissionReview } from './review.js';
import { parseJsonSafely } from './safe-json.js';
import { profile, reviewBody } from './test-support/reviews.js';

const UID = '705ab4f5-6393-11e8-b7cc-42010a800002';

describe('parseAdmissionReview', () => {
  it('reads a well-formed v1 review', () => {
    const result = parseAdmissionReview(
      reviewBody({ object: profile('p', 'a@b.c'), namespace: '' }),
    );
    expect(result).toEqual({
      ok: true,
      review: {
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        request: {
          uid: UID,
          kind: { group: 'kubeflow.org', version: 'v1', kind: 'Profile' },
          operation: 'CREATE',
          name: 'p',
          namespace: '',
          userInfo: { username: 'alice@example.com', groups: ['system:authenticated'] },
          object: profile('p', 'a@b.c'),
          oldObject: undefined,
          dryRun: false,
        },
      },
    });
  });

  it('accepts v1beta1 and keeps its apiVersion', () => {
    const result = parseAdmissionReview(reviewBody({ apiVersion: 'admission.k8s.io/v1beta1' }));
    expect(result.ok && result.review.apiVersion).toBe('admission.k8s.io/v1beta1');
  });

  const withRequest = (patch: Record<string, unknown>) => {
    const body = reviewBody();
    return { ...body, request: { ...(body.request as object), ...patch } };
  };

  const V1 = { apiVersion: 'admission.k8s.io/v1' };
  const BOTH = { uid: UID, ...V1 };
  const bare = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' };
  it.each<[string, unknown, string, Record<string, string>]>([
    ['a string', 'x', 'body: not a JSON object', {}],
    ['an array', [], 'body: not a JSON object', {}],
    ['null', null, 'body: not a JSON object', {}],
    ['{}', {}, 'apiVersion: missing', {}],
    ['no request', bare, 'request: missing', V1],
    ['a string request', { ...bare, request: 'r' }, 'request: not an object', V1],
    [
      'wrong apiVersion',
      { ...reviewBody(), apiVersion: 'admission.k8s.io/v2' },
      'apiVersion: must be one of admission.k8s.io/v1, admission.k8s.io/v1beta1',
      { uid: UID },
    ],
    ['wrong kind', { ...reviewBody(), kind: 'Review' }, 'kind: must be AdmissionReview', BOTH],
    ['no uid', withRequest({ uid: undefined }), 'request.uid: missing', V1],
    ['an empty uid', withRequest({ uid: '' }), 'request.uid: not a non-empty string', V1],
    ['a numeric uid', withRequest({ uid: 7 }), 'request.uid: not a non-empty string', V1],
    ['no kind', withRequest({ kind: undefined }), 'request.kind: missing', BOTH],
    [
      'a kind without version',
      withRequest({ kind: { group: '', kind: 'Namespace' } }),
      'request.kind.version: missing',
      BOTH,
    ],
    [
      'a numeric group',
      withRequest({ kind: { group: 1, version: 'v1', kind: 'X' } }),
      'request.kind.group: not a string',
      BOTH,
    ],
    [
      'an unknown operation',
      withRequest({ operation: 'PATCH' }),
      'request.operation: must be one of CREATE, UPDATE, DELETE, CONNECT',
      BOTH,
    ],
    ['no operation', withRequest({ operation: undefined }), 'request.operation: missing', BOTH],
    ['no userInfo', withRequest({ userInfo: undefined }), 'request.userInfo: missing', BOTH],
    [
      'bad groups',
      withRequest({ userInfo: { username: 'u', groups: [1] } }),
      'request.userInfo.groups: not an array of strings',
      BOTH,
    ],
    ['a numeric name', withRequest({ name: 5 }), 'request.name: not a string', BOTH],
    ['a string dryRun', withRequest({ dryRun: 'true' }), 'request.dryRun: not a boolean', BOTH],
  ])('refuses %s, naming the field', (_label, body, error, known) => {
    expect(parseAdmissionReview(body)).toEqual({ ok: false, status: 400, error, ...known });
  });

  it('defaults a missing username, groups and dryRun', () => {
    const result = parseAdmissionReview(withRequest({ userInfo: {}, dryRun: undefined }));
    expect(result.ok && result.review.request.userInfo).toEqual({ username: '', groups: [] });
    expect(result.ok && result.review.request.dryRun).toBe(false);
  });
});

describe('parseJsonSafely', () => {
  const bytes = (text: string) => new TextEncoder().encode(text);

  it('drops __proto__ and object-valued constructor keys, keeps data named constructor', () => {
    const result = parseJsonSafely(
      bytes(
        '{"__proto__":{"polluted":1},"a":{"constructor":{"prototype":{"polluted":1}}},"b":{"constructor":"x"}}',
      ),
    );
    expect(result).toEqual({ ok: true, value: { a: {}, b: { constructor: 'x' } } });
    expect(Object.hasOwn(result.ok ? (result.value as object) : {}, '__proto__')).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses invalid UTF-8, empty bodies and invalid JSON', () => {
    expect(parseJsonSafely(new Uint8Array([0x7b, 0xff, 0x7d]))).toEqual({
      ok: false,
      error: 'body: not valid UTF-8',
    });
    expect(parseJsonSafely(bytes('  '))).toEqual({ ok: false, error: 'body: empty' });
    const bad = parseJsonSafely(bytes('{nope'));
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error.startsWith('body: not valid JSON')).toBe(true);
  });

  it('drops a leading BOM', () => {
    expect(parseJsonSafely(bytes('\uFEFF{"a":1}'))).toEqual({ ok: true, value: { a: 1 } });
  });

  it('parses nesting far deeper than the call stack allows', () => {
    const deep = '{"a":' + '['.repeat(1_000_000) + ']'.repeat(1_000_000) + ',"__proto__":{"x":1}}';
    const result = parseJsonSafely(bytes(deep));
    expect(result.ok).toBe(true);
    expect(Object.keys(result.ok ? (result.value as object) : {})).toEqual(['a']);
  });

  it('scrubs pollution keys inside arrays too', () => {
    expect(
      parseJsonSafely(bytes('[{"__proto__":{"p":1},"k":[{"constructor":{"prototype":{}}}]}]')),
    ).toEqual({
      ok: true,
      value: [{ k: [{}] }],
    });
  });
});
