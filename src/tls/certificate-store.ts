import { X509Certificate, createPrivateKey } from 'node:crypto';
import { type FSWatcher, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Server as TlsServer, createSecureContext } from 'node:tls';
import { errorMessage } from '../util/error-message.js';

/** File names in a certificate directory (a kubernetes.io/tls Secret, cert-manager, `certs`). */
export const CERT_FILE = 'tls.crt';
/** See {@link CERT_FILE}. */
export const KEY_FILE = 'tls.key';

/** A serving pair that was checked to belong together. */
export interface CertificatePair {
  readonly certPem: string;
  readonly keyPem: string;
  readonly notAfter: Date;
  /** Upper-case hex, as `X509Certificate#serialNumber` gives it. */
  readonly serialNumber: string;
  readonly subjectAltName: string;
}

/**
 * Checks that `certPem` and `keyPem` form a usable serving pair (parseable, key matches the
 * leaf certificate, accepted by `tls.createSecureContext`) and reads its expiry. Throws an Error
 * that says what is wrong otherwise.
 */
export function validatePair(certPem: string, keyPem: string): CertificatePair {
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(certPem);
  } catch (error) {
    throw new Error(`${CERT_FILE} is not a PEM certificate: ${describe(error)}`, { cause: error });
  }
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch (error) {
    throw new Error(`${KEY_FILE} is not a PEM private key: ${describe(error)}`, { cause: error });
  }
  if (!leaf.checkPrivateKey(key)) {
    throw new Error(`${KEY_FILE} does not belong to the certificate in ${CERT_FILE}`);
  }
  try {
    createSecureContext({ cert: certPem, key: keyPem });
  } catch (error) {
    throw new Error(`the pair is not usable for TLS: ${describe(error)}`, { cause: error });
  }
  return {
    certPem,
    keyPem,
    notAfter: new Date(leaf.validTo),
    serialNumber: leaf.serialNumber,
    subjectAltName: leaf.subjectAltName ?? '',
  };
}

/** Reads and validates `tls.crt` + `tls.key` from `dir`. Rejects with a message naming the file. */
export async function loadFromDir(dir: string): Promise<CertificatePair> {
  const [certPem, keyPem] = await readPemFiles(dir);
  try {
    return validatePair(certPem, keyPem);
  } catch (error) {
    throw new Error(`${dir}: ${describe(error)}`, { cause: error });
  }
}

/**
 * Holds the current serving pair and applies every new one to the attached TLS servers through
 * `setSecureContext`: open connections keep their session, new handshakes get the new pair, so
 * a rotation drops nothing.
 */
export class CertificateStore {
  #pair: CertificatePair;
  readonly #servers = new Set<TlsServer>();
  readonly #listeners: ((pair: CertificatePair) => void)[] = [];

  constructor(initial: CertificatePair) {
    this.#pair = initial;
  }

  /** The pair new connections are served with. */
  get current(): CertificatePair {
    return this.#pair;
  }

  /** The options for `https.createServer`. */
  serverOptions(): { cert: string; key: string } {
    return { cert: this.#pair.certPem, key: this.#pair.keyPem };
  }

  /** Applies later updates to `server` (which should have been created with serverOptions()). */
  attach(server: TlsServer): void {
    this.#servers.add(server);
  }

  /** Calls `listener` after each update (e.g. to set the expiry metric). */
  onUpdate(listener: (pair: CertificatePair) => void): void {
    this.#listeners.push(listener);
  }

  /** Makes `pair` current on every attached server. */
  update(pair: CertificatePair): void {
    this.#pair = pair;
    for (const server of this.#servers) {
      server.setSecureContext({ cert: pair.certPem, key: pair.keyPem });
    }
    for (const listener of this.#listeners) listener(pair);
  }
}

/** Options of {@link watchCertDir}. */
export interface WatchCertDirOptions {
  /** Safety-net polling; fs.watch events can be missed (network volumes, some runtimes). */
  readonly pollIntervalMs?: number;
  /** Coalesces the burst of events of one swap. */
  readonly debounceMs?: number;
  /** Called once per distinct unusable content; the old pair stays in use. */
  readonly onInvalid?: (error: Error) => void;
  /** The content already in use, so that the first poll does not report it as a change. */
  readonly initial?: CertificatePair;
}

/** A running watch. */
export interface CertDirWatch {
  /** Re-reads the directory now (what the watcher and the poll do). */
  check(): Promise<void>;
  close(): void;
}

const DEFAULT_POLL_MS = 10_000;
const DEFAULT_DEBOUNCE_MS = 100;

/**
 * Watches `dir` for a new `tls.crt`/`tls.key` and calls `onChange` with each new valid pair.
 * Both fs.watch on the directory (the kubelet publishes a Secret update by swapping the `..data`
 * symlink, which is a rename in the directory) and polling are used; a change is a difference in
 * content, so repeated events for the same files are ignored. A pair that fails validation (a
 * half-written file, a mismatched key) is reported through `onInvalid` and otherwise ignored.
 */
export function watchCertDir(
  dir: string,
  onChange: (pair: CertificatePair) => void,
  options: WatchCertDirOptions = {},
): CertDirWatch {
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_MS;
  const debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
  let lastSeen = options.initial ? contentKey(options.initial) : '';
  let lastInvalid = '';
  let closed = false;
  let running: Promise<void> | undefined;
  let requested = 0;
  let debounce: NodeJS.Timeout | undefined;

  const readOnce = async (): Promise<void> => {
    let certPem: string;
    let keyPem: string;
    try {
      [certPem, keyPem] = await readPemFiles(dir);
    } catch (error) {
      report(`unreadable:${describe(error)}`, describe(error));
      return;
    }
    const key = `${certPem}\u0000${keyPem}`;
    if (closed || key === lastSeen) return;
    let pair: CertificatePair;
    try {
      pair = validatePair(certPem, keyPem);
    } catch (error) {
      report(key, `${dir}: ${describe(error)}`);
      return;
    }
    lastSeen = key;
    lastInvalid = '';
    onChange(pair);
  };

  const report = (key: string, message: string): void => {
    if (closed || key === lastInvalid) return;
    lastInvalid = key;
    options.onInvalid?.(new Error(message));
  };

  const check = async (): Promise<void> => {
    // One read at a time; an event during a read schedules exactly one more.
    requested += 1;
    if (running !== undefined) return running;
    running = (async () => {
      let handled = 0;
      while (handled < requested && !closed) {
        handled = requested;
        await readOnce();
      }
    })().finally(() => {
      running = undefined;
    });
    return running;
  };

  const schedule = (): void => {
    if (closed) return;
    if (debounce !== undefined) clearTimeout(debounce);
    debounce = setTimeout(() => {
      debounce = undefined;
      void check();
    }, debounceMs);
    debounce.unref();
  };

  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, { persistent: false }, schedule);
    // A directory that disappears (a volume unmounted) must not crash the process: polling goes on.
    watcher.on('error', () => {
      watcher?.close();
      watcher = undefined;
    });
  } catch {
    watcher = undefined;
  }
  const poll = setInterval(() => void check(), pollIntervalMs);
  poll.unref();

  return {
    check,
    close: () => {
      closed = true;
      clearInterval(poll);
      if (debounce !== undefined) clearTimeout(debounce);
      watcher?.close();
    },
  };
}

function contentKey(pair: CertificatePair): string {
  return `${pair.certPem}\u0000${pair.keyPem}`;
}

/**
 * Reads `tls.crt` and `tls.key` together; when both fail, the certificate's error is the one
 * reported, so the message does not depend on which read settles first.
 */
async function readPemFiles(dir: string): Promise<[string, string]> {
  const [cert, key] = await Promise.allSettled([
    readText(join(dir, CERT_FILE)),
    readText(join(dir, KEY_FILE)),
  ]);
  if (cert.status === 'rejected') throw cert.reason;
  if (key.status === 'rejected') throw key.reason;
  return [cert.value, key.value];
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${path}: ${describe(error)}`, { cause: error });
  }
}

function describe(error: unknown): string {
  const message = errorMessage(error);
  // `ENOENT: no such file or directory, open '/x/tls.key'`: the path is already in our text.
  return message.replace(/, (open|stat|scandir) '[^']*'$/, '');
}
