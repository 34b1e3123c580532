import type { RuleId } from '../rule-ids.js';
import { CASES as forbiddenUser } from '../rules/binding/binding-forbidden-user.cases.js';
import { CASES as group } from '../rules/binding/binding-group.cases.js';
import { CASES as protectedObjects } from '../rules/binding/binding-protected.cases.js';
import { CASES as role } from '../rules/binding/binding-role.cases.js';
import { CASES as serviceAccountNamespace } from '../rules/binding/binding-serviceaccount-namespace.cases.js';
import { CASES as userDomain } from '../rules/binding/binding-user-domain.cases.js';
import { CASES as clusterBindingProfileRole } from '../rules/binding/clusterbinding-profile-role.cases.js';
import type { ObjectRuleCase } from './rule-cases.js';

/**
 * The test tables of the stateless RoleBinding, ClusterRoleBinding and AuthorizationPolicy rules,
 * by rule id: asserted by the rules' unit tests, and sent through a real API server by the native
 * differential (test/e2e), to the webhook and to the generated admission policies.
 */
export const OBJECT_RULE_CASES: Readonly<Partial<Record<RuleId, readonly ObjectRuleCase[]>>> = {
  'binding-serviceaccount-namespace': serviceAccountNamespace,
  'binding-group': group,
  'binding-forbidden-user': forbiddenUser,
  'binding-role': role,
  'binding-user-domain': userDomain,
  'binding-protected': protectedObjects,
  'clusterbinding-profile-role': clusterBindingProfileRole,
};
