import { DeferredViolations, violationAt, type Violation } from './rule.js';

describe('DeferredViolations', () => {
  /** A sequence over `spec.<group>[position]`, counting the violations made. */
  const sequence = () => {
    const made: string[] = [];
    const violations = new DeferredViolations<string>((group, position): Violation => {
      made.push(`${group}[${position}]`);
      return { path: `spec.${group}[${position}]`, message: `spec.${group}[${position}] is bad` };
    });
    return { violations, made };
  };

  it('makes each violation when it is first read, in the order recorded, the same one after', () => {
    const { violations, made } = sequence();
    violations.add('a', 4);
    violations.add('a', 7);
    violations.add('b', 0);
    violations.add('a', 1);
    violations.add('a', 2);
    expect(violations.length).toBe(5);
    expect(made).toEqual([]);
    const paths = Array.from({ length: 5 }, (_, index) => violations.item(index).path);
    expect(paths).toEqual(['spec.a[4]', 'spec.a[7]', 'spec.b[0]', 'spec.a[1]', 'spec.a[2]']);
    expect(violations.item(3)).toBe(violations.item(3));
    expect(made).toHaveLength(5);
  });

  it('finds the group of any index among many groups', () => {
    const { violations } = sequence();
    const expected: string[] = [];
    for (let group = 0; group < 50; group++) {
      for (let position = 0; position < group % 4; position++) {
        violations.add(`g${group}`, position);
        expected.push(`spec.g${group}[${position}]`);
      }
    }
    for (let index = expected.length - 1; index >= 0; index--) {
      expect(violations.item(index).path).toBe(expected[index]);
    }
  });

  it('keeps violations pushed made in their place among those recorded', () => {
    const { violations, made } = sequence();
    const first = { path: 'spec.x', message: 'spec.x is bad' };
    const last = { path: 'spec.y', message: 'spec.y is bad' };
    violations.push(first);
    violations.add('a', 3);
    violations.add('a', 5);
    violations.push(last);
    violations.add('a', 6);
    expect(violations.length).toBe(5);
    expect(violations.item(0)).toBe(first);
    expect(violations.item(3)).toBe(last);
    expect(Array.from({ length: 5 }, (_, index) => violations.item(index).path)).toEqual([
      'spec.x',
      'spec.a[3]',
      'spec.a[5]',
      'spec.y',
      'spec.a[6]',
    ]);
    expect(made).toEqual(['a[3]', 'a[5]', 'a[6]']);
  });

  it('refuses an index past its end; violationAt reads either kind of list', () => {
    const { violations } = sequence();
    violations.add('a', 0);
    expect(() => violations.item(1)).toThrow(RangeError);
    expect(() => {
      violations.add('a', -1);
    }).toThrow(RangeError);
    expect(violationAt(violations, 0)?.path).toBe('spec.a[0]');
    expect(violationAt(violations, 1)).toBeUndefined();
    const list: Violation[] = [{ path: 'p', message: 'm' }];
    expect(violationAt(list, 0)).toBe(list[0]);
    expect(violationAt(list, 1)).toBeUndefined();
  });
});
