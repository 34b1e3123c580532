import { RULES } from './catalog.js';

/**
 * One of the stable rule ids of the public contract: the ids of the catalog's rules. They appear
 * in denial messages, metric labels, reports and a policy's `ruleModes`; never rename one.
 */
export type RuleId = (typeof RULES)[number]['id'];

/** The rule ids in catalog order (the evaluation order). */
export const RULE_IDS: readonly RuleId[] = Object.freeze(RULES.map((rule) => rule.id));
