/** One RFC 6902 operation; the webhook only ever emits these three. */
export type JsonPatchOperation =
  | { readonly op: 'add'; readonly path: string; readonly value: unknown }
  | { readonly op: 'replace'; readonly path: string; readonly value: unknown }
  | { readonly op: 'remove'; readonly path: string };

type JsonObject = Readonly<Record<string, unknown>>;

/** Escapes one JSON Pointer reference token (RFC 6901): `~` -> `~0`, then `/` -> `~1`. */
export function escapePointerToken(token: string): string {
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
  for (const key of definedKeys(from)) {
    if (!isDefined(to, key)) out.push({ op: 'remove', path: `${path}/${escapePointerToken(key)}` });
  }
  for (const key of definedKeys(to)) {
    const child = `${path}/${escapePointerToken(key)}`;
    if (!isDefined(from, key)) out.push({ op: 'add', path: child, value: to[key] });
    else diff(from[key], to[key], child, out);
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

function definedKeys(object: JsonObject): string[] {
  return Object.keys(object).filter((key) => object[key] !== undefined);
}

/** Structural equality over JSON values (object key order ignored). */
export function jsonEqual(left: unknown, right: unknown): boolean {
  if (left === right) return true;
  if (Array.isArray(left) || Array.isArray(right)) {
    return (
      Array.isArray(left) &&
      Array.isArray(right) &&
      left.length === right.length &&
      left.every((entry, index) => jsonEqual(entry, right[index]))
    );
  }
  const a = asObject(left);
  const b = asObject(right);
  if (a === undefined || b === undefined) return false;
  const keys = definedKeys(a);
  if (keys.length !== definedKeys(b).length) return false;
  return keys.every((key) => isDefined(b, key) && jsonEqual(a[key], b[key]));
}
