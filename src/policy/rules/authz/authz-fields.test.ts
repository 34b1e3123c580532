import { conditionKey, istioMatch, principalNamespace } from './authz-fields.js';

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
