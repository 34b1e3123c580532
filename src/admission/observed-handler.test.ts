import type { DecisionRecord } from '../observability/decision-record.js';
import { createValidatingHandler, type AdmissionHandler } from './handler.js';
import { notifyObservers, withObserver, withObservers } from './observed-handler.js';
import { parseAdmissionReview, type AdmissionReview } from './review.js';
import { profile, recorder, reviewBody, testDeps } from './test-support/reviews.js';

const review = (uid: string): AdmissionReview => {
  const parsed = parseAdmissionReview(reviewBody({ uid, object: profile('team', 'a@b.c') }));
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.review;
};

describe('withObserver', () => {
  it('hands the observer the very result it returns', () => {
    const observer = recorder();
    const handler = withObserver(createValidatingHandler(testDeps()), observer);
    const result = handler.handle(review('uid-1'));
    expect(observer.records).toEqual([result]);
    expect(observer.records[0]).toBe(result);
  });

  it('keeps the result when the observer throws, and reports the error', () => {
    const inner = createValidatingHandler(testDeps({ now: () => 0 }));
    const errors: string[] = [];
    const handler = withObserver(
      inner,
      {
        onDecision: () => {
          throw new Error('observer down');
        },
      },
      (error) => errors.push((error as Error).message),
    );
    expect(handler.handle(review('uid-1'))).toEqual(inner.handle(review('uid-1')));
    expect(errors).toEqual(['observer down']);
  });
});

describe('withObservers', () => {
  it('hands every result to every observer in order even when one throws, and reports the error', () => {
    const seen: string[] = [];
    const errors: [string, number][] = [];
    const handler: AdmissionHandler = withObservers(
      createValidatingHandler(testDeps()),
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
    handler.handle(review('uid-1'));
    expect(seen).toEqual(['a:uid-1', 'c:uid-1']);
    expect(errors).toEqual([['b failed', 1]]);
  });

  it('survives a throwing error sink', () => {
    const seen: string[] = [];
    const handler = withObservers(
      createValidatingHandler(testDeps()),
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
    expect(handler.handle(review('uid-1')).allowed).toBe(true);
    expect(seen).toEqual(['ok']);
  });

  it('is the handler itself with no observers', () => {
    const inner = createValidatingHandler(testDeps());
    expect(withObservers(inner, [])).toBe(inner);
  });
});

describe('notifyObservers', () => {
  it('hands a record decided elsewhere to the observers as withObservers does', () => {
    const result = createValidatingHandler(testDeps({ now: () => 0 })).handle(review('uid-7'));
    const inline = [recorder(), recorder()];
    const notified = [recorder(), recorder()];
    withObservers({ handle: () => result }, inline).handle(review('uid-7'));
    notifyObservers(result, notified);
    expect(notified.map((observer) => observer.records)).toEqual(
      inline.map((observer) => observer.records),
    );
    expect(notified[0]?.records[0]).toBe(result);
  });

  it('isolates an observer that throws, reporting its index, and goes on with the others', () => {
    const result = createValidatingHandler(testDeps()).handle(review('uid-8'));
    const after = recorder();
    const errors: [string, number][] = [];
    notifyObservers(
      result,
      [
        {
          onDecision: () => {
            throw new Error('observer down');
          },
        },
        after,
      ],
      (error, index) => {
        errors.push([(error as Error).message, index]);
        throw new Error('and the sink too');
      },
    );
    expect(errors).toEqual([['observer down', 0]]);
    expect(after.records).toEqual([result]);
  });
});
