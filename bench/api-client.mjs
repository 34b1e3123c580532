// A minimal HTTPS client for the e2e API server, shared by the benchmarks that drive it
// (bench/e2e-latency.mjs, bench/native-cost.mjs): one keep-alive agent, a bearer token, JSON in
// and out. Kept to node:https rather than @kubernetes/client-node so that the benchmarks measure
// the API server and admission, not a client library's own work.

import { request } from 'node:https';

/**
 * A client for the API server at `host:port` (TLS verified against `ca`, requests sent over
 * `agent`, as `token` unless a call names another). `call` resolves with `{ status, body }` for
 * any HTTP status; `ok` resolves with the body text and rejects on a status of 300 or more;
 * `agent` is the one given (destroy it when done).
 */
export function apiClient({ host, port, ca, agent, token }) {
  const call = (method, path, { body, token: as = token, contentType = 'application/json' } = {}) =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        {
          host,
          port,
          ca,
          agent,
          method,
          path,
          headers: {
            authorization: `Bearer ${as}`,
            accept: path === '/metrics' ? 'text/plain' : 'application/json',
            ...(payload === undefined
              ? {}
              : { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) }),
          },
        },
        (res) => {
          const chunks = [];
          res.on('data', (chunk) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  const ok = async (method, path, options) => {
    const result = await call(method, path, options);
    if (result.status >= 300) {
      throw new Error(`${method} ${path}: HTTP ${result.status}: ${result.body.slice(0, 300)}`);
    }
    return result.body;
  };
  return { call, ok, agent };
}
