/** The result of {@link parseJsonSafely}. */
export type JsonParseResult =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string };

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes UTF-8 bytes (a leading BOM is dropped) and parses them as JSON, dropping the keys that
 * can reach `Object.prototype` when the result is later merged or spread: every `__proto__`, and
 * every `constructor` whose value is an object (a string `constructor`, e.g. a label value, is
 * data and is kept). Never throws: invalid UTF-8, invalid JSON and nesting too deep for the stack
 * all come back as `{ ok: false }`.
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
    return { ok: true, value: JSON.parse(text, dropPollutionKeys) as unknown };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, error: `body: not valid JSON (${reason})` };
  }
}

function dropPollutionKeys(key: string, value: unknown): unknown {
  if (key === '__proto__') return undefined;
  if (key === 'constructor' && typeof value === 'object' && value !== null) return undefined;
  return value;
}
