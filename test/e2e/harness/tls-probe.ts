import { readFileSync } from 'node:fs';
import { connect } from 'node:tls';

/**
 * Connects to `https://127.0.0.1:<port>` trusting only `caFile` (as the API server does with the
 * webhook's caBundle) and resolves with the serial number (upper-case hex) of the certificate the
 * server presents. Rejects when the handshake fails.
 */
export function presentedSerial(port: number, caFile: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(
      { host: '127.0.0.1', port, ca: readFileSync(caFile), timeout: 5000 },
      () => {
        const serial = socket.getPeerCertificate().serialNumber;
        socket.end();
        resolve(serial.toUpperCase());
      },
    );
    socket.on('error', reject);
    socket.on('timeout', () => {
      socket.destroy();
      reject(new Error(`TLS handshake with 127.0.0.1:${port} timed out`));
    });
  });
}
