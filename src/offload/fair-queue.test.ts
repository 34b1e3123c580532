import { createFairQueue } from './fair-queue.js';

/** Items `user:n`; the queue's user is the part before the colon. */
const queue = () => createFairQueue<string>((item) => item.split(':')[0] ?? '');

describe('createFairQueue', () => {
  it('is first come, first served for one user', () => {
    const q = queue();
    for (const item of ['a:1', 'a:2', 'a:3']) q.push(item);
    expect(q.length).toBe(3);
    expect(q.drain()).toEqual(['a:1', 'a:2', 'a:3']);
    expect(q.shift()).toBeUndefined();
  });

  it('puts another user behind one of the items of a user who filled it, not all', () => {
    const q = queue();
    for (const item of ['a:1', 'a:2', 'a:3', 'a:4', 'b:1', 'c:1', 'b:2']) q.push(item);
    expect(q.drain()).toEqual(['a:1', 'b:1', 'c:1', 'a:2', 'b:2', 'a:3', 'a:4']);
  });

  it('does not let a user who waited save up turns', () => {
    const q = queue();
    q.push('a:1');
    q.push('a:2');
    expect(q.shift()).toBe('a:1');
    expect(q.shift()).toBe('a:2');
    // b arrives after a's items were taken: no credit for the rounds already served.
    for (const item of ['a:3', 'a:4', 'b:1', 'b:2']) q.push(item);
    expect(q.drain()).toEqual(['a:3', 'b:1', 'a:4', 'b:2']);
  });

  it('keeps each user in arrival order while taking and adding', () => {
    const q = queue();
    q.push('a:1');
    q.push('a:2');
    q.push('a:3');
    expect(q.shift()).toBe('a:1');
    q.push('b:1');
    expect(q.shift()).toBe('a:2');
    q.push('b:2');
    expect(q.drain()).toEqual(['b:1', 'a:3', 'b:2']);
  });
});
