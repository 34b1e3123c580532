import type { KubeObject } from '../kube-object.js';
import { asRecord } from '../object-access.js';

/**
 * Adds each entry of `entries` whose key `draft.metadata[field]` lacks; existing keys keep their
 * values. Creates `metadata` and the map only when something is added. A `null` map is absent,
 * as the API server decodes it (left alone, a review sent straight to the webhook would be
 * admitted without the defaults). A map that is no object, and a malformed (non-object)
 * `metadata`, are left alone: `profile-defaults-applied` denies the first, naming the field, and
 * `profile-name-format` the second (it has no name).
 */
export function addMissingMetadataEntries(
  draft: KubeObject,
  field: 'labels' | 'annotations',
  entries: Readonly<Record<string, string>>,
): void {
  if (draft.metadata !== undefined && asRecord(draft.metadata) === undefined) return;
  const current = draft.metadata?.[field] ?? undefined;
  if (current !== undefined && asRecord(current) === undefined) return;
  const existing = asRecord(current) ?? {};
  const missing = Object.entries(entries).filter(([key]) => !Object.hasOwn(existing, key));
  if (missing.length === 0) return;
  const metadata = (draft.metadata ??= {});
  const map = (asRecord(current) ?? (metadata[field] = {})) as Record<string, unknown>;
  for (const [key, value] of missing) map[key] = value;
}
