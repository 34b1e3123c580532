import type { RuleDefinition } from '../../rule.js';
import { profileNamespaceTakeover } from './profile-namespace-takeover.js';
import { profileOwnerLimit } from './profile-owner-limit.js';

/** The Profile rules that read cluster state, in catalog order. */
export const PROFILE_STATE_RULES: readonly RuleDefinition[] = [
  profileOwnerLimit,
  profileNamespaceTakeover,
];
