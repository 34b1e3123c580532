import { errorMessage } from '../util/error-message.js';
/** The result of {@link parseJsonSafely}. */
export type JsonParseResult =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string };

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes UTF-8 bytes (a leading BOM is dropped) and parses them as JSON, then drops the keys
 * that can reach `Object.prototype` when the result is later merged, assigned or spread: every
 * `__proto__`, and every `constructor` whose value is an object (the `constructor.prototype`
 * vector; a string `constructor`, e.g. a label value, is data and is kept). The scrub walks
 * iteratively, as V8's JSON.parse does, so a deeply nested body still parses and its review can
 * still be answered with its uid. Never throws: invalid UTF-8 and invalid JSON come back as
 * `{ ok: false }`.
 */
export function parseJsonSafely(bytes: Uint8Array): JsonParseResult {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return { ok: false, error: 'body: not valid UTF-8' };
  }
  if (text.trim() === '') return { ok: false, error: 'body: empty' };
  try {
    const value: unknown = JSON.parse(text);
    if (hasPollutionKeyToken(text)) scrubPollutionKeys(value);
    return { ok: true, value };
  } catch (error) {
    const reason = errorMessage(error);
    return { ok: false, error: `body: not valid JSON (${reason})` };
  }
}

/** The longest string token that can spell a pollution key: every character escaped, quoted. */
const MAX_KEY_TOKEN = 'constructor'.length * '\\u0000'.length + 2;
/** The characters of `__proto__` and `constructor`: an escape of any other cannot spell one. */
const KEY_CHARS: ReadonlySet<string> = new Set('_protcnsu');

/**
 * Whether the JSON text (already parsed without error) holds a key the scrub must remove: a
 * string token that decodes to `__proto__`, or to `constructor` with an object or array value.
 * Only string tokens that contain one of those words literally, or a `\u` escape of one of their
 * characters, can be such a key, so only those are decoded, each once; every other body, however
 * many other escapes (`\u0041`) or plain words (a label value "constructor") it holds, skips
 * the walk over the parsed tree. Linear: each token is scanned at most once per word searched.
 * Exported for its tests.
 */
export function hasPollutionKeyToken(text: string): boolean {
  for (const needle of ['__proto__', 'constructor', '\\u']) {
    let from = 0;
    for (let at = text.indexOf(needle, from); at !== -1; at = text.indexOf(needle, from)) {
      from = at + needle.length;
      if (needle === '\\u' && !escapesKeyChar(text, at)) continue;
      const start = openingQuote(text, at);
      const end = closingQuote(text, at);
      from = Math.max(from, end + 1);
      if (end - start + 1 <= MAX_KEY_TOKEN && isPollutionKey(text, start, end)) return true;
    }
  }
  return false;
}

/** Whether the `\u` escape at `at` is of a character of `__proto__` or `constructor`. */
function escapesKeyChar(text: string, at: number): boolean {
  if (text[at + 2] !== '0' || text[at + 3] !== '0') return false;
  const code = Number.parseInt(text.slice(at + 4, at + 6), 16);
  return !Number.isNaN(code) && KEY_CHARS.has(String.fromCharCode(code));
}

/** The opening quote of the string token holding `at`: a quote after an even run of backslashes. */
function openingQuote(text: string, at: number): number {
  for (let index = at - 1; index > 0; index--) {
    if (text[index] !== '"') continue;
    let backslashes = 0;
    while (text[index - 1 - backslashes] === '\\') backslashes++;
    if (backslashes % 2 === 0) return index;
  }
  return 0;
}

/** The closing quote of the string token holding `at` (no escape begins before `at`). */
function closingQuote(text: string, at: number): number {
  let index = at;
  while (index < text.length && text[index] !== '"') index += text[index] === '\\' ? 2 : 1;
  return index;
}

const WHITESPACE = ' \t\n\r';

/** The first position from `at` that is not JSON whitespace. */
function skipWhitespace(text: string, at: number): number {
  let index = at;
  while (index < text.length && WHITESPACE.includes(text.charAt(index))) index++;
  return index;
}

/** Whether the string token from `start` to `end` (its quotes) is a key the scrub removes. */
function isPollutionKey(text: string, start: number, end: number): boolean {
  let word: unknown;
  try {
    word = JSON.parse(text.slice(start, end + 1));
  } catch {
    return true; // not one token after all: walk the tree rather than guess
  }
  if (word !== '__proto__' && word !== 'constructor') return false;
  const colon = skipWhitespace(text, end + 1);
  if (text[colon] !== ':') return false;
  if (word === '__proto__') return true;
  const value = text[skipWhitespace(text, colon + 1)];
  return value === '{' || value === '[';
}

/** Removes pollution keys in place, depth-first with an explicit stack. */
function scrubPollutionKeys(root: unknown): void {
  const pending: object[] = [];
  if (typeof root === 'object' && root !== null) pending.push(root);
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    if (Array.isArray(node)) {
      // Only containers are stacked: an array of 300 000 strings costs one test per entry.
      for (const entry of node as unknown[]) {
        if (typeof entry === 'object' && entry !== null) pending.push(entry);
      }
      continue;
    }
    const record = node as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const child = record[key];
      const isObject = typeof child === 'object' && child !== null;
      if (key === '__proto__' || (key === 'constructor' && isObject)) {
        Reflect.deleteProperty(record, key);
      } else if (isObject) {
        pending.push(child);
      }
    }
  }
}
