import type { MutatorDefinition } from '../rule.js';
import { addMissingMetadataEntries } from './profile-metadata-defaults.js';

/** Adds `profiles.labels` to the Profile's `metadata.labels`; keys already present are kept. */
export const profileLabels: MutatorDefinition = {
  id: 'profile-labels',
  targets: ['Profile'],
  writes: [['metadata', 'labels']],
  apply: ({ policy }, draft) => {
    addMissingMetadataEntries(draft, 'labels', policy.spec.profiles.labels);
  },
};
