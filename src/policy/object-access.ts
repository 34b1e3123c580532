/**
 * Safe readers over untrusted JSON. Rules use these instead of casts so that a malformed object is
 * a rule decision (usually "missing" / "not a string"), never a TypeError.
 */

/** The value as a plain object, or undefined when it is not one (arrays and null are not). */
export function asRecord(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Whether `object` has its own member `key` with a value (JSON.stringify drops `undefined` ones). */
export function hasDefined(object: Readonly<Record<string, unknown>>, key: string): boolean {
  return Object.hasOwn(object, key) && object[key] !== undefined;
}

/** The value when it is a string. */
export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The value when it is an array, else an empty array. */
export function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Reads a nested field by keys; undefined as soon as a step is not an object. */
export function getPath(value: unknown, ...keys: readonly string[]): unknown {
  let current: unknown = value;
  for (const key of keys) {
    const record = asRecord(current);
    if (record === undefined || !Object.hasOwn(record, key)) return undefined;
    current = record[key];
  }
  return current;
}

/** A string map (labels, annotations); non-string values are dropped. */
export function asStringMap(value: unknown): Readonly<Record<string, string>> {
  const record = asRecord(value);
  const out: Record<string, string> = {};
  if (record === undefined) return out;
  for (const [key, entry] of Object.entries(record)) {
    if (typeof entry === 'string') out[key] = entry;
  }
  return out;
}
