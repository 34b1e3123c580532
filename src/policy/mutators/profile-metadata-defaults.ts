import type { KubeObject } from '../kube-object.js';
import { asRecord } from '../object-access.js';

/**
 * Adds each entry of `entries` whose key `draft.metadata[field]` lacks; existing keys keep their
 * values. Creates `metadata` and the map only when something is added; leaves a malformed
 * (non-object) `metadata` or map alone.
 */
export function addMissingMetadataEntries(
  draft: KubeObject,
  field: 'labels' | 'annotations',
  entries: Readonly<Record<string, string>>,
): void {
  const current = draft.metadata?.[field];
  if (draft.metadata !== undefined && asRecord(draft.metadata) === undefined) return;
  if (current !== undefined && asRecord(current) === undefined) return;
  const existing = asRecord(current) ?? {};
  const missing = Object.entries(entries).filter(([key]) => !Object.hasOwn(existing, key));
  if (missing.length === 0) return;
  const metadata = (draft.metadata ??= {});
  const map = (asRecord(current) ?? (metadata[field] = {})) as Record<string, unknown>;
  for (const [key, value] of missing) map[key] = value;
}
