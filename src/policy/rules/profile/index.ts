import type { RuleDefinition } from '../../rule.js';
import { profileNameFormat } from './profile-name-format.js';
import { profileNamePattern } from './profile-name-pattern.js';
import { profileNameReserved } from './profile-name-reserved.js';
import { profileOwnerDomain } from './profile-owner-domain.js';
import { profileOwnerFormat } from './profile-owner-format.js';
import { profileOwnerImmutable } from './profile-owner-immutable.js';
import { profileOwnerKind } from './profile-owner-kind.js';
import { profileOwnerLowercase } from './profile-owner-lowercase.js';
import { profileOwnerRequired } from './profile-owner-required.js';
import { profilePlugin } from './profile-plugin.js';
import { profileQuotaMax } from './profile-quota-max.js';
import { profileQuotaQuantity } from './profile-quota-quantity.js';
import { profileQuotaResource } from './profile-quota-resource.js';

/**
 * The Profile rules that need no cluster state, in catalog order (the contract's order; the
 * stateful `profile-owner-limit` and `profile-namespace-takeover` live elsewhere).
 */
export const PROFILE_RULES: readonly RuleDefinition[] = [
  profileNameFormat,
  profileNameReserved,
  profileNamePattern,
  profileOwnerRequired,
  profileOwnerKind,
  profileOwnerFormat,
  profileOwnerLowercase,
  profileOwnerDomain,
  profileOwnerImmutable,
  profileQuotaQuantity,
  profileQuotaResource,
  profileQuotaMax,
  profilePlugin,
];
