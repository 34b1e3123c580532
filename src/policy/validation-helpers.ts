/**
 * Syntax checks and message helpers shared by rules. Each check is a pure predicate over a string
 * and mirrors the Kubernetes (or vendor) rule it names, so a rule can reject early what the API
 * server or a controller would reject later.
 */

const DNS1123_LABEL = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME_PART = /^[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** A DNS-1123 label: lower-case alphanumerics and `-`, alphanumeric at both ends, 1–63 chars. */
export function isDns1123Label(value: string): boolean {
  return value.length <= 63 && DNS1123_LABEL.test(value);
}

/** A DNS-1123 subdomain: dot-separated DNS-1123 labels, at most 253 chars. */
export function isDns1123Subdomain(value: string): boolean {
  if (value.length > 253) return false;
  // Label by label by index, no list built: it runs for every prefixed key of a request.
  for (let start = 0; ;) {
    const dot = value.indexOf('.', start);
    if (!DNS1123_LABEL.test(value.slice(start, dot < 0 ? value.length : dot))) return false;
    if (dot < 0) return true;
    start = dot + 1;
  }
}

/**
 * A Kubernetes qualified name (label keys, resource names): an optional DNS-1123 subdomain prefix
 * and `/`, then a name of 1–63 alphanumerics, `-`, `_`, `.` that starts and ends alphanumeric.
 */
export function isQualifiedName(value: string): boolean {
  // Read by index, not split: a Profile may list tens of thousands of quota keys.
  const slash = value.indexOf('/');
  if (slash < 0) return value.length <= 63 && QUALIFIED_NAME_PART.test(value);
  if (value.includes('/', slash + 1)) return false;
  const name = value.slice(slash + 1);
  if (!isDns1123Subdomain(value.slice(0, slash))) return false;
  return name.length <= 63 && QUALIFIED_NAME_PART.test(name);
}

// The local part is RFC 5322's dot-atom (no quoted strings, no comments); the domain is a DNS
// name of at least two labels whose last label has a letter (so no IP literals or bare hosts).
const EMAIL_LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const EMAIL_DOMAIN_LABEL = /^[A-Za-z0-9](?:[-A-Za-z0-9]{0,61}[A-Za-z0-9])?$/;

/**
 * A practical RFC 5322 subset: `local@domain`, at most 254 chars; local part a dot-atom of at most
 * 64 chars; domain two or more DNS labels (letters, digits, inner `-`), the last one not numeric.
 * No spaces, quoted local parts, IP-literal domains or non-ASCII (use punycode).
 */
export function isEmailAddress(value: string): boolean {
  if (value.length > 254) return false;
  const at = value.lastIndexOf('@');
  if (at <= 0) return false;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (local.length > 64 || !EMAIL_LOCAL.test(local)) return false;
  const labels = domain.split('.');
  if (labels.length < 2 || domain.length > 253) return false;
  if (!labels.every((label) => EMAIL_DOMAIN_LABEL.test(label))) return false;
  return /[A-Za-z]/.test(labels[labels.length - 1] ?? '');
}

/** The lower-cased part after the last `@`, or undefined when there is no `@` or nothing after. */
export function emailDomain(value: string): string | undefined {
  const at = value.lastIndexOf('@');
  if (at < 0 || at === value.length - 1) return undefined;
  return value.slice(at + 1).toLowerCase();
}

/**
 * The field path of a map entry: `base["key"]`, the key JSON-quoted. Used for every map key
 * (`spec.resourceQuotaSpec.hard["requests.nvidia.com/gpu"]`) so the notation never depends on the
 * key's characters; the path is also the ratcheting key, so it must be stable.
 */
export function keyPath(base: string, key: string): string {
  return `${base}[${JSON.stringify(key)}]`;
}

/** The field path of a list item: `base[index]`. */
export function indexPath(base: string, index: number): string {
  return `${base}[${index}]`;
}

const MAX_QUOTED = 80;

/**
 * Quotes an offending value for a one-line message: JSON (so strings are in double quotes and
 * newlines escaped), cut to 80 characters with `…` so one huge field cannot flood a message.
 * Only the first characters are ever written: a 3 MiB string or an object nested 10 000 levels
 * deep costs what those 80 characters cost, and never overflows the call stack.
 */
export function quoteValue(value: unknown): string {
  // Most quoted values are short strings: their whole JSON is the answer, with no walk.
  if (typeof value === 'string' && value.length <= MAX_QUOTED) {
    const json = JSON.stringify(value);
    if (json.length <= MAX_QUOTED) return json;
  }
  const text = jsonPrefix(value, MAX_QUOTED + 1);
  return text.length <= MAX_QUOTED ? text : `${text.slice(0, MAX_QUOTED - 1)}…`;
}

/**
 * The first `limit` characters (or all, when shorter) of `JSON.stringify(value)`, `undefined`
 * written as such. Iterative, writing no more than it returns.
 */
function jsonPrefix(value: unknown, limit: number): string {
  let out = '';
  // Pending work, popped last-first: a value to write, or literal text.
  const pending: ({ readonly value: unknown } | string)[] = [{ value }];
  for (let item = pending.pop(); item !== undefined && out.length < limit; item = pending.pop()) {
    if (typeof item === 'string') {
      out += item;
      continue;
    }
    const current = item.value;
    if (typeof current === 'string') {
      // The JSON of a prefix is a prefix of the JSON, up to its closing quote.
      const text = JSON.stringify(current.slice(0, limit));
      out += current.length > limit ? text.slice(0, -1) : text;
    } else if (typeof current !== 'object' || current === null) {
      out += current === undefined ? 'undefined' : JSON.stringify(current);
    } else if (Array.isArray(current)) {
      const list = current as readonly unknown[];
      const shown = Math.min(list.length, limit);
      pending.push(']');
      for (let index = shown - 1; index >= 0; index--) {
        pending.push({ value: list[index] === undefined ? null : list[index] });
        if (index > 0) pending.push(',');
      }
      out += '[';
    } else {
      const record = current as Readonly<Record<string, unknown>>;
      const keys: string[] = [];
      for (const key in record) {
        if (!Object.hasOwn(record, key) || record[key] === undefined) continue;
        keys.push(key);
        if (keys.length >= limit) break;
      }
      pending.push('}');
      keys.reverse().forEach((key, index) => {
        pending.push({ value: record[key] });
        pending.push(`${JSON.stringify(key.slice(0, limit))}:`);
        if (index < keys.length - 1) pending.push(',');
      });
      out += '{';
    }
  }
  return out.slice(0, limit);
}

/** Lists allowed values for a message: `a, b, c`, or `none` when the list is empty. */
export function listValues(values: readonly string[]): string {
  return values.length === 0 ? 'none' : values.join(', ');
}
