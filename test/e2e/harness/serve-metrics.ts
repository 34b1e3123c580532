import { get } from 'node:http';

/**
 * `serve`'s metrics page (Prometheus text) from its metrics port on this host; rejects when the
 * port does not answer.
 */
export function readServeMetrics(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/metrics' }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        resolve(body);
      });
      response.on('error', reject);
    }).on('error', reject);
  });
}
