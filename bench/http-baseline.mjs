// The HTTP benchmark's baseline: a bare node:https server with the same certificate and the same
// keep-alive settings as `profile-guard serve`, that reads each request body and answers a fixed,
// pre-recorded AdmissionReview: for each path, exactly the body and headers profile-guard sent
// (node adds Date, Connection and Keep-Alive itself, as it does for serve). What is left between
// the two is the webhook's own work (parsing, policy, patch, metrics, its HTTP code).
//
// With --parse it also JSON-parses each body before answering: a reference for how much of the
// gap the mere decoding of a review takes.
//
// Usage: node bench/http-baseline.mjs <cert-dir> <answers.json> [--parse]   (prints `listening
// <port>`); answers.json maps a path to `{ body, headers }`.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { join } from 'node:path';

const [certDir, answersFile, mode] = process.argv.slice(2);
const parse = mode === '--parse';
/** @type {Record<string, { body: string, headers: Record<string, string> }>} */
const recorded = JSON.parse(readFileSync(answersFile, 'utf8'));
const answers = new Map(
  Object.entries(recorded).map(([path, { body, headers }]) => {
    const length = String(Buffer.byteLength(body));
    return [path, { body, headers: { ...headers, 'content-length': length } }];
  }),
);
const notFound = Buffer.from('{"error":"not found"}');

const server = createServer(
  {
    cert: readFileSync(join(certDir, 'tls.crt')),
    key: readFileSync(join(certDir, 'tls.key')),
    requestTimeout: 120_000,
    headersTimeout: 96_000,
  },
  (req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      if (parse) JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const answer = answers.get((req.url ?? '').split('?')[0]);
      if (answer === undefined) {
        res.writeHead(404, { 'content-type': 'application/json', 'content-length': 21 });
        res.end(notFound);
        return;
      }
      // A string, as serve sends it: node writes it in the same chunk as the head.
      res.writeHead(200, answer.headers);
      res.end(answer.body);
    });
  },
);
server.keepAliveTimeout = 95_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
});
