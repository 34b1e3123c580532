import { record } from '../observability/test-support/records.js';
import { trimInput, trimRecord } from './trim-record.js';

describe('trimRecord', () => {
  it('keeps every field but the object, of which only metadata.uid and generateName', () => {
    const full = record({
      input: {
        ...record().input,
        object: {
          apiVersion: 'kubeflow.org/v1',
          kind: 'Profile',
          metadata: { name: 'team', uid: 'u-1', generateName: 'team-', labels: { a: 'b' } },
          spec: { owner: { kind: 'User', name: 'alice@example.com' } },
        },
      },
    });
    const trimmed = trimRecord(full);
    expect(trimmed).toEqual({
      ...full,
      input: { ...full.input, object: { metadata: { uid: 'u-1', generateName: 'team-' } } },
    });
  });

  it('drops members that are not strings, and keeps an absent object absent', () => {
    const input = record().input;
    expect(trimInput({ ...input, object: { metadata: { uid: 7 } } }).object).toEqual({
      metadata: {},
    });
    expect(trimInput({ ...input, object: { metadata: 'x' as never } }).object).toEqual({
      metadata: {},
    });
    expect(trimInput({ ...input, object: undefined }).object).toBeUndefined();
  });
});
