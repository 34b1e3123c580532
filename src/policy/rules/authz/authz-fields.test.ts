import { lazyMessagesWritten } from '../../rule.js';
import { authorizationPolicy, evaluate } from '../../test-support/cluster-fixtures.js';
import fc from 'fast-check';

import {
  admitsPrincipal,
  conditionKey,
  conditionsOf,
  conditionValuePath,
  grantingRules,
  istioMatch,
  principalNamespace,
  principalNamespaceOneOf,
  sourceStringPath,
  workloadPrincipal,
} from './authz-fields.js';

describe('principalNamespace', () => {
  it.each([
    ['cluster.local/ns/kubeflow/sa/x', 'kubeflow'],
    ['spiffe://td/ns/a/sa/b', 'a'],
    ['td/ns/a/sa/', undefined],
    ['ns/a/sa/b', undefined],
    ['td/ns//sa/b', undefined],
    ['td/x/a/sa/b', undefined],
    ['/ns/a/sa/b', 'a'],
    ['//ns/a/sa/b', 'a'],
    ['a/b/c/ns/x/sa/y', 'x'],
    ['ns/ns/ns/sa/sa', 'ns'],
    ['td/ns/a/sa/b/', undefined],
    ['td/ns/a/sa//b', undefined],
    ['td/ns/a/xsa/b', undefined],
    ['td/ns/a/s/b', undefined],
    ['td/nsx/a/sa/b', undefined],
    ['/ns/a/sa', undefined],
    ['ns/a/sa/b/ns/c/sa/d', 'c'],
    ['', undefined],
    ['/', undefined],
    ['////', undefined],
    ['/////', undefined],
  ])('%p -> %p', (principal, expected) => {
    expect(principalNamespace(principal)).toBe(expected);
  });

  // The reading by splitting at every `/` it replaced (one array and a string per part for each
  // principal of each rule), kept here as the reference.
  const splitNamespace = (principal: string): string | undefined => {
    const parts = principal.split('/');
    const n = parts.length;
    if (n < 5 || parts[n - 4] !== 'ns' || parts[n - 2] !== 'sa') return undefined;
    const namespace = parts[n - 3];
    const account = parts[n - 1];
    if (namespace === undefined || namespace === '' || account === undefined || account === '') {
      return undefined;
    }
    return namespace;
  };
  const splitTail = (principal: string): string | undefined =>
    splitNamespace(principal) === undefined ? undefined : principal.split('/').slice(-4).join('/');
  // Principals made of the parts that matter (`ns`, `sa`, `/`, empty parts, `*`, `:`), loose or
  // in the workload shape with odd parts.
  const domain = fc
    .array(fc.constantFrom('', 'a', 'ns', 'sa', '*', ':', '/', 'spiffe:', 'td'), { maxLength: 3 })
    .map((parts) => parts.join(''));
  const segment = fc.constantFrom('', 'a', 'b', 'ns', 'sa', '*', 'a:b');
  const principals = fc.oneof(
    fc
      .array(fc.constantFrom('/', 'ns', 'sa', 'a', 'ns/', '/sa', '*', ':', 'spiffe://', 'td'), {
        maxLength: 12,
      })
      .map((parts) => parts.join('')),
    fc
      .tuple(
        domain,
        fc.constantFrom('ns', 'ns', 'n', 'sa'),
        segment,
        fc.constantFrom('sa', 'sa', 's', 'ns'),
        segment,
      )
      .map(([td, ns, namespace, sa, name]) => `${td}/${ns}/${namespace}/${sa}/${name}`),
  );
  // An entry: any principal, or the principal under another trust domain, or another prefix
  // glued to any end of it.
  const entryFor = (principal: string) =>
    fc.oneof(
      principals,
      domain.map((td) => `${td}${principal.slice(Math.max(0, principal.indexOf('/')))}`),
      fc
        .tuple(domain, fc.nat(principal.length))
        .map(([prefix, from]) => `${prefix}${principal.slice(from)}`),
    );

  it('reads every principal as splitting it at each / does', () => {
    fc.assert(
      fc.property(principals, (principal) => {
        expect(principalNamespace(principal)).toBe(splitNamespace(principal));
      }),
      { numRuns: 5000 },
    );
  });

  it('tells whether a principal names one of some namespaces as looking its namespace up does', () => {
    const namespaces: fc.Arbitrary<string[]> = fc.array(
      fc.constantFrom('', 'a', 'b', 'ns', 'sa', 'a:b', 'ab', '*'),
      {
        maxLength: 3,
      },
    );
    fc.assert(
      fc.property(principals, segment, namespaces, (principal, own, others) => {
        const namespace = principalNamespace(principal);
        expect(principalNamespaceOneOf(principal, own, others)).toBe(
          namespace === undefined ? undefined : namespace === own || others.includes(namespace),
        );
      }),
      { numRuns: 5000 },
    );
  });

  it('judges a principal entry to name a workload under any trust domain as comparing split tails does', () => {
    const rule = (entry: string) => ({
      path: 'spec.rules[0]',
      rule: { from: [{ source: { principals: [entry] } }] },
    });
    fc.assert(
      fc.property(
        principals.chain((principal) => fc.tuple(entryFor(principal), fc.constant(principal))),
        ([entry, principal]) => {
          const workload = workloadPrincipal(principal);
          const tail = splitTail(entry);
          const expected =
            istioMatch(entry, principal) ||
            (!entry.includes('*') && tail !== undefined && tail === splitTail(principal));
          expect(workload.namespace).toBe(splitNamespace(principal) ?? '');
          // Named there (exactly, or under another trust domain), or admitted by a wildcard
          // (null inside, undefined out), or not admitted: the first two are `expected`.
          const named = admitsPrincipal(rule(entry), workload, 'kubeflow-userid');
          if (!entry.includes('*')) {
            expect(named?.path).toBe(
              expected ? 'spec.rules[0].from[0].source.principals[0]' : undefined,
            );
          }
        },
      ),
      { numRuns: 5000 },
    );
  });
});

describe('istioMatch', () => {
  it.each<[string, string, boolean]>([
    ['*', 'anything', true],
    ['*', '', false],
    ['abc*', 'abcdef', true],
    ['abc*', 'xabc', false],
    ['*abc', 'xyzabc', true],
    ['*abc', 'abcx', false],
    ['a*c', 'abc', false],
    ['a*c', 'a*c', true],
    ['abc', 'abc', true],
    ['abc', 'ABC', false],
  ])('%p against %p: %p', (pattern, value, expected) => {
    expect(istioMatch(pattern, value)).toBe(expected);
  });
});

describe('conditionKey', () => {
  it.each<[string, string, { kind: string; exact: boolean }]>([
    ['source.namespace', 'kubeflow-userid', { kind: 'namespace', exact: true }],
    ['source.principal', 'kubeflow-userid', { kind: 'principal', exact: true }],
    [' Source.Namespace', 'kubeflow-userid', { kind: 'namespace', exact: false }],
    ['source.principals', 'kubeflow-userid', { kind: 'principal', exact: false }],
    ['request.headers[kubeflow-userid]', 'kubeflow-userid', { kind: 'user-header', exact: true }],
    ['request.headers[ KubeFlow-UserId ]', 'kubeflow-userid', { kind: 'user-header', exact: true }],
    ['Request.Headers[kubeflow-userid]', 'kubeflow-userid', { kind: 'user-header', exact: false }],
    ['request.headers[kubeflow-userid]', 'x-email', { kind: 'other', exact: true }],
    ['request.headers[kubeflow-userid', 'kubeflow-userid', { kind: 'other', exact: true }],
    ['source.ip', 'kubeflow-userid', { kind: 'other', exact: true }],
  ])('%p (userIdHeader %p)', (key, header, expected) => {
    expect(conditionKey(key, header)).toEqual(expected);
  });
});

describe('work over many rules', () => {
  /**
   * Evaluates a policy of `count` rules, each a Proxy that counts every property read, and
   * returns the reads and the findings.
   */
  function judgeCounted(count: number, foreign: boolean) {
    let reads = 0;
    const rules = Array.from(
      { length: count },
      (_, index) =>
        new Proxy(
          {
            from: [
              { source: { namespaces: foreign ? ['alice', `n${String(index)}`] : ['alice'] } },
            ],
          },
          {
            get(target, key, receiver) {
              reads++;
              return Reflect.get(target, key, receiver) as unknown;
            },
          },
        ),
    );
    const result = evaluate('AuthorizationPolicy', authorizationPolicy('alice', 'p', { rules }));
    return { reads, denials: result.denials };
  }

  it.each([false, true])(
    'reads each rule a fixed number of times, whatever their number (foreign sources: %p)',
    (foreign) => {
      const small = judgeCounted(500, foreign);
      const large = judgeCounted(2000, foreign);
      expect(large.reads).toBe(4 * small.reads);
      expect(small.denials.length > 0).toBe(foreign);
    },
  );

  it('writes the messages of the reported findings only, whatever the number of violations', () => {
    const messagesFor = (count: number) => {
      const before = lazyMessagesWritten();
      const { denials } = judgeCounted(count, true);
      return { written: lazyMessagesWritten() - before, denials };
    };
    const small = messagesFor(500);
    const large = messagesFor(2000);
    // 20 listed findings of authz-source-namespace; the 21st summarises the rest by path alone.
    expect(small.written).toBe(20);
    expect(large.written).toBe(20);
    expect(large.denials).toHaveLength(21);
    expect(large.denials[0]?.message).toContain(
      'spec.rules[0].from[0].source.namespaces[1] "n0" admits another namespace into "alice"',
    );
    expect(large.denials[20]?.message).toContain('(1980 in all)');
  });

  it('writes the field path of an entry only for a violation, and writes it right', () => {
    const object = authorizationPolicy('alice', 'p', {
      rules: [
        'not a rule',
        { from: [{}, { source: { namespaces: [1, 'bob'] } }], when: [{ key: 'x' }, { key: 'y' }] },
      ],
    });
    const [rule] = grantingRules(object);
    expect(rule?.path).toBe('spec.rules[1]');
    if (rule === undefined) throw new Error('no rule');
    expect(sourceStringPath(rule, 1, 'namespaces', 1)).toBe(
      'spec.rules[1].from[1].source.namespaces[1]',
    );
    const conditions = conditionsOf(rule, 'kubeflow-userid');
    expect(conditions.map(({ path }) => path)).toEqual([
      'spec.rules[1].when[0]',
      'spec.rules[1].when[1]',
    ]);
    const [first] = conditions;
    if (first === undefined) throw new Error('no condition');
    expect(conditionValuePath(first, 'notValues', 3)).toBe('spec.rules[1].when[0].notValues[3]');
    // Listed once per rule, not once per rule check.
    expect(conditionsOf(rule, 'kubeflow-userid')).toBe(conditions);
    // The same list gives the same rules (listed once per request, not once per rule check).
    expect(grantingRules(object)).toBe(grantingRules(object));
    expect(grantingRules({ ...object, spec: { action: 'DENY', rules: [{}] } })).toEqual([]);
  });
});
