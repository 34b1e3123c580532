import { lazyMessagesWritten } from '../../rule.js';
import { authorizationPolicy, evaluate } from '../../test-support/cluster-fixtures.js';
import {
  conditionKey,
  conditionsOf,
  grantingRules,
  istioMatch,
  principalNamespace,
  sourcesOf,
  stringEntries,
} from './authz-fields.js';

describe('principalNamespace', () => {
  it.each([
    ['cluster.local/ns/kubeflow/sa/x', 'kubeflow'],
    ['spiffe://td/ns/a/sa/b', 'a'],
    ['td/ns/a/sa/', undefined],
    ['ns/a/sa/b', undefined],
    ['td/ns//sa/b', undefined],
    ['td/x/a/sa/b', undefined],
  ])('%s -> %s', (principal, expected) => {
    expect(principalNamespace(principal)).toBe(expected);
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
    const sources = rule === undefined ? [] : sourcesOf(rule);
    expect(sources.map(({ path }) => path)).toEqual([
      'spec.rules[1].from[0].source',
      'spec.rules[1].from[1].source',
    ]);
    expect(sources[0]?.source).toEqual({});
    const names = stringEntries(sources[1]?.source, 'namespaces', sources[1] ?? '');
    expect(names.map(({ path, value }) => [path, value])).toEqual([
      ['spec.rules[1].from[1].source.namespaces[1]', 'bob'],
    ]);
    expect(stringEntries({ values: ['a'] }, 'values', 'base').map(({ path }) => path)).toEqual([
      'base.values[0]',
    ]);
    const conditions = rule === undefined ? [] : conditionsOf(rule, 'kubeflow-userid');
    expect(conditions.map(({ path }) => path)).toEqual([
      'spec.rules[1].when[0]',
      'spec.rules[1].when[1]',
    ]);
    // The same list gives the same rules (listed once per request, not once per rule check).
    expect(grantingRules(object)).toBe(grantingRules(object));
    expect(grantingRules({ ...object, spec: { action: 'DENY', rules: [{}] } })).toEqual([]);
  });
});
