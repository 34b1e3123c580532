import { jsonEqual } from '../policy/json-equal.js';
import { overlayChanges } from '../policy/mutation-engine.js';
import { asRecord, hasDefined } from '../policy/object-access.js';

/** Structural equality over JSON values (object key order ignored); iterative. */
export { jsonEqual };

/** One RFC 6902 operation; the webhook only ever emits these three. */
export type JsonPatchOperation =
  | { readonly op: 'add'; readonly path: string; readonly value: unknown }
  | { readonly op: 'replace'; readonly path: string; readonly value: unknown }
  | { readonly op: 'remove'; readonly path: string };

/** Escapes one JSON Pointer reference token (RFC 6901): `~` -> `~0`, then `/` -> `~1`. */
export function escapePointerToken(token: string): string {
  // Most keys need no escaping; skipping the two replaceAll calls matters on the mutate path.
  if (!token.includes('~') && !token.includes('/')) return token;
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

/**
 * A minimal JSON Patch that turns `before` into `after` (both plain JSON: what JSON.parse and
 * structuredClone of it produce). Objects are diffed key by key; a key missing in `before` is
 * added whole, so a patch never addresses a child of a missing parent; arrays that differ are
 * replaced whole, which is simple and cannot misaddress shifting indexes. Keys whose value is
 * `undefined` count as absent, as JSON.stringify would drop them. Equal inputs give `[]`.
 * Iterative (an explicit stack, visiting keys in order as a recursive walk would), so any
 * nesting depth is diffed without overflowing the call stack; linear in the inputs' size.
 */
export function diffToJsonPatch(before: unknown, after: unknown): JsonPatchOperation[] {
  const operations: JsonPatchOperation[] = [];
  // Work items, popped last-first: a pair of values to diff at a path, or an `add` to emit in
  // its turn (after the subtrees of the keys before it).
  const pending: (
    | { readonly before: unknown; readonly after: unknown; readonly path: string }
    | JsonPatchOperation
  )[] = [{ before, after, path: '' }];
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    if ('op' in item) {
      operations.push(item);
      continue;
    }
    const from = asRecord(item.before);
    const to = asRecord(item.after);
    if (from === undefined || to === undefined) {
      if (!jsonEqual(item.before, item.after)) {
        operations.push({ op: 'replace', path: item.path, value: item.after });
      }
      continue;
    }
    // A mutation's overlay draft of a large map names the few members it wrote: only those can
    // differ, and none was removed (see overlayChanges).
    const changed = overlayChanges(from, to);
    if (changed === undefined) {
      // Removing object members first never shifts another member's path.
      for (const key of Object.keys(from)) {
        if (from[key] !== undefined && !hasDefined(to, key)) {
          operations.push({ op: 'remove', path: `${item.path}/${escapePointerToken(key)}` });
        }
      }
    }
    // Pushed last key first, so that they are popped, and their operations emitted, in order.
    for (const key of (changed === undefined ? Object.keys(to) : [...changed]).reverse()) {
      const next = to[key];
      if (next === undefined) continue;
      const previous = hasDefined(from, key) ? from[key] : undefined;
      // Equal scalars, the bulk of any object, need no path and no further walk.
      if (previous === next) continue;
      const child = `${item.path}/${escapePointerToken(key)}`;
      if (previous === undefined) pending.push({ op: 'add', path: child, value: next });
      else pending.push({ before: previous, after: next, path: child });
    }
  }
  return operations;
}
