/** Helpers shared by the cli-*.test.ts files: HTTPS calls with a CA, a sample review. */
import { request as httpRequest } from 'node:http';
import { Agent, request } from 'node:https';
import type { TLSSocket } from 'node:tls';

/** An answer, with the serial of the certificate the server presented. */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  serial: string;
}

/** One HTTPS request to localhost:port trusting only `ca`. */
export function httpsCall(
  port: number,
  ca: string,
  options: { method?: string; path: string; body?: string; agent?: Agent; host?: string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: options.host ?? 'localhost',
        port,
        ca,
        method: options.method ?? 'GET',
        path: options.path,
        agent: options.agent ?? new Agent({ keepAlive: false, maxCachedSessions: 0 }),
        headers: options.body === undefined ? {} : { 'content-type': 'application/json' },
      },
      (res) => {
        const socket = res.socket as Partial<TLSSocket>;
        const serial = socket.getPeerX509Certificate?.()?.serialNumber ?? '';
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, serial });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A plain HTTP GET on localhost (the metrics port). */
export function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: 'localhost', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** An AdmissionReview for a Profile CREATE by a non-exempt user. */
export function profileReview(name: string, owner = 'alice@example.com', uid = `uid-${name}`) {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: 'kubeflow.org', version: 'v1', kind: 'Profile' },
      resource: { group: 'kubeflow.org', version: 'v1', resource: 'profiles' },
      name,
      operation: 'CREATE',
      userInfo: { username: 'alice@example.com', groups: ['system:authenticated'] },
      object: {
        apiVersion: 'kubeflow.org/v1',
        kind: 'Profile',
        metadata: { name },
        spec: { owner: { kind: 'User', name: owner } },
      },
      dryRun: false,
    },
  };
}

/** Polls `condition` every 25 ms, up to `timeoutMs`. */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * A kubeconfig for a stand-in API server on 127.0.0.1:port over plain HTTP, with a bearer token
 * (`secret-token`) so that the client sends an Authorization header.
 */
export function standInKubeconfig(port: number): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: stand-in\n  cluster:\n    server: http://127.0.0.1:${port}\n    insecure-skip-tls-verify: true`,
    'users:',
    '- name: webhook\n  user:\n    token: secret-token',
    'contexts:',
    '- name: stand-in\n  context:\n    cluster: stand-in\n    user: webhook',
    'current-context: stand-in',
    '',
  ].join('\n');
}
