import type { MutatorDefinition } from '../rule.js';
import { addMissingMetadataEntries } from './profile-metadata-defaults.js';

/** Adds `profiles.annotations` to the Profile's `metadata.annotations`; keys already present are kept. */
export const profileAnnotations: MutatorDefinition = {
  id: 'profile-annotations',
  targets: ['Profile'],
  writes: [['metadata', 'annotations']],
  apply: ({ policy }, draft) => {
    addMissingMetadataEntries(draft, 'annotations', policy.spec.profiles.annotations);
  },
};
