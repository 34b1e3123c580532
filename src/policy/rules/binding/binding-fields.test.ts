import { lazyMessagesWritten } from '../../rule.js';
import { editBinding, evaluate } from '../../test-support/cluster-fixtures.js';

describe('work over many subjects', () => {
  /**
   * Evaluates a binding of `count` anonymous users (a forbidden user), each a Proxy that counts
   * every property read; returns the reads, the messages written and the denials.
   */
  function judgeCounted(count: number) {
    let reads = 0;
    const subjects = Array.from(
      { length: count },
      () =>
        new Proxy<Record<string, unknown>>(
          { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'system:anonymous' },
          {
            get(target, key, receiver) {
              reads++;
              return Reflect.get(target, key, receiver) as unknown;
            },
          },
        ),
    );
    const before = lazyMessagesWritten();
    const { denials } = evaluate('RoleBinding', editBinding(subjects));
    return { reads, written: lazyMessagesWritten() - before, denials };
  }

  it('reads each subject once per request, however many binding rules judge it', () => {
    const small = judgeCounted(500);
    const large = judgeCounted(2000);
    // kind, name and namespace, once: every binding rule shares one reading of the list.
    expect(small.reads).toBe(3 * 500);
    expect(large.reads).toBe(3 * 2000);
  });

  it('writes the messages of the reported findings only', () => {
    const small = judgeCounted(500);
    const large = judgeCounted(2000);
    expect(small.written).toBe(20);
    expect(large.written).toBe(20);
    expect(large.denials).toHaveLength(21);
    expect(large.denials[0]?.message).toMatch(
      /^subjects\[0\]\.name "system:anonymous" is a forbidden user/,
    );
    expect(large.denials[20]?.message).toContain('(1980 in all)');
  });
});
