import { namespaceLabelsMutator } from '../mutators/namespace-labels.js';
import { PROFILE_MUTATORS } from '../mutators/profile-mutators.js';
import type { MutatorDefinition, RuleDefinition } from '../rule.js';
import { AUTHZ_RULES } from './authz/index.js';
import { BINDING_RULES } from './binding/index.js';
import { PROFILE_RULES } from './profile/index.js';
import { PROFILE_STATE_RULES } from './profile-state/index.js';

/** Every validation rule, in the order messages list them. */
export const RULES: readonly RuleDefinition[] = [
  ...PROFILE_RULES,
  ...PROFILE_STATE_RULES,
  ...BINDING_RULES,
  ...AUTHZ_RULES,
];

/** Every mutation, in the order they apply. */
export const MUTATORS: readonly MutatorDefinition[] = [...PROFILE_MUTATORS, namespaceLabelsMutator];
