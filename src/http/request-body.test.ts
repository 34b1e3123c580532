import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';

import { readRequestBody } from './request-body.js';

/** A request as readRequestBody sees it: headers and a body arriving in `chunks`. */
function requestOf(
  headers: Record<string, string>,
  chunks: readonly Buffer[],
): IncomingMessage & Readable {
  const stream = Readable.from(chunks, { objectMode: false });
  return Object.assign(stream, { headers }) as unknown as IncomingMessage & Readable;
}

const text = (value: string) => Buffer.from(value);
const review = text('{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}');

describe('readRequestBody', () => {
  it('reads a body of its declared Content-Length', async () => {
    const req = requestOf({ 'content-length': String(review.length) }, [review]);
    expect(await readRequestBody(req, 1000)).toEqual({ ok: true, bytes: review });
  });

  it('reads a chunked body (no Content-Length) of several chunks whole', async () => {
    const req = requestOf({}, [review.subarray(0, 10), review.subarray(10)]);
    expect(await readRequestBody(req, 1000)).toEqual({ ok: true, bytes: review });
  });

  it('refuses a body whose size differs from its Content-Length with 400', async () => {
    const req = requestOf({ 'content-length': '100' }, [review]);
    expect(await readRequestBody(req, 1000)).toEqual({
      ok: false,
      status: 400,
      error: 'request size did not match content length',
    });
  });

  it('refuses a declared Content-Length over the limit with 413, after reading the body off', async () => {
    const req = requestOf({ 'content-length': '2000' }, [Buffer.alloc(2000, 0x20)]);
    expect(await readRequestBody(req, 1000)).toEqual({
      ok: false,
      status: 413,
      error: 'request body exceeds 1000 bytes',
    });
    expect(req.readableEnded).toBe(true);
  });

  it('refuses a chunked body once it passes the limit, with 413, and reads the rest off', async () => {
    const req = requestOf({}, [Buffer.alloc(600), Buffer.alloc(600), Buffer.alloc(600)]);
    expect(await readRequestBody(req, 1000)).toMatchObject({ ok: false, status: 413 });
    expect(req.readableEnded).toBe(true);
  });

  it('accepts exactly the limit', async () => {
    const body = Buffer.alloc(1000, 0x20);
    const req = requestOf({}, [body]);
    expect(await readRequestBody(req, 1000)).toEqual({ ok: true, bytes: body });
  });

  it.each<[string, (input: Buffer) => Buffer]>([
    ['gzip', gzipSync],
    ['GZIP', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
  ])('undoes Content-Encoding %s', async (coding, compress) => {
    const req = requestOf({ 'content-encoding': coding }, [compress(review)]);
    expect(await readRequestBody(req, 1000)).toEqual({ ok: true, bytes: review });
  });

  it('reads an empty Content-Encoding as identity', async () => {
    const req = requestOf({ 'content-encoding': '' }, [review]);
    expect(await readRequestBody(req, 1000)).toEqual({ ok: true, bytes: review });
  });

  it('counts the decompressed bytes against the limit: 413 for a small body inflating past it', async () => {
    const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(100_000);
    const req = requestOf({ 'content-encoding': 'gzip' }, [bomb]);
    expect(await readRequestBody(req, 100_000)).toEqual({
      ok: false,
      status: 413,
      error: 'request body exceeds 100000 bytes',
    });
    expect(req.readableEnded).toBe(true);
  });

  it('counts the compressed bytes against the limit too', async () => {
    // Concatenated gzip members of nothing: 2 000 bytes on the wire, 2 after decompression.
    const wire = Buffer.concat([
      ...Array<Buffer>(100).fill(gzipSync(Buffer.alloc(0))),
      gzipSync('{}'),
    ]);
    expect(wire.length).toBeGreaterThan(2000);
    const within = requestOf({ 'content-encoding': 'gzip' }, [wire]);
    expect(await readRequestBody(within, 10_000)).toEqual({ ok: true, bytes: text('{}') });
    const over = requestOf({ 'content-encoding': 'gzip' }, [wire]);
    expect(await readRequestBody(over, 1000)).toMatchObject({ ok: false, status: 413 });
  });

  it('refuses a body that does not decompress with 400 and zlib’s reason', async () => {
    const req = requestOf({ 'content-encoding': 'gzip' }, [text('not gzip at all')]);
    expect(await readRequestBody(req, 1000)).toEqual({
      ok: false,
      status: 400,
      error: 'incorrect header check',
    });
  });

  it('refuses a truncated gzip body with 400', async () => {
    const req = requestOf({ 'content-encoding': 'gzip' }, [gzipSync(review).subarray(0, 20)]);
    expect(await readRequestBody(req, 1000)).toEqual({
      ok: false,
      status: 400,
      error: 'unexpected end of file',
    });
  });

  it('refuses another Content-Encoding with 415 naming it, after reading the body off', async () => {
    const req = requestOf({ 'content-encoding': 'X-GZIP' }, [gzipSync(review)]);
    expect(await readRequestBody(req, 1000)).toEqual({
      ok: false,
      status: 415,
      error: 'unsupported content encoding "x-gzip"',
    });
    expect(req.readableEnded).toBe(true);
  });
});
