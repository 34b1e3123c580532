import type { Evaluation } from '../engine.js';
import type { KubeObject } from '../kube-object.js';
import type { Policy } from '../policy-spec.js';
import type { Operation, UserInfo } from '../request.js';
import { denials, evaluate } from './cluster-fixtures.js';
import { evaluateProfile, profileWithSpec } from './profile-fixtures.js';

/** One finding of a rule, as `findingsOf` lists it. */
export interface RuleFinding {
  readonly path: string;
  readonly message: string;
}

/**
 * One row of a rule's test table, as data: a Profile request and what the rule reports for it.
 * The rule's unit test asserts the webhook's engine on every row; the native differential
 * (test/e2e) sends every row through a real API server twice, to the webhook and to the generated
 * admission policies, and asserts that they decide alike. So a row is one request the API server
 * can be sent: a CREATE (default) or an UPDATE of `oldObject`, by `user` (default: alice, exempt
 * from nothing), under `policy` (default: the embedded default).
 */
export interface ProfileRuleCase {
  /** Unique within the rule: names the test, and the case in a failing differential. */
  readonly title: string;
  readonly object: KubeObject;
  readonly operation?: 'CREATE' | 'UPDATE';
  readonly oldObject?: KubeObject;
  readonly user?: UserInfo;
  readonly policy?: Policy;
  /** The rule's findings (denials, warnings and audits alike): [] when it passes or skips. */
  readonly findings: readonly RuleFinding[];
  /** The whole request's decision, for the rows that state it. */
  readonly allowed?: boolean;
}

/** Runs one row through the webhook's engine. */
export function evaluateRuleCase(row: ProfileRuleCase): Evaluation {
  return evaluateProfile(row.object, {
    ...(row.operation === undefined ? {} : { operation: row.operation }),
    ...(row.oldObject === undefined ? {} : { oldObject: row.oldObject }),
    ...(row.user === undefined ? {} : { user: row.user }),
    ...(row.policy === undefined ? {} : { policy: row.policy }),
  });
}

/** alice's Profile renamed (the name may be anything, for the name rules). */
export const named = (name: unknown): KubeObject => ({
  ...profileWithSpec({}),
  metadata: { name },
});

/** alice's Profile with another `spec.owner`. */
export const owned = (owner: unknown): KubeObject => profileWithSpec({ owner });

/** The field path of a quota entry, as the quota rules report it. */
export const hardPath = (key: string): string =>
  `spec.resourceQuotaSpec.hard[${JSON.stringify(key)}]`;

/** `[title, row]` pairs for `it.each`, so each row's title names its test. */
export function caseTable(
  rows: readonly ProfileRuleCase[],
): (readonly [string, ProfileRuleCase])[] {
  return rows.map((row) => [row.title, row] as const);
}

/**
 * One row of a RoleBinding, ClusterRoleBinding or AuthorizationPolicy rule's table, as data (see
 * {@link ProfileRuleCase}): a request in the standard test cluster (`cluster()`: profile namespaces
 * `alice`, `bob` and `labelled`, the ordinary `plain`) and the denials the whole catalog makes.
 */
export interface ObjectRuleCase {
  readonly title: string;
  readonly target: 'RoleBinding' | 'ClusterRoleBinding' | 'AuthorizationPolicy';
  /** The new object; absent for DELETE. */
  readonly object?: KubeObject;
  readonly operation?: Operation;
  readonly oldObject?: KubeObject;
  readonly user?: UserInfo;
  readonly policy?: Policy;
  /** Every denial, as `<rule-id>: <message>` (cluster-fixtures' `denials`). */
  readonly denials: readonly string[];
  /** Every warning, as `<rule-id>: <message>`, for the rows that state them. */
  readonly warnings?: readonly string[];
}

/** Runs one row through the webhook's engine over the standard test cluster. */
export function evaluateObjectCase(row: ObjectRuleCase): Evaluation {
  return evaluate(row.target, row.object, {
    ...(row.operation === undefined ? {} : { operation: row.operation }),
    ...(row.oldObject === undefined ? {} : { oldObject: row.oldObject }),
    ...(row.user === undefined ? {} : { user: row.user }),
    ...(row.policy === undefined ? {} : { policy: row.policy }),
  });
}

/** The denials of one row, as its table states them. */
export function objectCaseDenials(row: ObjectRuleCase): string[] {
  return denials(evaluateObjectCase(row));
}

/** The warnings of one row, as `<rule-id>: <message>`. */
export function objectCaseWarnings(row: ObjectRuleCase): string[] {
  return evaluateObjectCase(row).warnings.map((finding) => `${finding.ruleId}: ${finding.message}`);
}

/** `[title, row]` pairs for `it.each`. */
export function objectCaseTable(
  rows: readonly ObjectRuleCase[],
): (readonly [string, ObjectRuleCase])[] {
  return rows.map((row) => [row.title, row] as const);
}
