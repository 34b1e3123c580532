import { principalNamespace } from './authz-fields.js';

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
