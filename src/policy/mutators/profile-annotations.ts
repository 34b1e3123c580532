import type { CatalogMutatorDefinition } from '../rule.js';
import { addMissingMetadataEntries } from './profile-metadata-defaults.js';

/** Adds `profiles.annotations` to the Profile's `metadata.annotations`; keys already present are kept. */
export const profileAnnotations: CatalogMutatorDefinition = {
  id: 'profile-annotations',
  description:
    'adds `profiles.annotations` keys missing from `metadata.annotations` (existing keys kept; `null` is no map yet; a `metadata.annotations` that is no object is left alone, and denied by `profile-defaults-applied`).',
  targets: ['Profile'],
  writes: [['metadata', 'annotations']],
  apply: ({ policy }, draft) => {
    addMissingMetadataEntries(draft, 'annotations', policy.spec.profiles.annotations);
  },
};
