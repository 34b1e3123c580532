/** One RFC 6902 operation; the webhook only ever emits these three. */
export type JsonPatchOperation =
  | { readonly op: 'add'; readonly path: string; readonly value: unknown }
  | { readonly op: 'replace'; readonly path: string; readonly value: unknown }
  | { readonly op: 'remove'; readonly path: string };

type JsonObject = Readonly<Record<string, unknown>>;

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
 */
export function diffToJsonPatch(before: unknown, after: unknown): JsonPatchOperation[] {
  const operations: JsonPatchOperation[] = [];
  diff(before, after, '', operations);
  return operations;
}

function diff(before: unknown, after: unknown, path: string, out: JsonPatchOperation[]): void {
  const from = asObject(before);
  const to = asObject(after);
  if (from === undefined || to === undefined) {
    if (!jsonEqual(before, after)) out.push({ op: 'replace', path, value: after });
    return;
  }
  // Removing object members first never shifts another member's path.
  for (const key of Object.keys(from)) {
    if (from[key] !== undefined && !isDefined(to, key)) {
      out.push({ op: 'remove', path: `${path}/${escapePointerToken(key)}` });
    }
  }
  for (const key of Object.keys(to)) {
    const next = to[key];
    if (next === undefined) continue;
    const previous = isDefined(from, key) ? from[key] : undefined;
    // Equal scalars, the bulk of any object, need no path and no further walk.
    if (previous === next) continue;
    const child = `${path}/${escapePointerToken(key)}`;
    if (previous === undefined) out.push({ op: 'add', path: child, value: next });
    else diff(previous, next, child, out);
  }
}

function asObject(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as JsonObject)
    : undefined;
}

function isDefined(object: JsonObject, key: string): boolean {
  return Object.hasOwn(object, key) && object[key] !== undefined;
}

/** How many members of `object` are not `undefined`. */
function definedCount(object: JsonObject): number {
  let count = 0;
  for (const key of Object.keys(object)) if (object[key] !== undefined) count++;
  return count;
}

/** Structural equality over JSON values (object key order ignored). */
export function jsonEqual(left: unknown, right: unknown): boolean {
  if (left === right) return true;
  if (typeof left !== 'object' || typeof right !== 'object' || left === null || right === null) {
    return false;
  }
  const isArray = Array.isArray(left);
  if (isArray !== Array.isArray(right)) return false;
  if (isArray) {
    const a = left as readonly unknown[];
    const b = right as readonly unknown[];
    if (a.length !== b.length) return false;
    for (let index = 0; index < a.length; index++) if (!jsonEqual(a[index], b[index])) return false;
    return true;
  }
  // Counted and compared in loops: this runs over every untouched subtree on the mutate path.
  const a = left as JsonObject;
  const b = right as JsonObject;
  let count = 0;
  for (const key of Object.keys(a)) {
    const value = a[key];
    if (value === undefined) continue;
    if (!isDefined(b, key) || !jsonEqual(value, b[key])) return false;
    count++;
  }
  return count === definedCount(b);
}
