import { mkdir } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { writeFileAtomic } from '../tls/atomic-write.js';
import {
  CertificateStore,
  loadFromDir,
  validatePair,
  watchCertDir,
  type CertificatePair,
} from '../tls/certificate-store.js';
import {
  LOCAL_DNS_NAMES,
  LOCAL_IP_ADDRESSES,
  generateCertificateAuthority,
  generateServingCertificate,
} from '../tls/self-signed.js';
import { ConfigError } from './config-error.js';
import { errorMessage } from '../util/error-message.js';

/** Validity of a generated self-signed serving certificate. */
export const SELF_SIGNED_DAYS = 365;

/** The serving certificate and what keeps it current. */
export interface ServingTls {
  readonly store: CertificateStore;
  /** PEM of the generated CA; undefined with `--cert-dir`. */
  readonly selfSignedCaPem: string | undefined;
  close(): void;
}

/** Options of {@link openServingTls}. */
export interface ServingTlsOptions {
  /** `--cert-dir`; undefined means: generate a self-signed pair. */
  readonly certDir: string | undefined;
  readonly logger: Logger;
  readonly metrics: Pick<Metrics, 'setCertificateExpiry'>;
  /** Polling of `--cert-dir` besides fs.watch; default 10 s. */
  readonly pollIntervalMs?: number;
}

/**
 * With a certificate directory: loads `tls.crt` + `tls.key` (an unusable pair is a
 * {@link ConfigError}) and watches the directory, swapping in each new valid pair without a
 * restart; an invalid new pair is logged and the old one kept. Without one: generates a CA and a
 * serving pair for `localhost`, this host's name, 127.0.0.1 and ::1. Either way the expiry feeds
 * `profile_guard_tls_certificate_expiry_timestamp_seconds`.
 */
export async function openServingTls(options: ServingTlsOptions): Promise<ServingTls> {
  const { certDir, logger, metrics } = options;
  const describe = (pair: CertificatePair) => ({
    serialNumber: pair.serialNumber,
    notAfter: pair.notAfter.toISOString(),
    subjectAltName: pair.subjectAltName,
  });

  if (certDir === undefined) {
    const ca = generateCertificateAuthority();
    const serving = generateServingCertificate(ca, {
      dnsNames: [...new Set([...LOCAL_DNS_NAMES, hostname()])],
      ipAddresses: LOCAL_IP_ADDRESSES,
      validityDays: SELF_SIGNED_DAYS,
    });
    const pair = validatePair(serving.certPem, serving.keyPem);
    const store = new CertificateStore(pair);
    metrics.setCertificateExpiry(pair.notAfter);
    logger.info(describe(pair), 'generated a self-signed serving certificate');
    return { store, selfSignedCaPem: ca.certPem, close: () => undefined };
  }

  let initial: CertificatePair;
  try {
    initial = await loadFromDir(certDir);
  } catch (error) {
    throw new ConfigError(`--cert-dir ${errorMessage(error)}`);
  }
  const store = new CertificateStore(initial);
  metrics.setCertificateExpiry(initial.notAfter);
  store.onUpdate((pair) => {
    metrics.setCertificateExpiry(pair.notAfter);
    logger.info({ certDir, ...describe(pair) }, 'serving certificate reloaded');
  });
  logger.info({ certDir, ...describe(initial) }, 'loaded the serving certificate');
  const watch = watchCertDir(
    certDir,
    (pair) => {
      store.update(pair);
    },
    {
      initial,
      ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
      onInvalid: (error) => {
        logger.warn(
          { certDir, error: error.message },
          'new certificate files are not usable; keeping the current pair',
        );
      },
    },
  );
  return {
    store,
    selfSignedCaPem: undefined,
    close: () => {
      watch.close();
    },
  };
}

/** Where a self-signed CA goes by default: `$TMPDIR/profile-guard-<port>/ca.crt`. */
export function defaultCaPath(
  port: number,
  env: Readonly<Record<string, string | undefined>>,
): string {
  const base = env.TMPDIR !== undefined && env.TMPDIR !== '' ? env.TMPDIR : tmpdir();
  return join(base, `profile-guard-${port}`, 'ca.crt');
}

/** Writes the CA PEM (creating its directory) atomically. */
export async function writeCaFile(path: string, pem: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, pem, 0o644);
}
