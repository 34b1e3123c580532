import { jsonEqual } from './json-equal.js';
import { asRecord } from './object-access.js';

/** Metadata fields whose change alone never makes an UPDATE deniable. */
const IGNORED_METADATA = new Set([
  'finalizers',
  'ownerReferences',
  'managedFields',
  'resourceVersion',
  'generation',
]);

/**
 * True when `next` and `previous` differ only in `metadata.finalizers`, `ownerReferences`,
 * `managedFields`, `resourceVersion` (and the server-owned `generation`) or `status`.
 */
export function isMetadataOnlyUpdate(next: unknown, previous: unknown): boolean {
  return jsonEqual(strip(next), strip(previous));
}

function strip(object: unknown): unknown {
  const record = asRecord(object);
  if (record === undefined) return object;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (key === 'status') continue;
    if (key === 'metadata') {
      const meta = asRecord(value);
      if (meta === undefined) {
        out[key] = value;
        continue;
      }
      const kept: Record<string, unknown> = {};
      for (const [metaKey, metaValue] of Object.entries(meta)) {
        if (!IGNORED_METADATA.has(metaKey)) kept[metaKey] = metaValue;
      }
      out[key] = kept;
      continue;
    }
    out[key] = value;
  }
  return out;
}
