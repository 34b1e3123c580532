import { watch, readFileSync, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Policy } from '../policy/policy-spec.js';
import { describeIoError, parsePolicyText } from './load-policy-file.js';

/** What a policy file watcher reports; it never keeps a policy itself. */
export interface PolicyFileHandlers {
  /** The file's content changed and is a valid policy. */
  onReload(policy: Policy): void;
  /** The file's content changed (or it became unreadable) and is not a valid policy. */
  onInvalid(errors: readonly string[]): void;
}

/** Tuning for {@link watchPolicyFile}. */
export interface PolicyFileWatchOptions {
  /** How often the content is compared even without a file event; default 5000. */
  readonly pollIntervalMs?: number;
  /** Quiet period after a file event before reading; default 100. */
  readonly debounceMs?: number;
}

const UNREADABLE = Symbol('unreadable');

/**
 * Watches a policy file and reports each change of its content. Watches the file's directory
 * (a ConfigMap mount replaces the file by swapping a `..data` symlink, which a watch on the
 * file itself misses) and also polls. The content present when watching starts is the baseline:
 * nothing is reported until it changes, and identical rewrites are never reported. Events are
 * debounced and reads never overlap; after `close()` nothing more is reported.
 */
export function watchPolicyFile(
  path: string,
  handlers: PolicyFileHandlers,
  options: PolicyFileWatchOptions = {},
): { close(): void } {
  const pollIntervalMs = options.pollIntervalMs ?? 5000;
  const debounceMs = options.debounceMs ?? 100;
  let last: string | typeof UNREADABLE = readBaseline(path);
  let closed = false;
  let inFlight: Promise<void> | undefined;
  let queued = false;
  let debounce: NodeJS.Timeout | undefined;

  // Reads never overlap: a check requested meanwhile runs once the current one ends.
  const check = (): void => {
    if (inFlight) {
      queued = true;
      return;
    }
    inFlight = compare().finally(() => {
      inFlight = undefined;
      if (queued && !closed) {
        queued = false;
        check();
      }
    });
  };

  const compare = async (): Promise<void> => {
    let content: string | typeof UNREADABLE;
    let readError = '';
    try {
      content = await readFile(path, 'utf8');
    } catch (error) {
      content = UNREADABLE;
      readError = describeIoError(error);
    }
    if (closed || content === last) return;
    last = content;
    if (content === UNREADABLE) {
      handlers.onInvalid([`${path}: cannot read policy file (${readError})`]);
      return;
    }
    const result = parsePolicyText(content, path);
    if (result.ok) handlers.onReload(result.policy);
    else handlers.onInvalid(result.errors);
  };

  const schedule = (): void => {
    if (closed) return;
    if (debounce) clearTimeout(debounce);
    debounce = setTimeout(check, debounceMs);
    debounce.unref();
  };

  const poll = setInterval(check, pollIntervalMs);
  poll.unref();

  let watcher: FSWatcher | undefined;
  try {
    // Any entry may be the `..data` symlink behind the file: every event triggers a comparison.
    watcher = watch(dirname(path), { persistent: false }, schedule);
    // A vanished directory ends the watch; the poll still notices changes.
    watcher.on('error', () => watcher?.close());
  } catch {
    watcher = undefined;
  }

  return {
    close(): void {
      closed = true;
      clearInterval(poll);
      if (debounce) clearTimeout(debounce);
      watcher?.close();
    },
  };
}

function readBaseline(path: string): string | typeof UNREADABLE {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return UNREADABLE;
  }
}
