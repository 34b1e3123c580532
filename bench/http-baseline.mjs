// The HTTP benchmark's baseline: a bare node:https server with the same certificate and the same
// keep-alive settings as `profile-guard serve`, that reads each request body and answers a fixed,
// pre-recorded AdmissionReview of the same size as profile-guard's answer for that path. What is
// left between the two is the webhook's own work (express, parsing, policy, patch, metrics).
//
// Usage: node bench/http-baseline.mjs <cert-dir> <answers.json>   (prints `listening <port>`)

import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { join } from 'node:path';

const [certDir, answersFile] = process.argv.slice(2);
/** @type {Record<string, string>} path -> answer body */
const answers = JSON.parse(readFileSync(answersFile, 'utf8'));
const bodies = new Map(Object.entries(answers).map(([path, body]) => [path, Buffer.from(body)]));
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
      const body = bodies.get(req.url ?? '') ?? notFound;
      res.writeHead(bodies.has(req.url ?? '') ? 200 : 404, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': body.length,
      });
      res.end(body);
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
