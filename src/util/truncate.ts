/**
 * `text` cut to at most `max` characters (code points, so a surrogate pair is never split), the
 * last being `…` when anything was cut; `text` itself when it fits.
 */
export function truncate(text: string, max: number): string {
  // Fewer UTF-16 units than `max` means fewer code points too: the common case allocates nothing.
  if (text.length <= max) return text;
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}
