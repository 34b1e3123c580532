import type { RuleId } from '../rule-ids.js';
import { CASES as nameFormat } from '../rules/profile/profile-name-format.cases.js';
import { CASES as namePattern } from '../rules/profile/profile-name-pattern.cases.js';
import { CASES as nameReserved } from '../rules/profile/profile-name-reserved.cases.js';
import { CASES as ownerDomain } from '../rules/profile/profile-owner-domain.cases.js';
import { CASES as ownerFormat } from '../rules/profile/profile-owner-format.cases.js';
import { CASES as ownerImmutable } from '../rules/profile/profile-owner-immutable.cases.js';
import { CASES as ownerKind } from '../rules/profile/profile-owner-kind.cases.js';
import { CASES as ownerLowercase } from '../rules/profile/profile-owner-lowercase.cases.js';
import { CASES as ownerRequired } from '../rules/profile/profile-owner-required.cases.js';
import { CASES as plugin } from '../rules/profile/profile-plugin.cases.js';
import { CASES as quotaMax } from '../rules/profile/profile-quota-max.cases.js';
import { CASES as quotaQuantity } from '../rules/profile/profile-quota-quantity.cases.js';
import { CASES as quotaResource } from '../rules/profile/profile-quota-resource.cases.js';
import type { ProfileRuleCase } from './rule-cases.js';

/**
 * The test tables of the Profile rules that need no cluster state, by rule id: the data their
 * unit tests assert the engine on, and the native differential (test/e2e) sends through a real
 * API server to the webhook and to the generated admission policies.
 */
export const PROFILE_RULE_CASES: Readonly<Partial<Record<RuleId, readonly ProfileRuleCase[]>>> = {
  'profile-name-format': nameFormat,
  'profile-name-reserved': nameReserved,
  'profile-name-pattern': namePattern,
  'profile-owner-required': ownerRequired,
  'profile-owner-kind': ownerKind,
  'profile-owner-format': ownerFormat,
  'profile-owner-lowercase': ownerLowercase,
  'profile-owner-domain': ownerDomain,
  'profile-owner-immutable': ownerImmutable,
  'profile-quota-quantity': quotaQuantity,
  'profile-quota-resource': quotaResource,
  'profile-quota-max': quotaMax,
  'profile-plugin': plugin,
};
