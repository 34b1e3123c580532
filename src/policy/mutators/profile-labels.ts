import type { CatalogMutatorDefinition } from '../rule.js';
import { addMissingMetadataEntries } from './profile-metadata-defaults.js';

/** Adds `profiles.labels` to the Profile's `metadata.labels`; keys already present are kept. */
export const profileLabels: CatalogMutatorDefinition = {
  id: 'profile-labels',
  description:
    'adds `profiles.labels` keys missing from `metadata.labels` (existing keys and values kept; `null` is no map yet; a `metadata.labels` that is no object is left alone, and denied by `profile-defaults-applied`).',
  targets: ['Profile'],
  writes: [['metadata', 'labels']],
  apply: ({ policy }, draft) => {
    addMissingMetadataEntries(draft, 'labels', policy.spec.profiles.labels);
  },
};
