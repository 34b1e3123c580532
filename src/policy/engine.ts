import { errorMessage } from '../util/error-message.js';
import type { ClusterSnapshot } from './cluster-snapshot.js';
import { isMetadataOnlyUpdate } from './metadata-only-update.js';
import type { EnforcementMode, Policy, RuleMode } from './policy-spec.js';
import type { AdmissionInput, TargetKind, UserInfo } from './request.js';
import {
  NO_SELECTOR_LABEL_KEYS,
  type RuleContext,
  type RuleDefinition,
  type RuleResult,
  type Violation,
  type Violations,
  violationAt,
} from './rule.js';
import type { RuleId } from './rule-ids.js';
import { createRatchetKeyer, RatchetWorkExceeded } from './ratchet-key.js';

type RatchetKeyer = ReturnType<typeof createRatchetKeyer>;

/** One reported violation, after modes, exemptions and ratcheting were applied. */
export interface Finding {
  readonly ruleId: RuleId;
  readonly mode: EnforcementMode;
  readonly path: string;
  readonly message: string;
  /** True when an Enforce violation was downgraded to a warning by ratcheting. */
  readonly ratcheted: boolean;
}

/** The outcome of one rule for one request. */
export interface RuleEvaluation {
  readonly ruleId: RuleId;
  readonly status: RuleResult['status'] | 'error';
  readonly mode: RuleMode;
  readonly findings: readonly Finding[];
  /** Why the rule skipped (or the error text). */
  readonly reason?: string;
}

/** The validation decision for one request. */
export interface Evaluation {
  readonly allowed: boolean;
  /** The caller matched the policy's exemptions (non-structural rules skipped). */
  readonly exempt: boolean;
  readonly denials: readonly Finding[];
  readonly warnings: readonly Finding[];
  readonly audits: readonly Finding[];
  readonly evaluations: readonly RuleEvaluation[];
}

/** What a validator knows besides the policy it was given: how the policies in force select. */
export interface PolicyContext {
  /** Label keys that any policy's `spec.selector` reads (see `PolicyProvider.selectorLabelKeys`). */
  readonly selectorLabelKeys: ReadonlySet<string>;
}

/**
 * Validates one request under one policy against one snapshot. Never throws. `context` defaults
 * to one policy governing everything (no selector label keys).
 */
export type Validator = (
  input: AdmissionInput,
  policy: Policy,
  cluster: ClusterSnapshot,
  context?: PolicyContext,
) => Evaluation;

/** The mode a policy gives a rule. */
export function ruleMode(policy: Policy, id: RuleId): RuleMode {
  return policy.spec.ruleModes[id] ?? policy.spec.defaultMode;
}

/** True when the caller matches `exemptions` (users, groups, `namespace/name` service accounts). */
export function isExempt(policy: Policy, user: UserInfo): boolean {
  const { users, groups, serviceAccounts } = policy.spec.exemptions;
  if (users.includes(user.username)) return true;
  if (user.groups.some((group) => groups.includes(group))) return true;
  return serviceAccounts.some((sa) => serviceAccountUser(sa) === user.username);
}

/** `namespace/name` -> `system:serviceaccount:namespace:name` (undefined when malformed). */
export function serviceAccountUser(ref: string): string | undefined {
  const slash = ref.indexOf('/');
  if (slash <= 0 || slash === ref.length - 1) return undefined;
  return `system:serviceaccount:${ref.slice(0, slash)}:${ref.slice(slash + 1)}`;
}

/**
 * Builds a validator over a rule catalog. Rules are indexed by target once; evaluation runs them
 * in catalog order so messages are stable.
 */
export function createValidator(rules: readonly RuleDefinition[]): Validator {
  const byTarget = new Map<TargetKind, RuleDefinition[]>();
  for (const rule of rules) {
    for (const target of rule.targets) {
      const list = byTarget.get(target) ?? [];
      list.push(rule);
      byTarget.set(target, list);
    }
  }

  return (input, policy, cluster, context) => {
    const applicable = byTarget.get(input.target) ?? [];
    const object = input.operation === 'DELETE' ? input.oldObject : input.object;
    const exempt = isExempt(policy, input.user);
    const evaluations: RuleEvaluation[] = [];
    const denials: Finding[] = [];
    const warnings: Finding[] = [];
    const audits: Finding[] = [];
    if (object === undefined) {
      return { allowed: true, exempt, denials, warnings, audits, evaluations };
    }
    // An update that only moves finalizers, ownerReferences, managedFields, resourceVersion or
    // status is the controller finishing its work: never block it, whatever the policy says now.
    const metadataOnly =
      input.operation === 'UPDATE' &&
      input.oldObject !== undefined &&
      isMetadataOnlyUpdate(object, input.oldObject);
    // One keyer per request, made on first use, so equal content in the stored and the new
    // object is serialised once and keyed alike.
    let ratchetKeyer: RatchetKeyer | undefined;
    const keyer = (): RatchetKeyer =>
      (ratchetKeyer ??= createRatchetKeyer(undefined, MAX_RATCHET_WORK));
    const ctx: RuleContext = {
      input,
      object,
      oldObject: input.oldObject,
      policy,
      cluster,
      run: 'request',
      selectorLabelKeys: context?.selectorLabelKeys ?? NO_SELECTOR_LABEL_KEYS,
    };

    for (const rule of applicable) {
      const mode = ruleMode(policy, rule.id);
      if (mode === 'Disabled' || !rule.operations.includes(input.operation)) continue;
      if (exempt && !rule.structural) {
        evaluations.push({
          ruleId: rule.id,
          status: 'skip',
          mode,
          findings: [],
          reason: 'exempt caller',
        });
        continue;
      }
      const result = runCheck(rule, ctx);
      if (result.status === 'pass' || result.status === 'skip') {
        evaluations.push({
          ruleId: rule.id,
          status: result.status,
          mode,
          findings: [],
          ...(result.status === 'skip' ? { reason: result.reason } : {}),
        });
        continue;
      }
      // Ratcheting only ever downgrades an Enforce failure; anything else needs no stored run.
      const enforced = mode === 'Enforce' && result.status === 'fail';
      // A rule that judges metadata-only updates itself is not overruled by them.
      const keptAsMetadataOnly = metadataOnly && rule.judgesMetadataOnlyUpdates !== true;
      const ratchet =
        enforced && !keptAsMetadataOnly
          ? storedViolations(rule, ctx, result.violations, keyer)
          : NONE;
      const keyed = ratchet.kind === 'keys' ? ratchet : undefined;
      // One pass, keeping at most MAX_FINDINGS_PER_RULE findings per bucket and a tally of the
      // rest: a rule failing in 100 000 places allocates what its answer reports, not 100 000
      // findings (every violation is still keyed and judged).
      const buckets = {
        audits: new FindingBucket(),
        warnings: new FindingBucket(),
        denials: new FindingBucket(),
      };
      const bucketOf = (ratcheted: boolean): FindingBucket =>
        mode === 'Audit'
          ? buckets.audits
          : mode === 'Warn' || result.status === 'warn' || ratcheted
            ? buckets.warnings
            : buckets.denials;
      // Unless violations are matched one by one with the stored object's (`keyed`), every one
      // lands in the same bucket, ratcheted alike: then only the first MAX_FINDINGS_PER_RULE + 1
      // are read (those kept and the one that names the rest) and the others only counted, so a
      // rule that records its violations unwritten (a ViolationSequence) has 20 written, not
      // 99 000.
      const { violations } = result;
      const count = violations.length;
      let read = keyed === undefined ? Math.min(count, MAX_FINDINGS_PER_RULE + 1) : count;
      // Indexed, not for…of: this loop may run 50 000 times once per request, mostly before the
      // optimising compiler has it, and an iterator result per step is garbage to collect.
      for (let index = 0; index < read; index++) {
        const violation = violationAt(violations, index);
        if (violation === undefined) {
          // A hole (a list typed loosely) is skipped, and one more read in its place.
          if (read < count) read++;
          continue;
        }
        const ratcheted =
          enforced &&
          (keptAsMetadataOnly || keyed?.stored.has(keyed.current[index] ?? '') === true);
        bucketOf(ratcheted).add(rule.id, mode, violation, ratcheted);
      }
      if (read < count) {
        const ratcheted = enforced && keptAsMetadataOnly;
        bucketOf(ratcheted).addUnread(count - read, ratcheted);
      }
      const capped = {
        // Beyond the ratcheting bound, the answer first says why nothing was kept as old.
        denials:
          ratchet.kind === 'over-bound'
            ? [overBoundFinding(rule.id, violations, ratchet), ...buckets.denials.findings()]
            : buckets.denials.findings(),
        warnings: buckets.warnings.findings(),
        audits: buckets.audits.findings(),
      };
      denials.push(...capped.denials);
      warnings.push(...capped.warnings);
      audits.push(...capped.audits);
      const reported = [...capped.denials, ...capped.warnings, ...capped.audits];
      evaluations.push({
        ruleId: rule.id,
        status: result.status,
        mode,
        findings: reported,
        ...(result.status === 'error'
          ? { reason: violationAt(result.violations, 0)?.message ?? '' }
          : {}),
      });
    }
    return { allowed: denials.length === 0, exempt, denials, warnings, audits, evaluations };
  };
}

/**
 * The most findings of one rule reported in one bucket (denials, warnings, audits). A request
 * with 100 000 offending subjects is decided on all of them, but its answer, log line, Events and
 * reports list this many and a summary of the rest, so that their size stays bounded.
 */
export const MAX_FINDINGS_PER_RULE = 20;

/**
 * The findings of one rule in one bucket (denials, warnings, audits): the first
 * {@link MAX_FINDINGS_PER_RULE} as they come, then one that summarises the rest (the first of
 * them, how many, and whether all were ratcheted). Constant memory whatever the number added.
 */
class FindingBucket {
  private readonly kept: Finding[] = [];
  private rest:
    | { ruleId: RuleId; mode: EnforcementMode; path: string; count: number; allRatcheted: boolean }
    | undefined;

  /**
   * Adds a violation. Its message is read only while it is among the first
   * MAX_FINDINGS_PER_RULE (a lazy violation writes no message otherwise); of the rest, only the
   * first one's path is read.
   */
  add(ruleId: RuleId, mode: EnforcementMode, violation: Violation, ratcheted: boolean): void {
    if (this.kept.length < MAX_FINDINGS_PER_RULE) {
      this.kept.push({ ruleId, mode, path: violation.path, message: violation.message, ratcheted });
    } else if (this.rest === undefined) {
      this.rest = { ruleId, mode, path: violation.path, count: 1, allRatcheted: ratcheted };
    } else {
      this.rest.count++;
      this.rest.allRatcheted &&= ratcheted;
    }
  }

  /**
   * Counts `count` more violations, unread, among the rest: for a caller that already added the
   * first MAX_FINDINGS_PER_RULE + 1 (so the rest, and its first path, are already set).
   */
  addUnread(count: number, ratcheted: boolean): void {
    // Never so: the caller added MAX_FINDINGS_PER_RULE + 1 first. Nothing to name them by.
    if (this.rest === undefined) return;
    this.rest.count += count;
    this.rest.allRatcheted &&= ratcheted;
  }

  findings(): readonly Finding[] {
    const rest = this.rest;
    if (rest === undefined) return this.kept;
    const { path, count } = rest;
    return [
      ...this.kept,
      {
        ruleId: rest.ruleId,
        mode: rest.mode,
        path,
        message: `${path} and ${count - 1} more fields (${count} in all) fail this rule too; only the first ${MAX_FINDINGS_PER_RULE} are listed`,
        ratcheted: rest.allRatcheted,
      },
    ];
  }
}

type CheckOutcome =
  RuleResult | { readonly status: 'error'; readonly violations: readonly Violation[] };

/** Runs a check; a throw becomes an `error` outcome that fails closed in Enforce mode. */
function runCheck(rule: RuleDefinition, ctx: RuleContext): CheckOutcome {
  try {
    return rule.check(ctx);
  } catch (error) {
    return {
      status: 'error',
      violations: [
        {
          path: '',
          message: `internal error while evaluating the rule: ${errorMessage(error)}`,
        },
      ],
    };
  }
}

/**
 * The most violations of one rule that ratcheting compares in each object of an UPDATE (the
 * stored one and the new one). Matching a violation with the stored object's means keying it
 * (its path resolved, the list element it lies in serialised and interned), in both objects:
 * about 5 µs per violation (measured), so an UPDATE whose two objects each break a rule in
 * 28 000 places spent some 300 ms there, three times the contract's 100 ms for a whole answer.
 * 1 000 keeps that work to about 10 ms (2 000 keys) while staying far above what an
 * object that a person or a controller keeps on purpose holds: an exception kept under a
 * tightened policy is a handful of subjects, rules or quota entries, not a thousand. Beyond it
 * the rule is judged afresh (fail closed): its violations are denials in Enforce mode, and the
 * answer says why.
 */
export const MAX_RATCHETED_VIOLATIONS = 1000;

/**
 * The most work ratcheting may do for one request, over all its rules, in JSON values of list
 * elements identified by content (each element of each object counted once) plus KEY_WORK per
 * violation keyed. The count bound above does not bound it alone: an object may fail several
 * rules, each in up to MAX_RATCHETED_VIOLATIONS places, inside large elements. A rule whose
 * keying would pass it is judged afresh, like one over the count bound (and so is every rule
 * after it in that request). 50 000 keeps the comparing to a few tens of milliseconds whatever
 * the shape, and lets through the largest UPDATE within the count bound of ordinary elements
 * (1 000 violations per object, in AuthorizationPolicy rules of a few values each: about
 * 30 000).
 */
export const MAX_RATCHET_WORK = 50_000;

/** What ratcheting found out about one rule's violations on one request. */
type RatchetOutcome =
  /** Nothing to compare: the stored object is clean, or the rule or request does not ratchet. */
  | { readonly kind: 'none' }
  /** The keys of the stored object's violations, and of the new object's by index. */
  | {
      readonly kind: 'keys';
      readonly stored: ReadonlySet<string>;
      readonly current: readonly string[];
    }
  /**
   * Nothing is compared: one object fails the rule in more than MAX_RATCHETED_VIOLATIONS places
   * (`storedCount` is undefined when the new object was over the bound: the stored one was then
   * not judged), or keying would take the request past MAX_RATCHET_WORK (`work`).
   */
  | {
      readonly kind: 'over-bound';
      readonly count: number;
      readonly storedCount?: number;
      readonly work?: true;
    };

const NONE: RatchetOutcome = Object.freeze({ kind: 'none' as const });

/**
 * The ratcheting keys of the violations the stored object of an UPDATE already had under the same
 * rule, given the new object's `violations` of it: `none` when there is nothing to ratchet (not
 * an UPDATE, a rule that never ratchets, a stored object without violations), `over-bound` when
 * either object fails the rule in more than MAX_RATCHETED_VIOLATIONS places (then nothing is
 * keyed, and the stored object is not judged at all when the new one is over the bound).
 */
function storedViolations(
  rule: RuleDefinition,
  ctx: RuleContext,
  violations: Violations,
  keyer: () => RatchetKeyer,
): RatchetOutcome {
  const oldObject = ctx.oldObject;
  if (ctx.input.operation !== 'UPDATE' || oldObject === undefined || rule.ratchets === false) {
    return NONE;
  }
  const count = violations.length;
  if (count > MAX_RATCHETED_VIOLATIONS) return { kind: 'over-bound', count };
  const result = runCheck(rule, { ...ctx, object: oldObject, run: 'stored' });
  if (result.status === 'pass' || result.status === 'skip' || result.status === 'error') {
    return NONE;
  }
  const storedCount = result.violations.length;
  if (storedCount > MAX_RATCHETED_VIOLATIONS) return { kind: 'over-bound', count, storedCount };
  const key = keyer();
  const stored = new Set<string>();
  const current: string[] = [];
  try {
    for (let index = 0; index < storedCount; index++) {
      const violation = violationAt(result.violations, index);
      if (violation !== undefined) stored.add(key(oldObject, violation));
    }
    for (let index = 0; index < count; index++) {
      const violation = violationAt(violations, index);
      current.push(violation === undefined ? '' : key(ctx.object, violation));
    }
  } catch (error) {
    if (error instanceof RatchetWorkExceeded) {
      return { kind: 'over-bound', count, storedCount, work: true };
    }
    throw error;
  }
  return { kind: 'keys', stored, current };
}

/**
 * The finding that says why a rule's violations were not compared with the stored object
 * (placed before them): it names the first of them, how many each object has, and the bound.
 */
function overBoundFinding(
  ruleId: RuleId,
  violations: Violations,
  outcome: { readonly count: number; readonly storedCount?: number; readonly work?: true },
): Finding {
  const path = violationAt(violations, 0)?.path ?? '';
  const { count, storedCount, work } = outcome;
  const what =
    count === 1
      ? `${path} was`
      : `${path} and the other ${String(count - 1)} violations of this rule were`;
  const which =
    storedCount === undefined
      ? `this object has ${String(count)}`
      : `the stored object has ${String(storedCount)}`;
  const why =
    work === true
      ? `comparing them would take this request's ratcheting past its bound of ` +
        `${String(MAX_RATCHET_WORK)} JSON values compared`
      : `ratcheting compares at most ${String(MAX_RATCHETED_VIOLATIONS)} per object, and ${which}`;
  return {
    ruleId,
    mode: 'Enforce',
    path,
    message: `${what} not compared with the stored object (${why}): each is judged as new`,
    ratcheted: false,
  };
}
