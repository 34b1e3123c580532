import { composeObservers } from './compose-observers.js';
import type { DecisionRecord } from './decision-record.js';
import { record } from './test-support/records.js';

describe('composeObservers', () => {
  it('hands every record to every observer even when one throws, and reports the error', () => {
    const seen: string[] = [];
    const errors: [string, number][] = [];
    const observer = composeObservers(
      [
        { onDecision: (r: DecisionRecord) => seen.push(`a:${r.input.uid}`) },
        {
          onDecision: () => {
            throw new Error('b failed');
          },
        },
        { onDecision: (r: DecisionRecord) => seen.push(`c:${r.input.uid}`) },
      ],
      (error, index) => errors.push([(error as Error).message, index]),
    );
    observer.onDecision(record());
    expect(seen).toEqual(['a:uid-1', 'c:uid-1']);
    expect(errors).toEqual([['b failed', 1]]);
  });

  it('survives a throwing error sink', () => {
    const seen: string[] = [];
    const observer = composeObservers(
      [
        {
          onDecision: () => {
            throw new Error('x');
          },
        },
        { onDecision: () => seen.push('ok') },
      ],
      () => {
        throw new Error('sink down');
      },
    );
    expect(() => {
      observer.onDecision(record());
    }).not.toThrow();
    expect(seen).toEqual(['ok']);
  });
});
