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
    if (mayHavePollutionKeys(text)) scrubPollutionKeys(value);
    return { ok: true, value };
  } catch (error) {
    const reason = errorMessage(error);
    return { ok: false, error: `body: not valid JSON (${reason})` };
  }
}

/**
 * False only when no key of the parsed text can be `__proto__` or `constructor`: neither appears
 * literally, and there is no `\u` escape that could spell one. Scanning the text is far cheaper
 * than walking the parsed tree, and almost every real review takes this exit.
 */
function mayHavePollutionKeys(text: string): boolean {
  return text.includes('__proto__') || text.includes('constructor') || text.includes('\\u');
}

/** Removes pollution keys in place, depth-first with an explicit stack. */
function scrubPollutionKeys(root: unknown): void {
  const pending: unknown[] = [root];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    if (typeof node !== 'object' || node === null) continue;
    if (Array.isArray(node)) {
      for (const entry of node as unknown[]) pending.push(entry);
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
