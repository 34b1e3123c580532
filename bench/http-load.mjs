// The HTTP benchmark's load generator, run in its own process so that it does not share an
// event loop with the server under test: autocannon, keep-alive, pipelining 1, fixed duration,
// alternating POST /mutate and POST /validate with the same review.
//
// Usage: node bench/http-load.mjs '<json options>'  with {url, caFile, bodyFile, connections,
// duration}; prints one JSON line with the figures.

import { readFileSync } from 'node:fs';

import autocannon from 'autocannon';

const options = JSON.parse(process.argv[2] ?? '{}');
const body = readFileSync(options.bodyFile, 'utf8');
const headers = { 'content-type': 'application/json' };

const result = await autocannon({
  url: options.url,
  connections: options.connections,
  pipelining: 1,
  duration: options.duration,
  // autocannon connects with rejectUnauthorized: false whatever is passed; the CA is given so the
  // handshake is the one a verifying client does. The benchmark checks the chain separately.
  tlsOptions: { ca: readFileSync(options.caFile) },
  requests: [
    { method: 'POST', path: '/mutate', headers, body },
    { method: 'POST', path: '/validate', headers, body },
  ],
});

process.stdout.write(
  `${JSON.stringify({
    requestsPerSecond: result.requests.average,
    requests: result.requests.total,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    throughputBytesPerSecond: result.throughput.average,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    resets: result.resets ?? 0,
  })}\n`,
);
