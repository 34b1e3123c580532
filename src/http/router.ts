import type { IncomingMessage, ServerResponse } from 'node:http';

/** A node:http / node:https request listener. */
export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** How an endpoint answers: once, with the whole body (the head and body go out in one write). */
export interface Reply {
  /** `body` as JSON (`application/json; charset=utf-8`). */
  json(status: number, body: unknown, headers?: Readonly<Record<string, string>>): void;
  /** `text` with the given Content-Type. */
  text(status: number, contentType: string, text: string): void;
}

/** Answers one request through `reply`; may be async (a rejection is an unexpected error). */
export type Endpoint = (req: IncomingMessage, reply: Reply) => void | Promise<void>;

/** A path's endpoints by method; `GET` also answers `HEAD` (without the body). */
export type Route = Readonly<Partial<Record<'GET' | 'POST', Endpoint>>>;

/** Options of {@link createRouter}. */
export interface RouterOptions {
  /** Sent with every answer. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * While true (a graceful shutdown), every answer, including those of requests already in
   * flight, carries `Connection: close`, so keep-alive clients reconnect (to another replica)
   * instead of reusing a connection that is about to go. Read as each answer is sent.
   */
  readonly closingConnections?: () => boolean;
  /** An endpoint threw or rejected before answering: answer (e.g. 500 JSON) and report it. */
  readonly onError: (error: unknown, reply: Reply) => void;
}

export const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * The one request listener of a server: routes by path and method, answers every request once.
 * A path is matched without its query string, case-insensitively and with one trailing slash
 * allowed (`/validate?timeout=10s`, `/VALIDATE`, `/validate/`); an unknown path answers `404
 * {"error":"not found"}`, a known path asked with another method `405` with an `Allow` header.
 * Errors are JSON, never an HTML page. An endpoint that throws gets `onError`'s answer, or its
 * connection is cut if it had already answered.
 */
export function createRouter(
  routes: Readonly<Record<string, Route>>,
  options: RouterOptions,
): RequestListener {
  const table = new Map(Object.entries(routes).map(([path, route]) => [path, route]));
  const allowed = new Map(
    Object.entries(routes).map(([path, route]) => [path, allowHeader(route)] as const),
  );
  const common = options.headers ?? {};
  const closing = options.closingConnections ?? (() => false);
  return (req, res) => {
    const reply = replyTo(res, common, closing);
    const path = routeOf(req.url ?? '', table);
    const route = path === undefined ? undefined : table.get(path);
    if (path === undefined || route === undefined) {
      reply.json(404, { error: 'not found' });
      return;
    }
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    const endpoint = method === 'GET' || method === 'POST' ? route[method] : undefined;
    if (endpoint === undefined) {
      const allow = allowed.get(path) ?? '';
      reply.json(
        405,
        { error: `method ${req.method ?? ''} not allowed; use ${allow}` },
        { Allow: allow },
      );
      return;
    }
    const fail = (error: unknown): void => {
      if (res.headersSent) res.destroy();
      else options.onError(error, reply);
    };
    try {
      const pending = endpoint(req, reply);
      if (pending !== undefined) pending.catch(fail);
    } catch (error) {
      fail(error);
    }
  };
}

/** `GET, HEAD` / `POST`: the methods a route answers, as its 405 lists them. */
function allowHeader(route: Route): string {
  const methods: string[] = [];
  if (route.GET !== undefined) methods.push('GET', 'HEAD');
  if (route.POST !== undefined) methods.push('POST');
  return methods.join(', ');
}

/**
 * The key of `table` a request target names, if any: the path without query string or
 * fragment (an absolute-form target, `http://host/path`, by its path); an exact match first
 * (the API server's own requests), then ignoring case and one trailing slash.
 */
function routeOf(url: string, table: ReadonlyMap<string, Route>): string | undefined {
  let path = url;
  const end = path.search(/[?#]/);
  if (end !== -1) path = path.slice(0, end);
  if (table.has(path)) return path;
  if (!path.startsWith('/')) {
    try {
      path = new URL(url).pathname;
    } catch {
      return undefined;
    }
  }
  path = path.toLowerCase();
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  return table.has(path) ? path : undefined;
}

/** Writes the head (common headers first) and the body together; `HEAD` gets the head only. */
function replyTo(
  res: ServerResponse,
  common: Readonly<Record<string, string>>,
  closing: () => boolean,
): Reply {
  const send = (
    status: number,
    contentType: string,
    text: string,
    extra?: Readonly<Record<string, string>>,
  ): void => {
    const headers: Record<string, string | number> = {
      ...common,
      ...extra,
      'Content-Type': contentType,
      'Content-Length': Buffer.byteLength(text),
    };
    if (closing()) headers.Connection = 'close';
    res.writeHead(status, headers);
    res.end(text);
  };
  return {
    json: (status, body, headers) => {
      send(status, JSON_TYPE, JSON.stringify(body), headers);
    },
    text: (status, contentType, text) => {
      send(status, contentType, text);
    },
  };
}
