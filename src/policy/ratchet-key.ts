import type { KubeObject } from './kube-object.js';
import { asRecord, asString } from './object-access.js';
import type { Violation } from './rule.js';

/** One step of a field path: a member name, or a list index. */
export type FieldPathSegment = string | number;

/**
 * Parses a field path as rules write it (`validation-helpers`): dotted member names, list items
 * as `[index]` and map entries as `["json-quoted key"]`, e.g.
 * `spec.resourceQuotaSpec.hard["requests.nvidia.com/gpu"]` or `subjects[2].name`. Undefined for
 * text of any other shape. One pass, linear in the path's length.
 */
export function parseFieldPath(path: string): FieldPathSegment[] | undefined {
  const segments: FieldPathSegment[] = [];
  let index = 0;
  while (index < path.length) {
    const char = path[index];
    if (char === '.') {
      if (index === 0 || index === path.length - 1 || path[index + 1] === '.') return undefined;
      index++;
      continue;
    }
    if (char === '[') {
      const close = path.indexOf(']', index);
      if (path[index + 1] === '"') {
        const end = closingQuote(path, index + 2);
        if (end === undefined || path[end + 1] !== ']') return undefined;
        try {
          segments.push(JSON.parse(path.slice(index + 1, end + 1)) as string);
        } catch {
          return undefined;
        }
        index = end + 2;
        continue;
      }
      const digits = close < 0 ? '' : path.slice(index + 1, close);
      if (!/^\d{1,15}$/.test(digits)) return undefined;
      segments.push(Number(digits));
      index = close + 1;
      continue;
    }
    let end = index;
    while (end < path.length && path[end] !== '.' && path[end] !== '[') end++;
    segments.push(path.slice(index, end));
    index = end;
  }
  return segments;
}

/** The index of the `"` closing a JSON string whose text starts at `from`, skipping escapes. */
function closingQuote(text: string, from: number): number | undefined {
  for (let index = from; index < text.length; index++) {
    const char = text[index];
    if (char === '\\') index++;
    else if (char === '"') return index;
  }
  return undefined;
}

/**
 * Computes ratcheting keys: what makes a violation "the same" in the stored object and in the
 * new one. The key is the violation's field path with every list index replaced by what the
 * element is, plus the value found at the path:
 * - a `subjects` entry is identified by kind, namespace and name (so reordering or inserting
 *   subjects moves no violation, and a changed subject is a new one);
 * - any other list element by its whole content (a changed AuthorizationPolicy rule is judged
 *   afresh, whichever of its fields changed); what lies inside such an element is part of that
 *   content, so deeper list indices are kept as positions and the value needs no key of its own;
 * - otherwise, the value at the end of the path by its content (`100` → `10000` is a new
 *   violation).
 * A path that does not parse, or leads through a list that is not there, gets a key of its own
 * that matches nothing: such a violation is never ratcheted (fail closed).
 *
 * One keyer serves one request (the stored and the new object alike): content is serialised
 * canonically (keys sorted) once per element and interned as a small number, so equal content in
 * both objects gets the same key, and the work is linear in the size of the elements that hold
 * violations. `stats`, when given, counts that work (for tests that bound it). `workLimit`
 * bounds it: each key costs KEY_WORK and each list element identified by content the number of
 * JSON values in it (counted, up to what is left, before it is serialised); a keyer asked for
 * more throws RatchetWorkExceeded instead.
 */
export function createRatchetKeyer(
  stats?: RatchetKeyerStats,
  workLimit = Infinity,
): (object: KubeObject, violation: Violation) => string {
  // The work done, in JSON values visited to identify content plus KEY_WORK per key; past
  // `workLimit` the keyer throws RatchetWorkExceeded before doing more.
  let work = 0;
  const spend = (units: number): void => {
    work += units;
    if (work > workLimit) throw new RatchetWorkExceeded(workLimit);
  };
  const ids = new Map<string, number>();
  let unmatched = 0;
  const unique = (): string => `!${String(unmatched++)}`;
  const objectIds = new WeakMap<object, number>();
  // Member names repeat from key to key (`spec`, `rules`, `from`): each is quoted once.
  const members = new Map<string, string>();
  const intern = (text: string): number => {
    if (stats !== undefined) stats.serialisedChars += text.length;
    let id = ids.get(text);
    if (id === undefined) {
      id = ids.size;
      ids.set(text, id);
    }
    return id;
  };
  const contentId = (value: unknown): number => {
    if (typeof value !== 'object' || value === null) return intern(canonicalJson(value));
    const known = objectIds.get(value);
    if (known !== undefined) return known;
    // Counted before it is written, and never past the limit: an element of 100 000 values
    // costs a count up to what is left of the limit, not a serialisation.
    spend(countValues(value, workLimit - work + 1));
    const id = intern(canonicalJson(value));
    objectIds.set(value, id);
    return id;
  };

  // Paths repeat from violation to violation but for their first list index
  // (`spec.rules[7].from[0].source.namespaces[1]`): what comes before it (member names only) and
  // after it is parsed once per keyer, and the list before it found once per object.
  const heads = new Map<string, readonly string[] | null>();
  const headOf = (prefix: string): readonly string[] | null => {
    let head = heads.get(prefix);
    if (head === undefined) {
      const segments = parseFieldPath(prefix);
      head =
        segments === undefined || segments.some((segment) => typeof segment !== 'string')
          ? null
          : (segments as string[]);
      heads.set(prefix, head);
    }
    return head;
  };
  const tails = new Map<string, readonly FieldPathSegment[] | null>();
  const tailOf = (rest: string): readonly FieldPathSegment[] | null => {
    let tail = tails.get(rest);
    if (tail === undefined) {
      // The rest as a path of its own, `x` standing for the element.
      tail = parseFieldPath(`x${rest}`)?.slice(1) ?? null;
      tails.set(rest, tail);
    }
    return tail;
  };
  // Each prefix and rest around the element (`spec.rules`, `.from[0].source.namespaces[1]`) as a
  // small number, found without building a string.
  const shapes = new Map<string, Map<string, number>>();
  let shapeCount = 0;
  const shapeId = (prefix: string, rest: string): number => {
    let byRest = shapes.get(prefix);
    if (byRest === undefined) shapes.set(prefix, (byRest = new Map<string, number>()));
    let id = byRest.get(rest);
    if (id === undefined) byRest.set(rest, (id = shapeCount++));
    return id;
  };
  const lists = new WeakMap<object, Map<string, unknown>>();
  const listAt = (object: KubeObject, prefix: string, head: readonly string[]): unknown => {
    let known = lists.get(object);
    if (known === undefined) lists.set(object, (known = new Map<string, unknown>()));
    if (known.has(prefix)) return known.get(prefix);
    const node = walk(object, head);
    known.set(prefix, node);
    return node;
  };

  /**
   * The key of a path whose first list element is identified by content (the common case, and
   * the one a list of 50 000 violations takes): the prefix and rest as written (the same rule
   * writes the same text for both objects), the element's content and whether the rest finds
   * something, each as a small number. It decides
   * as the general keyer does: the same content and the same rest find the same thing.
   * Undefined when the path is of another shape (the general keyer handles it).
   */
  const contentKey = (object: KubeObject, path: string): string | undefined => {
    const open = path.indexOf('[');
    if (open <= 0) return undefined;
    let index = 0;
    let close = open + 1;
    for (; close < path.length && close - open <= 15; close++) {
      const digit = path.charCodeAt(close) - 48;
      if (digit < 0 || digit > 9) break;
      index = index * 10 + digit;
    }
    if (close === open + 1 || path[close] !== ']') return undefined;
    const prefix = path.slice(0, open);
    if (prefix === 'subjects') return undefined;
    const head = headOf(prefix);
    if (head === null) return undefined;
    const rest = path.slice(close + 1);
    if (rest !== '' && !rest.startsWith('.') && !rest.startsWith('[')) return undefined;
    const tail = tailOf(rest);
    if (tail === null) return unique();
    const list = listAt(object, prefix, head);
    if (!Array.isArray(list) || index >= list.length) return unique();
    const element: unknown = list[index];
    const found = walk(element, tail);
    if (found === MISSING_LIST) return unique();
    // `@<shape>#<content>` (`-` when nothing is found): short, so cheap to build and hash.
    const missing = found === undefined ? '-' : '';
    return `@${String(shapeId(prefix, rest))}#${String(contentId(element))}${missing}`;
  };

  return (object, violation) => {
    spend(KEY_WORK);
    keysComputed++;
    if (stats !== undefined) stats.keys++;
    const fast = contentKey(object, violation.path);
    if (fast !== undefined) return fast;
    const segments = parseFieldPath(violation.path);
    if (segments === undefined) return unique();
    let node: unknown = object;
    let key = '';
    // Once a list element is identified by its whole content, what lies inside it is that
    // content too: deeper list indices are kept as positions, and the value needs no key of its
    // own (equal content has equal members at equal positions).
    let withinContent = false;
    for (let position = 0; position < segments.length; position++) {
      const segment = segments[position];
      if (segment === undefined) return unique();
      if (typeof segment === 'number') {
        const list = Array.isArray(node) ? (node as readonly unknown[]) : undefined;
        if (list === undefined || segment >= list.length) return unique();
        node = list[segment];
        if (withinContent) {
          key += `[${String(segment)}]`;
        } else if (position === 1 && segments[0] === 'subjects') {
          key += `[${subjectIdentity(node)}]`;
        } else {
          key += `[#${String(contentId(node))}]`;
          withinContent = true;
        }
        continue;
      }
      const record = asRecord(node);
      node = record !== undefined && Object.hasOwn(record, segment) ? record[segment] : undefined;
      let member = members.get(segment);
      if (member === undefined) {
        member = `.${JSON.stringify(segment)}`;
        members.set(segment, member);
      }
      key += member;
    }
    if (withinContent) return `${key}=${node === undefined ? '-' : '#'}`;
    return `${key}=${node === undefined ? '-' : String(contentId(node))}`;
  };
}

/**
 * What a key costs in a keyer's work limit besides the content it identifies, in JSON values: a
 * rough weight for parsing and walking its path and building the key, several times the cost of
 * counting and serialising one value.
 */
export const KEY_WORK = 8;

/** Thrown by a keyer asked to do more than its work limit (see {@link createRatchetKeyer}). */
export class RatchetWorkExceeded extends Error {
  constructor(readonly limit: number) {
    super(`ratcheting would take more than ${String(limit)} units of work`);
  }
}

/**
 * The number of JSON values in `value` (itself, and every member and item at any depth),
 * counting no further than `limit` (it answers `limit` then). Iterative, so any depth is handled.
 */
export function countValues(value: unknown, limit: number): number {
  // Values are counted as they are found, so a list of 100 000 items stops at the limit.
  let found = 1;
  const pending: unknown[] = [value];
  while (pending.length > 0 && found < limit) {
    const current = pending.pop();
    if (typeof current !== 'object' || current === null) continue;
    if (Array.isArray(current)) {
      for (const item of current as readonly unknown[]) {
        if (++found >= limit) return limit;
        pending.push(item);
      }
      continue;
    }
    const record = current as Readonly<Record<string, unknown>>;
    for (const key in record) {
      if (!Object.hasOwn(record, key)) continue;
      if (++found >= limit) return limit;
      pending.push(record[key]);
    }
  }
  return Math.min(found, limit);
}

/**
 * How many ratchet keys keyers have computed in this process (a work counter for tests, like
 * `lazyMessagesWritten`).
 */
export function ratchetKeysComputed(): number {
  return keysComputed;
}

let keysComputed = 0;

/** What {@link walk} answers for a path through a list that is not there. */
const MISSING_LIST: unique symbol = Symbol('missing list');

/**
 * The value at `segments` below `node` (undefined where a member is missing), or MISSING_LIST
 * when the path leads through a list that is not there (such a path is never ratcheted).
 */
function walk(node: unknown, segments: readonly FieldPathSegment[]): unknown {
  let current = node;
  for (const segment of segments) {
    if (typeof segment === 'number') {
      if (!Array.isArray(current) || segment >= current.length) return MISSING_LIST;
      current = (current as readonly unknown[])[segment];
      continue;
    }
    const record = asRecord(current);
    current = record !== undefined && Object.hasOwn(record, segment) ? record[segment] : undefined;
  }
  return current;
}

/** The work a ratchet keyer did (see {@link createRatchetKeyer}). */
export interface RatchetKeyerStats {
  /** Keys computed (one per violation). */
  keys: number;
  /** Characters of canonical JSON written to identify content. */
  serialisedChars: number;
}

/** `kind/namespace/name` of an RBAC subject, JSON-quoted; missing fields are empty. */
function subjectIdentity(subject: unknown): string {
  const record = asRecord(subject);
  return JSON.stringify([
    asString(record?.kind) ?? '',
    asString(record?.namespace) ?? '',
    asString(record?.name) ?? '',
  ]);
}

/**
 * JSON text with object keys sorted, so equal content always serialises the same. Iterative (an
 * explicit stack), so any nesting depth is handled; linear in the value's size. `undefined`
 * members are dropped and an `undefined` root or list item is written `null`, as JSON.stringify
 * does.
 */
export function canonicalJson(value: unknown): string {
  // What the API server sends is nearly always in key order already (it writes maps with sorted
  // keys): then JSON.stringify, native, writes the same text several times faster. Checking the
  // order allocates nothing.
  if (inKeyOrder(value, 0)) return JSON.stringify(value);
  // Most values are shallow: written recursively, without the explicit stack's bookkeeping;
  // only a value nested deeper than SHALLOW_DEPTH takes the iterative writer.
  return shallowCanonicalJson(value, 0) ?? deepCanonicalJson(value);
}

/**
 * True when every object in `value` lists its own keys in sorted order (as canonical JSON writes
 * them), so JSON.stringify writes its canonical text; false too when it is nested deeper than
 * SHALLOW_DEPTH (not worth the check) or holds anything JSON.stringify would write otherwise than
 * canonical JSON does (a `toJSON` method, a number that is not finite).
 */
function inKeyOrder(value: unknown, depth: number): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'object' || value === null) {
    return typeof value === 'string' || typeof value === 'boolean' || value === null;
  }
  if (depth >= SHALLOW_DEPTH) return false;
  if (Array.isArray(value)) {
    for (const item of value as readonly unknown[]) {
      if (!inKeyOrder(item, depth + 1)) return false;
    }
    return true;
  }
  const record = value as Readonly<Record<string, unknown>>;
  if (
    Object.getPrototypeOf(record) !== Object.prototype &&
    Object.getPrototypeOf(record) !== null
  ) {
    return false;
  }
  let previous: string | undefined;
  for (const key in record) {
    if (!Object.hasOwn(record, key)) return false;
    if (previous !== undefined && !(previous < key)) return false;
    previous = key;
    if (key === 'toJSON' || !inKeyOrder(record[key], depth + 1)) return false;
  }
  return true;
}

/** How deep {@link shallowCanonicalJson} recurses before it gives up (far below stack limits). */
const SHALLOW_DEPTH = 64;

/** {@link canonicalJson} written recursively; undefined when nested deeper than SHALLOW_DEPTH. */
function shallowCanonicalJson(value: unknown, depth: number): string | undefined {
  if (typeof value !== 'object' || value === null) {
    return value === undefined ? 'null' : JSON.stringify(value);
  }
  if (depth >= SHALLOW_DEPTH) return undefined;
  let out: string;
  if (Array.isArray(value)) {
    out = '[';
    const list = value as readonly unknown[];
    for (let index = 0; index < list.length; index++) {
      const text = shallowCanonicalJson(list[index], depth + 1);
      if (text === undefined) return undefined;
      out += index > 0 ? `,${text}` : text;
    }
    return `${out}]`;
  }
  const record = value as Readonly<Record<string, unknown>>;
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort();
  out = '{';
  for (const [index, key] of keys.entries()) {
    const text = shallowCanonicalJson(record[key], depth + 1);
    if (text === undefined) return undefined;
    out += `${index > 0 ? ',' : ''}${JSON.stringify(key)}:${text}`;
  }
  return `${out}}`;
}

/** {@link canonicalJson} with an explicit stack: any depth, linear in the value's size. */
function deepCanonicalJson(value: unknown): string {
  const out: string[] = [];
  // Pending work, popped last-first: a value to write, or literal text.
  const pending: ({ readonly value: unknown } | string)[] = [{ value }];
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    if (typeof item === 'string') {
      out.push(item);
      continue;
    }
    const current = item.value;
    if (typeof current !== 'object' || current === null) {
      // As JSON.stringify writes them in a list: non-finite numbers and undefined as null.
      out.push(current === undefined ? 'null' : JSON.stringify(current));
      continue;
    }
    if (Array.isArray(current)) {
      const list = current as readonly unknown[];
      pending.push(']');
      for (let index = list.length - 1; index >= 0; index--) {
        pending.push({ value: list[index] });
        if (index > 0) pending.push(',');
      }
      out.push('[');
      continue;
    }
    const record = current as Readonly<Record<string, unknown>>;
    const keys = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort();
    pending.push('}');
    keys.reverse().forEach((key, index) => {
      pending.push({ value: record[key] });
      pending.push(`${JSON.stringify(key)}:`);
      if (index < keys.length - 1) pending.push(',');
    });
    out.push('{');
  }
  return out.join('');
}
