import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';

import { writeFileAtomic } from '../../tls/atomic-write.js';
import {
  generateCertificateAuthority,
  generateServingCertificate,
  type CertificateAuthority,
} from '../../tls/self-signed.js';
import { listFlag, parseFlags, positiveIntFlag } from '../args.js';
import { EXIT_OK, EXIT_USAGE, type CliIo } from '../io.js';
import { UsageError } from '../usage-error.js';
import { errorMessage } from '../../util/error-message.js';

/** Default validity of the serving certificate, in days. */
export const DEFAULT_SERVING_DAYS = 365;

/** `profile-guard certs --help`. */
export const CERTS_USAGE = `Usage: profile-guard certs --service NAME --namespace NS --out DIR [flags]

Writes ca.crt, ca.key, tls.crt and tls.key into DIR (each atomically: a server watching DIR never
reads half a file). The serving certificate is valid for NAME, NAME.NS, NAME.NS.svc and
NAME.NS.svc.cluster.local plus any --dns and --ip. Put ca.crt (base64) in the webhook
configurations' caBundle, and tls.crt + tls.key in a kubernetes.io/tls Secret.

Flags:
      --service NAME   the webhook's Service name (required)
      --namespace NS   the Service's namespace (required)
      --out DIR        where to write (created if missing) (required)
      --dns NAME...    more DNS names (repeatable, or comma-separated)
      --ip ADDR...     IP addresses (repeatable, or comma-separated), e.g. 127.0.0.1
      --days N         serving certificate validity in days (default ${DEFAULT_SERVING_DAYS})
      --ca-dir DIR     reuse the CA in DIR (ca.crt + ca.key) instead of creating one; the same
                       caBundle then stays valid across renewals (DIR may be --out itself)
  -h, --help           this help

Exit codes: 0 written, 2 bad flags or an unusable --ca-dir.
`;

const OPTIONS = {
  service: { type: 'string' },
  namespace: { type: 'string' },
  out: { type: 'string' },
  dns: { type: 'string', multiple: true },
  ip: { type: 'string', multiple: true },
  days: { type: 'string' },
  'ca-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The DNS names a Service is reached by inside the cluster. */
export function serviceDnsNames(service: string, namespace: string): string[] {
  return [
    service,
    `${service}.${namespace}`,
    `${service}.${namespace}.svc`,
    `${service}.${namespace}.svc.cluster.local`,
  ];
}

/** `profile-guard certs`: returns the exit code. */
export async function runCerts(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    return await certs(argv, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`profile-guard certs: ${error.message}\n`);
    return EXIT_USAGE;
  }
}

async function certs(argv: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, OPTIONS, ['dns', 'ip']);
  if (flags.help === true) {
    io.stdout.write(CERTS_USAGE);
    return EXIT_OK;
  }
  const service = required('service', flags.service);
  const namespace = required('namespace', flags.namespace);
  const out = required('out', flags.out);
  for (const [flag, value] of [
    ['service', service],
    ['namespace', namespace],
  ] as const) {
    if (!DNS_LABEL.test(value)) {
      throw new UsageError(
        `invalid value for --${flag}: ${JSON.stringify(value)} (expected a DNS-1123 label)`,
      );
    }
  }
  const days = positiveIntFlag('days', flags.days, DEFAULT_SERVING_DAYS);
  const extraDns = listFlag(flags.dns);
  const ips = listFlag(flags.ip);
  for (const ip of ips) {
    if (isIP(ip) === 0) {
      throw new UsageError(
        `invalid value for --ip: ${JSON.stringify(ip)} (expected an IP address)`,
      );
    }
  }

  const caDir = flags['ca-dir'];
  const ca = caDir === undefined ? generateCertificateAuthority() : await readCa(caDir);
  const dnsNames = [...new Set([...serviceDnsNames(service, namespace), ...extraDns])];
  let serving;
  try {
    serving = generateServingCertificate(ca, { dnsNames, ipAddresses: ips, validityDays: days });
  } catch (error) {
    throw new UsageError(errorMessage(error));
  }

  await mkdir(out, { recursive: true });
  const written: string[] = [];
  const write = async (name: string, content: string, mode: number): Promise<void> => {
    await writeFileAtomic(join(out, name), content, mode);
    written.push(name);
  };
  await write('ca.crt', ca.certPem, 0o644);
  if (caDir === undefined) await write('ca.key', ca.keyPem, 0o600);
  // Key before certificate: a watcher that reads between the two sees a mismatched pair, which
  // it rejects and keeps the old one, until the certificate lands.
  await write('tls.key', serving.keyPem, 0o600);
  await write('tls.crt', serving.certPem, 0o644);

  const leaf = new X509Certificate(serving.certPem);
  io.stdout.write(
    [
      `wrote ${written.map((name) => join(out, name)).join(', ')}`,
      `CA: ${caDir === undefined ? 'new' : `reused from ${resolve(caDir)}`}`,
      `subjectAltName: ${leaf.subjectAltName ?? ''}`,
      `expires: ${new Date(leaf.validTo).toISOString()}`,
      '',
    ].join('\n'),
  );
  return EXIT_OK;
}

/** Reads and checks `ca.crt` + `ca.key` from `dir`: a CA certificate and its own key. */
async function readCa(dir: string): Promise<CertificateAuthority> {
  const read = async (name: string): Promise<string> => {
    const path = join(dir, name);
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      const reason = errorMessage(error).replace(/, open '[^']*'$/, '');
      throw new UsageError(`invalid value for --ca-dir: cannot read ${path}: ${reason}`);
    }
  };
  const certPem = await read('ca.crt');
  const keyPem = await read('ca.key');
  try {
    const cert = new X509Certificate(certPem);
    if (!cert.ca) throw new Error('ca.crt is not a CA certificate');
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) {
      throw new Error('ca.key does not belong to ca.crt');
    }
  } catch (error) {
    const reason = errorMessage(error);
    throw new UsageError(`invalid value for --ca-dir: ${dir}: ${reason}`);
  }
  return { certPem, keyPem };
}

function required(flag: string, value: string | undefined): string {
  if (value === undefined || value === '') {
    throw new UsageError(`--${flag} is required (see profile-guard certs --help)`);
  }
  return value;
}
