import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, request, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { deflateSync, gzipSync } from 'node:zlib';
import {
  profile,
  recorder,
  reviewBody,
  testHandlers,
} from '../../src/admission/test-support/reviews.js';
import type { AdmissionHandler } from '../../src/admission/handler.js';
import { memoryLogger } from '../../src/observability/test-support/memory-logger.js';
import {
  createWebhookListener,
  type WebhookListenerOptions,
} from '../../src/http/webhook-listener.js';

const UID = '705ab4f5-6393-11e8-b7cc-42010a800002';

/** What a client sees of an answer, headers that the webhook sets included. */
interface Seen {
  status: number;
  body: string;
  headers: Record<string, string | undefined>;
}

const HEADERS = [
  'connection',
  'content-type',
  'content-length',
  'x-content-type-options',
  'cache-control',
  'allow',
  'x-powered-by',
  'etag',
];

interface Sent {
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** Sent with Content-Length unless `chunks` is given (then chunked). */
  body?: Buffer | string;
  chunks?: string[];
}

async function serve(listener: RequestListener): Promise<{ server: Server; port: number }> {
  const server = createServer(listener);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

function send(port: number, sent: Sent): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: sent.method, path: sent.path, headers: sent.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const headers: Record<string, string | undefined> = {};
          for (const name of HEADERS) {
            const value = res.headers[name];
            headers[name] = Array.isArray(value) ? value.join(', ') : value;
          }
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers });
        });
      },
    );
    req.on('error', reject);
    if (sent.chunks !== undefined) {
      for (const chunk of sent.chunks) req.write(chunk);
      req.end();
    } else {
      req.end(sent.body);
    }
  });
}

/**
 * Sends half of `review`, calls `between`, then the rest: a request in flight while something
 * changes. Without a Content-Length in `head`, the body goes chunked.
 */
function sendSlowly(
  port: number,
  head: { method: string; path: string; headers: Record<string, string> },
  between: () => void,
): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, ...head }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString(),
          headers: { connection: res.headers.connection },
        });
      });
    });
    req.on('error', reject);
    const half = Math.floor(review.length / 2);
    req.write(review.slice(0, half));
    setTimeout(() => {
      between();
      req.end(review.slice(half));
    }, 50);
  });
}

function options(overrides: Partial<WebhookListenerOptions> = {}): WebhookListenerOptions {
  const { logger } = memoryLogger('silent');
  return {
    ...testHandlers({ observer: recorder() }),
    logger,
    readiness: () => ({ ready: true, reasons: [] }),
    ...overrides,
  };
}

const json = { 'Content-Type': 'application/json' };
const review = JSON.stringify(reviewBody({ object: profile('team', 'a@b.c') }));
const denied = JSON.stringify(reviewBody({ object: profile('kubeflow', 'Bob') }));
const nonAscii = JSON.stringify(reviewBody({ object: profile('kubeflow', 'Bjørn-€-😀') }));
const badVersion = JSON.stringify({
  ...reviewBody({ object: profile('team', 'a@b.c') }),
  apiVersion: 'admission.k8s.io/v2',
});

const CASES: [string, Sent][] = [
  ['a review to /validate', { method: 'POST', path: '/validate', headers: json, body: review }],
  ['a denied review', { method: 'POST', path: '/validate', headers: json, body: denied }],
  [
    'an answer with non-ASCII text',
    { method: 'POST', path: '/validate', headers: json, body: nonAscii },
  ],
  ['a review to /mutate', { method: 'POST', path: '/mutate', headers: json, body: review }],
  [
    "the API server's query string",
    { method: 'POST', path: '/mutate?timeout=10s', headers: json, body: review },
  ],
  ['no Content-Type', { method: 'POST', path: '/validate', body: review }],
  ['a body that is not JSON', { method: 'POST', path: '/validate', headers: json, body: 'nope' }],
  ['an empty body', { method: 'POST', path: '/mutate', headers: json, body: '' }],
  ['an empty object', { method: 'POST', path: '/validate', headers: json, body: '{}' }],
  ['a readable uid', { method: 'POST', path: '/mutate', headers: json, body: badVersion }],
  [
    'invalid UTF-8',
    { method: 'POST', path: '/validate', headers: json, body: Buffer.from([0x7b, 0xff, 0x7d]) },
  ],
  [
    'a gzip body',
    {
      method: 'POST',
      path: '/validate',
      headers: { ...json, 'Content-Encoding': 'gzip' },
      body: gzipSync(review),
    },
  ],
  [
    'a deflate body',
    {
      method: 'POST',
      path: '/validate',
      headers: { ...json, 'Content-Encoding': 'deflate' },
      body: deflateSync(review),
    },
  ],
  [
    'an unsupported Content-Encoding',
    {
      method: 'POST',
      path: '/validate',
      headers: { ...json, 'Content-Encoding': 'zstd-ish' },
      body: review,
    },
  ],
  [
    'a chunked body',
    {
      method: 'POST',
      path: '/mutate',
      headers: json,
      chunks: [review.slice(0, 100), review.slice(100)],
    },
  ],
  ['an upper-case path', { method: 'POST', path: '/VALIDATE', headers: json, body: review }],
  ['a trailing slash', { method: 'POST', path: '/mutate/', headers: json, body: review }],
  ['GET /validate', { method: 'GET', path: '/validate' }],
  ['PUT /mutate', { method: 'PUT', path: '/mutate', headers: json, body: review }],
  ['GET /healthz', { method: 'GET', path: '/healthz' }],
  ['GET /readyz', { method: 'GET', path: '/readyz' }],
  ['an unknown path', { method: 'POST', path: '/nope', headers: json, body: review }],
];

/** The request of the case with this label. */
function sent(label: string): Sent {
  const found = CASES.find(([name]) => name === label);
  if (found === undefined) throw new Error(`no case ${label}`);
  return found[1];
}

/**
 * What the webhook answered to each case (status, body and the headers it sets) when two edges
 * served it, recorded from the express app that then answered every request but the plain
 * reviews: the one edge left must answer the same, byte for byte.
 */
const RECORDED = JSON.parse(
  readFileSync(new URL('../fixtures/http/webhook-answers.json', import.meta.url), 'utf8'),
) as Record<string, Seen>;

describe('createWebhookListener', () => {
  let listener: { server: Server; port: number };
  beforeAll(async () => {
    listener = await serve(createWebhookListener(options()));
  });
  afterAll(() => {
    listener.server.close();
  });

  it('has a recorded answer for every case, and no other', () => {
    expect(Object.keys(RECORDED).sort()).toEqual(CASES.map(([label]) => label).sort());
  });

  it.each(CASES)('answers %s as recorded', async (label, outgoing) => {
    const seen = await send(listener.port, outgoing);
    expect(seen).toEqual(RECORDED[label]);
    expect(seen.headers['content-type']).toMatch(/^(application\/json|text\/plain)/);
  });

  it('answers a review with status, uid and the security headers', async () => {
    const seen = await send(listener.port, sent("the API server's query string"));
    expect(seen.status).toBe(200);
    expect(JSON.parse(seen.body)).toMatchObject({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: UID, allowed: true },
    });
    expect(seen.headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(seen.body)),
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    });
  });

  it('refuses a body over maxBodyBytes with 413 JSON', async () => {
    const small = await serve(createWebhookListener(options({ maxBodyBytes: 100 })));
    try {
      const seen = await send(small.port, sent('a review to /validate'));
      expect(seen.status).toBe(413);
      expect(JSON.parse(seen.body)).toEqual({ error: 'request body exceeds 100 bytes' });
    } finally {
      small.server.close();
    }
  });

  it('answers 500 JSON and logs when a handler breaks its no-throw contract', async () => {
    const broken: AdmissionHandler = {
      handle: () => {
        throw new Error('broken handler');
      },
    };
    const { logger, lines } = memoryLogger('info');
    const target = await serve(createWebhookListener(options({ validating: broken, logger })));
    try {
      const seen = await send(target.port, sent('a review to /validate'));
      expect(seen.status).toBe(500);
      expect(JSON.parse(seen.body)).toEqual({ error: 'internal error' });
      expect(lines).toContainEqual(
        expect.objectContaining({ level: 'error', msg: 'unhandled error in the webhook app' }),
      );
    } finally {
      target.server.close();
    }
  });

  it('logs nothing for an answered review, and warns once for a body that is not one', async () => {
    const { logger, lines } = memoryLogger('info');
    const target = await serve(createWebhookListener(options({ logger })));
    try {
      await send(target.port, sent('a review to /validate'));
      await send(target.port, sent('a review to /mutate'));
      expect(lines).toEqual([]);
      await send(target.port, sent('a body that is not JSON'));
      expect(lines).toEqual([
        expect.objectContaining({
          level: 'warn',
          webhook: 'validate',
          status: 400,
          msg: 'rejected a body that is not an AdmissionReview',
        }),
      ]);
    } finally {
      target.server.close();
    }
  });

  it('closes connections while closingConnections() is true, in-flight requests included', async () => {
    let closing = false;
    const target = await serve(
      createWebhookListener({ ...options(), closingConnections: () => closing }),
    );
    try {
      const fast = sent('a review to /validate');
      for (const request of [fast, sent('a chunked body'), sent('GET /healthz')]) {
        expect((await send(target.port, request)).headers.connection).toBe('keep-alive');
      }
      // The shutdown starts while each request is in flight: after half its body was sent.
      const length = { ...json, 'Content-Length': String(Buffer.byteLength(review)) };
      const startClosing = () => (closing = true);
      const answers = await Promise.all([
        sendSlowly(
          target.port,
          { method: 'POST', path: '/validate', headers: length },
          startClosing,
        ),
        sendSlowly(target.port, { method: 'POST', path: '/mutate', headers: json }, startClosing),
      ]);
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        expect(answer.headers.connection).toBe('close');
      }
      for (const request of [fast, sent('GET /healthz')]) {
        expect((await send(target.port, request)).headers.connection).toBe('close');
      }
    } finally {
      target.server.close();
    }
  });

  it('survives a request cut off mid-body and keeps answering', async () => {
    const socket = connect(listener.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(
      `POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(review)}\r\n\r\n${review.slice(0, 50)}`,
    );
    socket.destroy();
    await once(socket, 'close');
    const seen = await send(listener.port, sent('a review to /validate'));
    expect(seen.status).toBe(200);
  });
});
