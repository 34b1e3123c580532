const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \
const COMMA = 0x2c; // ,
const COLON = 0x3a; // :
const OPEN_BRACKET = 0x5b; // [
const OPEN_BRACE = 0x7b; // {

/**
 * Bytes of a string read one at a time before the rest of it is searched for its next quote:
 * most strings (keys, names) end within them, and a search costs more than that to start.
 */
const STRETCH = 32;

/**
 * The number of structural JSON tokens in `bytes` — `{`, `[`, `,` and `:` outside strings — read
 * without decoding them, or `limit + 1` as soon as there are more than `limit`. What bounds the
 * work of decoding a body: JSON.parse's cost grows with the values and members it builds, and each
 * object, array, member or element past the first is one such token, whatever its size.
 *
 * A byte-level state machine, linear in the bytes read and allocation-free: `"` enters and leaves
 * a string, and inside one `\` escapes the byte after it (so `\"` and `\\"` are read as JSON reads
 * them). UTF-8 multi-byte sequences hold no byte below 0x80, so none of them is mistaken for one
 * of these ASCII bytes. Invalid JSON is counted all the same (an unterminated string just runs to
 * the end): it is not this function's to refuse it, and JSON.parse does.
 */
export function countJsonTokens(bytes: Uint8Array, limit: number): number {
  let count = 0;
  const length = bytes.length;
  let i = 0;
  while (i < length) {
    const byte = bytes[i++];
    if (byte === QUOTE) {
      i = afterString(bytes, i);
    } else if (byte === COMMA || byte === COLON || byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      count++;
      if (count > limit) return count;
    }
  }
  return count;
}

/**
 * The index just past the closing quote of the string whose content starts at `start` (the
 * length of `bytes` when it is not closed). Byte by byte for {@link STRETCH} bytes; then, in a
 * longer string, a native search for the next quote, which closes the string unless an odd run
 * of backslashes stands right before it (an even run is escaped backslashes: the byte before a
 * run is never an escaping backslash, since the run is maximal, so its parity decides). Each
 * search is followed by another stretch, so searches are at most one per {@link STRETCH} bytes,
 * and each run of backslashes is counted back at most once: linear however the string is made.
 */
function afterString(bytes: Uint8Array, start: number): number {
  const length = bytes.length;
  let i = start;
  for (;;) {
    const stop = Math.min(length, i + STRETCH);
    while (i < stop) {
      const byte = bytes[i];
      if (byte === QUOTE) return i + 1;
      i += byte === BACKSLASH ? 2 : 1;
    }
    if (i >= length) return length;
    const quote = bytes.indexOf(QUOTE, i);
    if (quote < 0) return length;
    let before = quote - 1;
    // Stops at the string's opening quote at the latest.
    while (bytes[before] === BACKSLASH) before--;
    if ((quote - 1 - before) % 2 === 0) return quote + 1;
    i = quote + 1;
  }
}
