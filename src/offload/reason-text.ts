import { truncate } from '../util/truncate.js';

/** The most characters of an error text an offload denial quotes (as a warning is cut). */
export const MAX_REASON_CHARS = 256;

/**
 * `text` (an error's message, which may quote request data: a rule's exception, a snapshot
 * failure) cut to {@link MAX_REASON_CHARS} characters with `…`, so that no denial, log line or
 * decision record of the decision worker carries a caller-controlled string uncapped.
 */
export function reasonText(text: string): string {
  return truncate(text, MAX_REASON_CHARS);
}
