import { MessageChannel, type MessagePort } from 'node:worker_threads';

import { createLookupSnapshot, LookupError } from './lookup-client.js';
import type { LookupReply } from './protocol.js';
import { MAX_REASON_CHARS } from './reason-text.js';

const ports: MessagePort[] = [];
afterEach(() => {
  for (const port of ports.splice(0)) port.close();
});

/** A lookup snapshot on one end of a channel; the other end plays the main thread. */
function lookups(timeoutMs: number) {
  const channel = new MessageChannel();
  ports.push(channel.port1, channel.port2);
  let calls = 0;
  const snapshot = createLookupSnapshot({
    port: channel.port1,
    signal: new Int32Array(new SharedArrayBuffer(4)),
    job: 1,
    state: 'synced',
    timeoutMs,
    nextCall: () => ++calls,
  });
  return { snapshot, main: channel.port2 };
}

/** The error `read` throws. */
function thrown(read: () => unknown): Error {
  try {
    read();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the lookup to throw');
}

const HUGE = 'n'.repeat(3 * 1024 * 1024);

describe('createLookupSnapshot', () => {
  it('quotes a huge argument capped when a lookup gets no answer', () => {
    const { snapshot } = lookups(20);
    const error = thrown(() => snapshot.getNamespace(HUGE));
    expect(error).toBeInstanceOf(LookupError);
    expect(error.message).toBe(
      `cluster lookup getNamespace("${'n'.repeat(78)}…) got no answer within 20 ms`,
    );
    expect(snapshot.failure()).toBe(error.message);
  });

  it('quotes a huge argument and a huge error reply capped when a lookup fails', () => {
    const { snapshot, main } = lookups(5_000);
    // The reply to call 1 is waiting before the call: it is read synchronously.
    const reply: LookupReply = { call: 1, ok: false, error: `no such name ${HUGE}` };
    main.postMessage(reply);
    const error = thrown(() => snapshot.roleBindingsIn(HUGE));
    const [head, reason] = error.message.split(' failed: ') as [string, string];
    expect(head).toBe(`cluster lookup roleBindingsIn("${'n'.repeat(78)}…)`);
    expect(Array.from(reason)).toHaveLength(MAX_REASON_CHARS);
    expect(reason.startsWith('no such name nnn')).toBe(true);
    expect(reason.endsWith('…')).toBe(true);
  });

  it('quotes a short argument whole', () => {
    const { snapshot } = lookups(20);
    expect(thrown(() => snapshot.getProfile('team')).message).toBe(
      'cluster lookup getProfile("team") got no answer within 20 ms',
    );
  });
});
