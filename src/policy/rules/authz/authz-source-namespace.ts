import { requestNamespace, skipOutsideProfileNamespace } from '../../profile-namespace.js';
import {
  DeferredViolation,
  DeferredViolations,
  defineRule,
  failIf,
  type Violation,
  WRITE_OPERATIONS,
} from '../../rule.js';
import { listValues, quoteValue } from '../../validation-helpers.js';
import {
  conditionsOf,
  conditionValuePath,
  grantingRules,
  principalNamespace,
  principalNamespaceOneOf,
  sourceAt,
  sourceStringPath,
  type AuthzCondition,
  type AuthzRule,
} from './authz-fields.js';

/** The source fields judged, in the order their findings are listed. */
const SOURCE_FIELDS = ['namespaces', 'principals'] as const;
const FIELD_COUNT = SOURCE_FIELDS.length;

/**
 * In a granting (ALLOW) rule, every source it names must be of the policy's own namespace or one
 * of `authorizationPolicies.principalNamespaces`: each `from[].source.namespaces` entry, each
 * `from[].source.principals` entry (`<trust-domain>/ns/<ns>/sa/<sa>`), and, since a `when`
 * condition on `source.namespace` or `source.principal` restricts sources exactly as `from` does,
 * each of its `values` (also under a key that only resembles those, which Istio might honour). A
 * `*` anywhere (Istio's prefix, suffix or presence match) is refused, and so is a principal of any
 * other shape. `notNamespaces`, `notPrincipals` and `notValues` only exclude, so they are not
 * judged here; a rule that names no source at all is `authz-any-source`'s concern.
 */
export const authzSourceNamespace = defineRule({
  id: 'authz-source-namespace',
  targets: ['AuthorizationPolicy'],
  operations: WRITE_OPERATIONS,
  structural: false,
  description:
    'a rule admits `source.namespaces` or `source.principals` (`cluster.local/ns/<ns>/sa/<sa>`) of another namespace not in `authorizationPolicies.principalNamespaces`, or a `*` wildcard there; a `when` condition on `source.namespace` or `source.principal` is judged the same way',
  clusterState: 'profile-namespace',
  check: (ctx) => {
    const outside = skipOutsideProfileNamespace(ctx);
    if (outside !== undefined) return outside;
    const namespace = requestNamespace(ctx);
    const { principalNamespaces: allowed, userIdHeader } = ctx.policy.spec.authorizationPolicies;
    const isAllowed = (ns: string): boolean => ns === namespace || allowed.includes(ns);
    // What is wrong with a value (undefined: nothing), found without allocating.
    const namespaceProblem = (value: string): Problem | undefined =>
      value.includes('*') ? 'wildcard' : isAllowed(value) ? undefined : 'namespace';
    const principalProblem = (value: string): Problem | undefined => {
      if (value.includes('*')) return 'wildcard';
      const ns = principalNamespaceOneOf(value, namespace, allowed);
      return ns === undefined ? 'shape' : ns ? undefined : 'workload';
    };
    // The messages' common parts, written once and only if a message is.
    let texts: Texts | undefined;
    const textsOf = (): Texts =>
      (texts ??= {
        allowed: `allowed: this namespace, ${listValues(allowed)} (authorizationPolicies.principalNamespaces)`,
        namespace: quoteValue(namespace),
      });
    // Each offending value is recorded as its list and index, and made a violation (its problem
    // found again) only when the engine reads it: one list may hold 99 000 of them.
    const violations = new DeferredViolations<OffendingList>((list, at): Violation => {
      const value = list.values[at] as string;
      const problem = list.problemOf(value) ?? 'shape';
      return list.condition === undefined
        ? new SourceEntryViolation(
            list.rule,
            list.fromIndex,
            list.field,
            at,
            value,
            problem,
            textsOf,
          )
        : new ConditionValueViolation(list.condition, at, value, problem, textsOf);
    });
    // Indexed (see grantingRules): no iterator result per rule of a 50 000-rule policy.
    const rules = grantingRules(ctx.object);
    const ruleCount = rules.length;
    for (let ruleIndex = 0; ruleIndex < ruleCount; ruleIndex++) {
      const rule = rules[ruleIndex];
      if (rule === undefined) continue;
      const from = rule.rule.from;
      const sources: readonly unknown[] = Array.isArray(from) ? from : NO_SOURCES;
      for (let index = 0; index < sources.length; index++) {
        const source = sourceAt(sources, index);
        for (let fieldIndex = 0; fieldIndex < FIELD_COUNT; fieldIndex++) {
          const field = SOURCE_FIELDS[fieldIndex] ?? 'namespaces';
          const values: unknown = source[field];
          if (!Array.isArray(values)) continue;
          const problemOf = field === 'namespaces' ? namespaceProblem : principalProblem;
          // Made at the list's first offending value: most lists have none.
          let list: OffendingList | undefined;
          for (let at = 0; at < values.length; at++) {
            const value: unknown = values[at];
            if (typeof value !== 'string' || problemOf(value) === undefined) continue;
            list ??= { rule, fromIndex: index, field, values, problemOf, condition: undefined };
            violations.add(list, at);
          }
        }
      }
      const conditions = conditionsOf(rule, userIdHeader);
      const conditionCount = conditions.length;
      for (let conditionIndex = 0; conditionIndex < conditionCount; conditionIndex++) {
        const condition = conditions[conditionIndex];
        if (condition === undefined) continue;
        const { kind } = condition.meaning;
        if (kind !== 'namespace' && kind !== 'principal') continue;
        const problemOf = kind === 'namespace' ? namespaceProblem : principalProblem;
        // Judged in place, as the sources are: a condition may list 400 000 values.
        const values = condition.values;
        let list: OffendingList | undefined;
        for (let at = 0; at < values.length; at++) {
          const value = values[at];
          if (typeof value !== 'string' || problemOf(value) === undefined) continue;
          list ??= { rule, fromIndex: -1, field: 'values', values, problemOf, condition };
          violations.add(list, at);
        }
      }
    }
    return failIf(violations);
  },
});

/** No sources, shared: the rules that name none. */
const NO_SOURCES: readonly unknown[] = Object.freeze([]);

/** What is wrong with a source value. */
type Problem = 'wildcard' | 'namespace' | 'shape' | 'workload';

/**
 * A list holding offending values, which its violations share: `from[fromIndex].source.<field>`
 * of a rule, or the `values` of a `condition`; `problemOf` judged them.
 */
interface OffendingList {
  readonly rule: AuthzRule;
  readonly fromIndex: number;
  readonly field: string;
  readonly values: readonly unknown[];
  readonly problemOf: (value: string) => Problem | undefined;
  readonly condition: AuthzCondition | undefined;
}

/** The parts every message of one check shares. */
interface Texts {
  /** `allowed: this namespace, …` */
  readonly allowed: string;
  /** The policy's namespace, quoted. */
  readonly namespace: string;
}

/**
 * One offending source value, in one allocation: its path and message are written only when the
 * engine reads them (a policy may have 50 000 offending rules, of which 20 are listed).
 */
abstract class SourceValueViolation extends DeferredViolation {
  constructor(
    private readonly value: string,
    private readonly problem: Problem,
    private readonly texts: () => Texts,
  ) {
    super();
  }

  protected writeMessage(path: string): string {
    const { allowed, namespace } = this.texts();
    const value = quoteValue(this.value);
    switch (this.problem) {
      case 'wildcard':
        return `${path} ${value} is a wildcard; ${allowed}`;
      case 'namespace':
        return `${path} ${value} admits another namespace into ${namespace}; ${allowed}`;
      case 'shape':
        return `${path} ${value} is not of the form <trust-domain>/ns/<namespace>/sa/<name>`;
      case 'workload':
        return `${path} ${value} admits a workload of namespace ${quoteValue(principalNamespace(this.value) ?? '')} into ${namespace}; ${allowed}`;
    }
  }
}

/** A value of `from[fromIndex].source.<field>[at]` of a rule. */
class SourceEntryViolation extends SourceValueViolation {
  constructor(
    private readonly rule: AuthzRule,
    private readonly fromIndex: number,
    private readonly field: string,
    private readonly at: number,
    value: string,
    problem: Problem,
    texts: () => Texts,
  ) {
    super(value, problem, texts);
  }

  protected writePath(): string {
    return sourceStringPath(this.rule, this.fromIndex, this.field, this.at);
  }
}

/** `values[at]` of a `when` condition on the source. */
class ConditionValueViolation extends SourceValueViolation {
  constructor(
    private readonly condition: AuthzCondition,
    private readonly at: number,
    value: string,
    problem: Problem,
    texts: () => Texts,
  ) {
    super(value, problem, texts);
  }

  protected writePath(): string {
    return conditionValuePath(this.condition, 'values', this.at);
  }
}
