import type { MutatorDefinition } from '../rule.js';
import { profileAnnotations } from './profile-annotations.js';
import { profileDefaultQuota } from './profile-default-quota.js';
import { profileLabels } from './profile-labels.js';

/** The Profile mutations, in the order they apply. */
export const PROFILE_MUTATORS: readonly MutatorDefinition[] = [
  profileDefaultQuota,
  profileLabels,
  profileAnnotations,
];
