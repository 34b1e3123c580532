import type { IncomingMessage } from 'node:http';
import * as zlib from 'node:zlib';
import type { Transform } from 'node:stream';

/** The contract's body limit: 7 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 7 * 1024 * 1024;

/** A request body read whole, or why not (the status and `error` text to answer with). */
export type BodyResult =
  | { readonly ok: true; readonly bytes: Buffer }
  | { readonly ok: false; readonly status: 400 | 413 | 415; readonly error: string };

/** zstd where this Node has it (22.15 and later); gzip, deflate and br everywhere. */
const createZstdDecompress = (zlib as unknown as { createZstdDecompress?: () => Transform })
  .createZstdDecompress;

/**
 * Reads the whole body of `req` under one limit of `limit` bytes, counted on the wire and, for a
 * `Content-Encoding` of gzip, deflate or br (zstd where Node has it), again after decompression,
 * which streams through zlib and stops as soon as the output passes the limit (a small
 * compressed body cannot expand into a large buffer). Identity and chunked bodies alike.
 *
 * Resolves with the bytes, or with a failure: 413 over the limit (a declared `Content-Length`
 * over it is refused before reading), 415 for another encoding, 400 for a body that does not
 * decompress or whose size differs from its `Content-Length`. A failed body is still read off
 * to its end (and discarded) before the promise resolves, so the answer goes out on a connection
 * that stays usable. A request cut off by its client never resolves: nobody is left to answer.
 */
export function readRequestBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const header = req.headers['content-encoding'];
    const coding = header === undefined || header === '' ? 'identity' : header.toLowerCase();
    if (coding === 'identity') {
      readPlain(req, limit, resolve);
      return;
    }
    const decompressor = decompressorFor(coding);
    if (decompressor === undefined) {
      drain(
        req,
        { ok: false, status: 415, error: `unsupported content encoding "${coding}"` },
        resolve,
      );
      return;
    }
    readEncoded(req, decompressor, limit, resolve);
  });
}

function decompressorFor(coding: string): Transform | undefined {
  switch (coding) {
    case 'gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    case 'zstd':
      return createZstdDecompress?.();
    default:
      return undefined;
  }
}

function tooLarge(limit: number): BodyResult {
  return { ok: false, status: 413, error: `request body exceeds ${limit} bytes` };
}

/** Reads off what is left of the request, discarding it, then resolves with `failure`. */
function drain(
  req: IncomingMessage,
  failure: BodyResult,
  done: (result: BodyResult) => void,
): void {
  if (req.readableEnded) {
    done(failure);
    return;
  }
  req.removeAllListeners('data');
  req.on('end', () => {
    done(failure);
  });
  req.on('error', () => undefined);
  req.resume();
}

/** A body without Content-Encoding: collected as it arrives, its size checked against both. */
function readPlain(req: IncomingMessage, limit: number, done: (result: BodyResult) => void): void {
  const declared = req.headers['content-length'];
  // node's parser has already refused a Content-Length that is not a decimal number.
  const length = declared === undefined ? undefined : Number(declared);
  if (length !== undefined && length > limit) {
    drain(req, tooLarge(limit), done);
    return;
  }
  const chunks: Buffer[] = [];
  let received = 0;
  req.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received > limit) {
      chunks.length = 0;
      drain(req, tooLarge(limit), done);
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (received > limit) return;
    if (length !== undefined && received !== length) {
      done({ ok: false, status: 400, error: 'request size did not match content length' });
      return;
    }
    done({
      ok: true,
      bytes: chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks),
    });
  });
  req.on('error', () => undefined);
}

/**
 * A compressed body: the wire bytes go through `decompressor` as they arrive; both the wire
 * bytes and the output count against the limit. Resolves once the request has ended and the
 * decompressor has finished or failed.
 */
function readEncoded(
  req: IncomingMessage,
  decompressor: Transform,
  limit: number,
  done: (result: BodyResult) => void,
): void {
  const chunks: Buffer[] = [];
  let received = 0;
  let produced = 0;
  let outcome: BodyResult | undefined;
  let requestEnded = false;
  const settle = (result: BodyResult): void => {
    if (outcome !== undefined) return;
    outcome = result;
    if (!result.ok) {
      // Stop decompressing at once.
      chunks.length = 0;
      decompressor.destroy();
    }
    if (requestEnded) {
      done(result);
    } else {
      // Whatever the request still holds is read off and dropped.
      req.unpipe(decompressor);
      req.resume();
    }
  };

  req.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received > limit) settle(tooLarge(limit));
  });
  req.on('end', () => {
    requestEnded = true;
    if (outcome !== undefined) done(outcome);
  });
  req.on('error', () => undefined);

  decompressor.on('data', (chunk: Buffer) => {
    if (outcome !== undefined) return;
    produced += chunk.length;
    if (produced > limit) {
      settle(tooLarge(limit));
      return;
    }
    chunks.push(chunk);
  });
  decompressor.on('end', () => {
    settle({ ok: true, bytes: Buffer.concat(chunks) });
  });
  decompressor.on('error', (error: Error) => {
    settle({ ok: false, status: 400, error: error.message });
  });
  req.pipe(decompressor);
}
