import { PROFILE_MUTATORS } from '../mutators/profile-mutators.js';
import type { MutatorDefinition, RuleDefinition } from '../rule.js';
import { PROFILE_RULES } from './profile/index.js';

/** Every validation rule, in the order messages list them. */
export const RULES: readonly RuleDefinition[] = [...PROFILE_RULES];

/** Every mutation, in the order they apply. */
export const MUTATORS: readonly MutatorDefinition[] = [...PROFILE_MUTATORS];
