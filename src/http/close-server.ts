import type { Server } from 'node:http';

/** How {@link closeGracefully} ended. */
export type CloseOutcome = 'drained' | 'deadline';

/**
 * Stops `server` accepting connections, lets in-flight requests finish, and closes keep-alive
 * connections as soon as they are idle (Node's `close()` only closes the ones idle at that
 * moment; a connection that finishes a request later would otherwise wait out the 95 s
 * keep-alive). After `deadlineMs` the remaining connections are cut. Resolves once closed.
 */
export function closeGracefully(
  server: Pick<Server, 'close' | 'closeIdleConnections' | 'closeAllConnections' | 'listening'>,
  deadlineMs: number,
  sweepMs = 50,
): Promise<CloseOutcome> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve('drained');
      return;
    }
    let outcome: CloseOutcome = 'drained';
    const sweep = setInterval(() => {
      server.closeIdleConnections();
    }, sweepMs);
    const deadline = setTimeout(() => {
      outcome = 'deadline';
      server.closeAllConnections();
    }, deadlineMs);
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(deadline);
      resolve(outcome);
    });
    server.closeIdleConnections();
  });
}
