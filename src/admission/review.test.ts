import fc from 'fast-check';
import { parseAdmissionReview } from './review.js';
import { hasPollutionKeyToken, parseJsonSafely } from './safe-json.js';
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

  it.each([
    ['an escaped _', '{"\\u005f_proto__":{"p":1},"k":1}'],
    ['an escaped o, upper-case hex', '{"__pr\\u006Fto__":1,"k":1}'],
    [
      'every character escaped',
      `{"${Array.from('__proto__', (c) => `\\u00${c.charCodeAt(0).toString(16)}`).join('')}":[],"k":1}`,
    ],
    ['whitespace before the colon', '{"__proto__" \n\t: 1,"k":1}'],
    ['an escaped constructor over an object', '{"k":1,"c\\u006fnstructor":{"prototype":{}}}'],
    ['an escaped constructor over an array', '{"k":1,"constru\\u0063tor" : [1]}'],
  ])('drops a pollution key spelled with %s', (_case, text) => {
    const result = parseJsonSafely(bytes(text));
    expect(result).toEqual({ ok: true, value: { k: 1 } });
    expect(Object.keys(result.ok ? (result.value as object) : {})).toEqual(['k']);
  });

  it('keeps an escaped constructor over a string, and words that are no key', () => {
    const text =
      '{"c\\u006fnstructor":"x","v":"__proto__","w":"a\\"constructor\\":{","__proto__x":1,"e":"\\u0070\\u0041"}';
    expect(parseJsonSafely(bytes(text))).toEqual({
      ok: true,
      value: JSON.parse(text) as unknown,
    });
  });

  it.each([
    ['an escape of another letter', '{"a":"\\u0041","b":{"c":1}}'],
    ['an escape of a key letter in a value', '{"a":"\\u0070","b":{"c":1}}'],
    ['the words as values', '{"labels":{"x":"constructor","y":"__proto__"}}'],
    ['a constructor over a string', '{"constructor":"x","c":{"constructor" : 1}}'],
    ['the words inside longer keys', '{"__proto__x":1,"my-constructor":{}}'],
    ['the words inside a string with escaped quotes', '{"a":"\\"__proto__\\": {"}'],
    ['an escaped backslash before u0070', '{"a\\\\u0070":{"b":1}}'],
  ])('finds no key to scrub in %s', (_case, text) => {
    expect(hasPollutionKeyToken(text)).toBe(false);
  });

  it.each([
    ['a plain __proto__ key', '{"a":{"__proto__":1}}'],
    ['a constructor over an object', '{"a":[{"constructor" :{}}]}'],
    ['an escaped spelling', '{"a":{"\\u005F\\u005Fproto__":null}}'],
  ])('finds the key to scrub in %s', (_case, text) => {
    expect(hasPollutionKeyToken(text)).toBe(true);
  });

  it('scrubs what a walk over the whole tree would, however the keys are spelled', () => {
    const spell = (key: string, escaped: readonly boolean[], upper: boolean) =>
      Array.from(key)
        .map((c, i) => {
          if (escaped[i % escaped.length] !== true) return c === '"' ? '\\"' : c;
          const hex = c.charCodeAt(0).toString(16).padStart(4, '0');
          return `\\u${upper ? hex.toUpperCase() : hex}`;
        })
        .join('');
    const keyArb = fc.constantFrom('__proto__', 'constructor', 'a', 'proto', 'constructor ', '"');
    type Tree = string | number | null | Tree[] | [string, Tree][];
    const { tree } = fc.letrec<{ tree: Tree }>((tie) => ({
      tree: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constantFrom<Tree>('constructor', '__proto__', 1, null),
        fc.array(tie('tree'), { maxLength: 3 }),
        fc.array(fc.tuple(keyArb, tie('tree')), { maxLength: 4 }),
      ),
    }));
    const write = (
      node: Tree,
      escaped: readonly boolean[],
      upper: boolean,
      gap: string,
    ): string => {
      if (!Array.isArray(node)) return JSON.stringify(node);
      const entries = node as unknown[];
      if (
        entries.every(
          (entry) => Array.isArray(entry) && typeof entry[0] === 'string' && entry.length === 2,
        ) &&
        entries.length > 0
      ) {
        return `{${(node as [string, Tree][])
          .map(
            ([key, value]) =>
              `"${spell(key, escaped, upper)}"${gap}:${gap}${write(value, escaped, upper, gap)}`,
          )
          .join(',')}}`;
      }
      return `[${(node as Tree[]).map((entry) => write(entry, escaped, upper, gap)).join(',')}]`;
    };
    /** The scrub as a walk over every node, for reference. */
    const walked = (value: unknown): unknown => {
      const pending = [value];
      for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
        if (typeof node !== 'object' || node === null) continue;
        for (const key of Object.keys(node)) {
          const child = (node as Record<string, unknown>)[key];
          const isObject = typeof child === 'object' && child !== null;
          if (key === '__proto__' || (key === 'constructor' && isObject)) {
            Reflect.deleteProperty(node, key);
          } else pending.push(child);
        }
      }
      return value;
    };
    fc.assert(
      fc.property(
        tree,
        fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }),
        fc.boolean(),
        fc.constantFrom('', ' ', '\n\t'),
        (node, escaped, upper, gap) => {
          const text = write(node, escaped, upper, gap);
          const result = parseJsonSafely(bytes(text));
          expect(result.ok).toBe(true);
          expect(JSON.stringify(result.ok ? result.value : undefined)).toBe(
            JSON.stringify(walked(JSON.parse(text))),
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});
