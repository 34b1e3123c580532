/**
 * CEL source text built from policy values. Every string a policy supplies (a reserved name, a
 * label value, an e-mail domain) reaches CEL only through {@link celString}, which escapes it, so
 * that no value can end the literal and inject an expression.
 */

/** Thrown when a policy value cannot be written as a CEL string (a lone UTF-16 surrogate). */
export class CelEncodingError extends Error {
  override readonly name = 'CelEncodingError';
}

/**
 * A CEL string literal (single-quoted) whose value is exactly `value`. Printable ASCII is written
 * as is, except `\` and `'`, which are escaped; everything else (control characters, non-ASCII)
 * as a `\u`/`\U` escape, so the literal is plain ASCII on one line whatever the value holds.
 * Throws {@link CelEncodingError} for a lone surrogate, which no CEL string can hold.
 */
export function celString(value: string): string {
  let out = "'";
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code === 0x5c) out += '\\\\';
    else if (code === 0x27) out += "\\'";
    else if (code >= 0x20 && code < 0x7f) out += String.fromCharCode(code);
    else if (code >= 0xd800 && code <= 0xdbff) {
      const low = value.charCodeAt(index + 1);
      if (!(low >= 0xdc00 && low <= 0xdfff)) throw loneSurrogate(value);
      const point = (code - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
      out += `\\U${point.toString(16).padStart(8, '0')}`;
      index++;
    } else if (code >= 0xdc00 && code <= 0xdfff) throw loneSurrogate(value);
    else out += `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return `${out}'`;
}

function loneSurrogate(value: string): CelEncodingError {
  return new CelEncodingError(
    `${JSON.stringify(value)} holds a lone UTF-16 surrogate, which a CEL string cannot hold`,
  );
}

/** A CEL list literal of strings: `['a', 'b']`. */
export function celStringList(values: readonly string[]): string {
  return `[${values.map(celString).join(', ')}]`;
}

/** A CEL map literal from string keys to string values: `{'a': 'b'}` (`{}` when empty). */
export function celStringMap(entries: Readonly<Record<string, string>>): string {
  return `{${Object.entries(entries)
    .map(([key, value]) => `${celString(key)}: ${celString(value)}`)
    .join(', ')}}`;
}

/** A CEL identifier made from a rule id or other dashed name: `profile-name-format` -> `profile_name_format`. */
export function celIdentifier(name: string): string {
  const identifier = name.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(identifier) ? identifier : `_${identifier}`;
}

/**
 * CEL for the project's `quoteValue` of a string expression: JSON-like quoting (`strings.quote`
 * escapes `"`, `\` and control characters the way JSON does for the common ones), cut to 80
 * characters with `…`, so one huge field cannot flood a message.
 */
export function celQuote(expression: string): string {
  return `[strings.quote(${expression})].map(qv, size(qv) <= 80 ? qv : qv.substring(0, 79) + '…')[0]`;
}

/**
 * CEL for the `quoteValue` of a value of any JSON type: strings quoted as {@link celQuote},
 * numbers and booleans as their text, null as `null`, lists and maps (which only a malformed
 * object holds where a rule reads a scalar) as `a list` / `an object`.
 */
export function celQuoteAny(expression: string): string {
  // Bound once (a one-element list mapped), so the expression is written and evaluated once.
  return (
    `[${expression}].map(av, type(av) == string ? ${celQuote('av')} : ` +
    'type(av) == int || type(av) == uint || type(av) == double || type(av) == bool ? string(av) : ' +
    "type(av) == null_type ? 'null' : type(av) == list ? 'a list' : 'an object')[0]"
  );
}

/** The `listValues` of the project's messages, computed here: `a, b, c`, or `none`. */
export function listText(values: readonly string[]): string {
  return values.length === 0 ? 'none' : values.join(', ');
}
