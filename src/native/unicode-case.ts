/**
 * The characters that `String.prototype.toLowerCase` changes, as an RE2 character class, so that
 * CEL can tell "has upper-case letters" exactly as the webhook does (`name.toLowerCase() !==
 * name`), beyond the ASCII that CEL's `lowerAscii()` covers. Computed from this runtime's Unicode
 * tables once, on first use.
 */

let cached: string | undefined;

/** `[...]` of every code point whose lower-case form differs from itself. */
export function changesUnderLowerCaseClass(): string {
  if (cached !== undefined) return cached;
  const ranges: string[] = [];
  let start = -1;
  let previous = -2;
  const flush = (): void => {
    if (start < 0) return;
    const from = `\\x{${start.toString(16)}}`;
    ranges.push(
      start === previous
        ? from
        : `${from}${previous === start + 1 ? '' : '-'}\\x{${previous.toString(16)}}`,
    );
  };
  for (let code = 0; code <= 0x10ffff; code++) {
    if (code >= 0xd800 && code <= 0xdfff) continue;
    const text = String.fromCodePoint(code);
    if (text.toLowerCase() === text) continue;
    if (code !== previous + 1) {
      flush();
      start = code;
    }
    previous = code;
  }
  flush();
  cached = `[${ranges.join('')}]`;
  return cached;
}
