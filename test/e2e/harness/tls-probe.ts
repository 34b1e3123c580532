import { readFileSync } from 'node:fs';
import { connect } from 'node:tls';

/** Where {@link presentedSerial} connects and which name it checks. */
export interface TlsProbeTarget {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /**
   * SNI and the name the certificate must hold (as the API server sends `<service>.<namespace>.svc`
   * for a webhook behind a Service). Default: none sent, and the certificate is checked for `host`.
   */
  readonly servername?: string;
}

/**
 * Connects to `https://<host>:<port>` trusting only `caFile` (as the API server does with the
 * webhook's caBundle) and resolves with the serial number (upper-case hex) of the certificate the
 * server presents. Rejects when the handshake or the name check fails.
 */
export function presentedSerial(
  port: number,
  caFile: string,
  target: TlsProbeTarget = {},
): Promise<string> {
  const host = target.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    const socket = connect(
      {
        host,
        port,
        ca: readFileSync(caFile),
        timeout: 5000,
        ...(target.servername === undefined ? {} : { servername: target.servername }),
      },
      () => {
        const serial = socket.getPeerCertificate().serialNumber;
        socket.end();
        resolve(serial.toUpperCase());
      },
    );
    socket.on('error', reject);
    socket.on('timeout', () => {
      socket.destroy();
      reject(new Error(`TLS handshake with ${host}:${port} timed out`));
    });
  });
}
