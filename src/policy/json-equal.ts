import { hasDefined } from './object-access.js';

type JsonObject = Readonly<Record<string, unknown>>;

/**
 * Structural equality over JSON values: arrays element by element, objects key by key with key
 * order ignored, keys whose value is `undefined` counted as absent (as JSON.stringify drops
 * them). Iterative, with an explicit stack, so any nesting depth compares without overflowing the
 * call stack; linear in the size of the smaller value, stopping at the first difference.
 */
export function jsonEqual(left: unknown, right: unknown): boolean {
  const lefts: unknown[] = [left];
  const rights: unknown[] = [right];
  while (lefts.length > 0) {
    const a = lefts.pop();
    const b = rights.pop();
    if (a === b) continue;
    if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
    const isArray = Array.isArray(a);
    if (isArray !== Array.isArray(b)) return false;
    if (isArray) {
      const x = a as readonly unknown[];
      const y = b as readonly unknown[];
      if (x.length !== y.length) return false;
      for (let index = 0; index < x.length; index++) {
        const p = x[index];
        const q = y[index];
        if (p === q) continue;
        lefts.push(p);
        rights.push(q);
      }
      continue;
    }
    const x = a as JsonObject;
    const y = b as JsonObject;
    let count = 0;
    for (const key of Object.keys(x)) {
      const value = x[key];
      if (value === undefined) continue;
      if (!hasDefined(y, key)) return false;
      count++;
      const other = y[key];
      if (value === other) continue;
      lefts.push(value);
      rights.push(other);
    }
    let others = 0;
    for (const key of Object.keys(y)) if (y[key] !== undefined) others++;
    if (count !== others) return false;
  }
  return true;
}
