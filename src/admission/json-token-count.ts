const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \
const COMMA = 0x2c; // ,
const COLON = 0x3a; // :
const OPEN_BRACKET = 0x5b; // [
const OPEN_BRACE = 0x7b; // {

/**
 * The number of structural JSON tokens in `bytes` — `{`, `[`, `,` and `:` outside strings — read
 * without decoding them, or `limit + 1` as soon as there are more than `limit`. What bounds the
 * work of decoding a body: JSON.parse's cost grows with the values and members it builds, and each
 * object, array, member or element past the first is one such token, whatever its size.
 *
 * A byte-level state machine, linear in the bytes read and allocation-free: `"` enters and leaves
 * a string, and inside one `\` skips the byte after it (so `\"` and `\\"` are read as JSON reads
 * them). UTF-8 multi-byte sequences hold no byte below 0x80, so none of them is mistaken for one
 * of these ASCII bytes. Invalid JSON is counted all the same (an unterminated string just runs to
 * the end): it is not this function's to refuse it, and JSON.parse does.
 */
export function countJsonTokens(bytes: Uint8Array, limit: number): number {
  let count = 0;
  let inString = false;
  const length = bytes.length;
  for (let i = 0; i < length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === COMMA || byte === COLON || byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      count++;
      if (count > limit) return count;
    }
  }
  return count;
}
