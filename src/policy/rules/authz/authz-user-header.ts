import { skipOutsideProfileNamespace } from '../../profile-namespace.js';
import {
  DeferredViolation,
  DeferredViolations,
  failIf,
  type Violation,
  defineRule,
  WRITE_OPERATIONS,
} from '../../rule.js';
import { listValues, quoteValue } from '../../validation-helpers.js';
import { inDomains } from '../binding/binding-user-domain.js';
import {
  conditionsOf,
  conditionValuePath,
  grantingRules,
  type AuthzCondition,
} from './authz-fields.js';

/**
 * In a granting (ALLOW) rule, a `when` condition on `request.headers[<userIdHeader>]` names the
 * users let in. The key is recognised as HTTP and a careless spelling would have it: header name
 * in any case, spaces around it, `request.headers` in any case. Its `values` and `notValues` must
 * hold no `*` (Istio's prefix, suffix and presence match), it must have `values` (only
 * `notValues` admits every other user), and with `bindings.userEmailDomains` set every value must
 * be in one of those domains.
 */
export const authzUserHeader = defineRule({
  id: 'authz-user-header',
  targets: ['AuthorizationPolicy'],
  operations: WRITE_OPERATIONS,
  structural: false,
  description:
    'a `request.headers[<userIdHeader>]` condition value holds a wildcard, or (with `bindings.userEmailDomains`) a user outside those domains',
  clusterState: 'profile-namespace',
  check: (ctx) => {
    const outside = skipOutsideProfileNamespace(ctx);
    if (outside !== undefined) return outside;
    const { userIdHeader } = ctx.policy.spec.authorizationPolicies;
    const domains = ctx.policy.spec.bindings.userEmailDomains;
    // Each finding is recorded as its list and index, and made a violation only when the engine
    // reads it: a condition may list 99 000 wildcards.
    const violations = new DeferredViolations<HeaderList>(
      ({ condition, field, outsideDomains }, at): Violation => {
        const value = condition[field][at] as string;
        return new HeaderViolation(condition, field, at, value, domains, outsideDomains);
      },
    );
    // Indexed (see grantingRules): no iterator result per rule of a 50 000-rule policy.
    const rules = grantingRules(ctx.object);
    const ruleCount = rules.length;
    for (let ruleIndex = 0; ruleIndex < ruleCount; ruleIndex++) {
      const rule = rules[ruleIndex];
      if (rule === undefined) continue;
      const conditions = conditionsOf(rule, userIdHeader);
      const conditionCount = conditions.length;
      for (let conditionIndex = 0; conditionIndex < conditionCount; conditionIndex++) {
        const condition = conditions[conditionIndex];
        if (condition?.meaning.kind !== 'user-header') continue;
        // Judged in place: a condition may list 300 000 values, and only the reported ones'
        // paths and messages are ever written.
        for (const field of FIELDS) {
          const list = condition[field];
          let wildcards: HeaderList | undefined;
          for (let at = 0; at < list.length; at++) {
            const value = list[at];
            if (typeof value === 'string' && value.includes('*')) {
              wildcards ??= { condition, field, outsideDomains: false };
              violations.add(wildcards, at);
            }
          }
        }
        if (!condition.hasValues && condition.hasNotValues) {
          violations.push(new HeaderViolation(condition, 'notValues', NO_VALUES, '', domains));
        }
        if (domains.length === 0) continue;
        const { values } = condition;
        let outside: HeaderList | undefined;
        for (let at = 0; at < values.length; at++) {
          const value = values[at];
          if (typeof value !== 'string' || value.includes('*') || inDomains(value, domains)) {
            continue;
          }
          outside ??= { condition, field: 'values', outsideDomains: true };
          violations.add(outside, at);
        }
      }
    }
    return failIf(violations);
  },
});

/** The condition's lists judged for wildcards, in the order their findings are listed. */
const FIELDS = ['values', 'notValues'] as const;

/** A list of a user-id condition whose findings share it: what is wrong, and where. */
interface HeaderList {
  readonly condition: AuthzCondition;
  readonly field: 'values' | 'notValues';
  readonly outsideDomains: boolean;
}

/** `HeaderViolation.at` for `notValues` without `values`. */
const NO_VALUES = -1;

/**
 * One finding on a user-id condition, in one allocation, its path and message written when
 * read: a wildcard at `field[at]`, a user outside `domains` at `values[at]` (`outsideDomains`),
 * or (`at` NO_VALUES) `notValues` without `values`.
 */
class HeaderViolation extends DeferredViolation {
  constructor(
    private readonly condition: AuthzCondition,
    private readonly field: 'values' | 'notValues',
    private readonly at: number,
    private readonly value: string,
    private readonly domains: readonly string[],
    private readonly outsideDomains = false,
  ) {
    super();
  }

  protected writePath(): string {
    return this.at === NO_VALUES
      ? `${this.condition.path}.notValues`
      : conditionValuePath(this.condition, this.field, this.at);
  }

  protected writeMessage(path: string): string {
    const key = quoteValue(this.condition.key);
    if (this.at === NO_VALUES) {
      const base = this.condition.path;
      return `${base}.notValues without ${base}.values admits every other user on ${key}; name each user in values`;
    }
    if (this.outsideDomains) {
      return `${path} ${quoteValue(this.value)} is not a user in an allowed domain; allowed: ${listValues(this.domains)} (bindings.userEmailDomains)`;
    }
    return `${path} ${quoteValue(this.value)} is a wildcard on ${key}; name each user exactly`;
  }
}
