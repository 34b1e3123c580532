import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';

import type { ManagedParts } from './e2e-env.js';

/** Who a request is made as: the admin's token, impersonating `user` with `groups`. */
export interface Caller {
  readonly user: string;
  readonly groups: readonly string[];
}

/** One answer of the API server, with every `Warning` header kept apart. */
export interface ApiAnswer {
  readonly status: number;
  readonly body: string;
  /** The text of each `Warning: 299 - "<text>"` header, unquoted. */
  readonly warnings: readonly string[];
}

/**
 * A small REST client of the environment's API server (node:https, keep-alive, the admin token):
 * hundreds of requests without a kubectl process each. With a `caller`, the request impersonates
 * that user and groups (the admin is in system:masters), so that a test can be any identity.
 */
export class ApiClient {
  private readonly agent: Agent;
  private readonly ca: string;

  constructor(private readonly parts: ManagedParts) {
    this.ca = readFileSync(parts.apiserverCaFile, 'utf8');
    this.agent = new Agent({ keepAlive: true, maxSockets: 4 });
  }

  close(): void {
    this.agent.destroy();
  }

  call(
    method: string,
    path: string,
    options: { body?: unknown; caller?: Caller; contentType?: string } = {},
  ): Promise<ApiAnswer> {
    const url = new URL(path, this.parts.apiserverUrl);
    const headers: Record<string, string | string[]> = {
      authorization: `Bearer ${this.parts.adminToken}`,
      accept: 'application/json',
    };
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    if (payload !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    if (options.caller !== undefined) {
      headers['impersonate-user'] = options.caller.user;
      headers['impersonate-group'] = [...options.caller.groups];
    }
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: `${url.pathname}${url.search}`,
          method,
          headers,
          ca: this.ca,
          agent: this.agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const warnings: string[] = [];
            for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
              if (res.rawHeaders[i]?.toLowerCase() === 'warning') {
                // Node reads header bytes as Latin-1; the API server writes UTF-8.
                const raw = Buffer.from(res.rawHeaders[i + 1] ?? '', 'latin1').toString('utf8');
                warnings.push(unquoteWarning(raw));
              }
            }
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
              warnings,
            });
          });
        },
      );
      req.setTimeout(30000, () => req.destroy(new Error(`${method} ${path}: no answer in 30 s`)));
      req.on('error', reject);
      req.end(payload);
    });
  }
}

/** `299 - "text with \" escaped"` -> `text with " escaped`. */
function unquoteWarning(header: string): string {
  const match = /^\d{3} \S+ "((?:[^"\\]|\\.)*)"/.exec(header);
  if (match === null) return header;
  return (match[1] ?? '').replace(/\\(.)/g, '$1');
}
