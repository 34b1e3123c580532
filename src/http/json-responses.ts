import type { RequestHandler, Response } from 'express';

/** Sends `body` as JSON with `status`. */
export function answerJson(res: Response, status: number, body: unknown): void {
  res.status(status).json(body);
}

/** 405 with an `Allow` header, for a known path asked with another method. */
export function methodNotAllowed(methods: readonly string[]): RequestHandler {
  return (req, res) => {
    res.set('Allow', methods.join(', '));
    answerJson(res, 405, { error: `method ${req.method} not allowed; use ${methods.join(', ')}` });
  };
}

/** 404 as JSON, for any path no route claims. */
export const notFound: RequestHandler = (_req, res) => {
  answerJson(res, 404, { error: 'not found' });
};
