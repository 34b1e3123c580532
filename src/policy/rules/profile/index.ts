import type { RuleDefinition } from '../../rule.js';

/** The Profile rules, in catalog order. */
export const PROFILE_RULES: readonly RuleDefinition[] = [];
