import type { ClusterSnapshot } from './cluster-snapshot.js';
import type { KubeObject } from './kube-object.js';
import type { Policy } from './policy-spec.js';
import type { AdmissionInput, Operation, TargetKind } from './request.js';
import type { RuleId } from './rule-ids.js';

/**
 * One offending field. `path` (e.g. `spec.owner.name`, `subjects[1].name`) names it in messages;
 * for ratcheting, the engine resolves the path in the object and compares what is there (list
 * elements by identity, the value by content), so `path` must lead to the offending value.
 */
export interface Violation {
  readonly path: string;
  /** Human text that names the path, e.g. `spec.owner.name "Bob" is not an e-mail address`. */
  readonly message: string;
}

/**
 * A violation whose path and message are written when first read (then kept). The engine reads
 * the message of the findings it reports only (at most `MAX_FINDINGS_PER_RULE` per bucket), so a
 * rule failing in 50 000 places writes its message 20 times, not 50 000; the path is read for
 * those and, on an UPDATE, to key every violation for ratcheting. `at` is the path, or something
 * whose `path` is written on demand; `describe` writes the message from the path.
 */
export function lazyViolation(
  at: string | { readonly path: string },
  describe: (path: string) => string,
): Violation {
  return new LazyViolation(at, describe);
}

/** How many messages deferred violations have written in this process (a work counter for tests). */
export function lazyMessagesWritten(): number {
  return messagesWritten;
}

let messagesWritten = 0;

/**
 * A violation that writes its path and message when first read (then keeps them), for rules
 * that may fail in many places: a subclass holds what they are made of, in one allocation.
 * {@link lazyViolation} is the general one.
 */
export abstract class DeferredViolation implements Violation {
  private pathText: string | undefined;
  private messageText: string | undefined;

  /** Writes the path (called once, when it is first read). */
  protected abstract writePath(): string;
  /** Writes the message, which names `path` (called once, when it is first read). */
  protected abstract writeMessage(path: string): string;

  get path(): string {
    return (this.pathText ??= this.writePath());
  }

  get message(): string {
    if (this.messageText === undefined) {
      messagesWritten++;
      this.messageText = this.writeMessage(this.path);
    }
    return this.messageText;
  }
}

class LazyViolation extends DeferredViolation {
  constructor(
    private readonly at: string | { readonly path: string },
    private readonly describe: (path: string) => string,
  ) {
    super();
  }

  protected writePath(): string {
    return typeof this.at === 'string' ? this.at : this.at.path;
  }

  protected writeMessage(path: string): string {
    return this.describe(path);
  }
}

/**
 * Violations that are objects only once read: `length`, and `item(index)` for each index below
 * it (the same object every time it is asked). A rule failing in 99 000 places records where
 * (see {@link DeferredViolations}); the engine reads the few it reports, and on an UPDATE the
 * ones it matches with the stored object's.
 */
export interface ViolationSequence {
  readonly length: number;
  item(index: number): Violation;
}

/** A rule's violations: a list, or a {@link ViolationSequence}. Neither holds a hole. */
export type Violations = readonly Violation[] | ViolationSequence;

/** The violation at `index` of either kind of list (undefined past its end). */
export function violationAt(violations: Violations, index: number): Violation | undefined {
  if (isViolationList(violations)) return violations[index];
  return index < violations.length ? violations.item(index) : undefined;
}

function isViolationList(violations: Violations): violations is readonly Violation[] {
  return Array.isArray(violations);
}

/**
 * A {@link ViolationSequence} recorded as (group, position) pairs, two numbers' worth each: a
 * group is what several violations share (the list they lie in), a position says where in it
 * (an index, or an index packed with a code). `make` writes the violation of a pair when it is
 * first read. Recording allocates nothing per violation but the growth of two number lists,
 * where an object per violation made 99 000 objects for the collector to move and keep.
 */
export class DeferredViolations<G> implements ViolationSequence {
  /** Each group, or (at position PUSHED) the violation pushed made. */
  private readonly groups: (G | Violation)[] = [];
  /** The index of each group's first violation, ascending. */
  private readonly firsts: number[] = [];
  private readonly positions: number[] = [];
  private readonly made = new Map<number, Violation>();

  constructor(private readonly make: (group: G, position: number) => Violation) {}

  /**
   * Records a violation of `group` (compared by identity with the last one's) at `position`, a
   * number of at least 0.
   */
  add(group: G, position: number): void {
    if (!(position >= 0)) throw new RangeError(`a violation's position is ${String(position)}`);
    const last = this.groups.length - 1;
    if (last < 0 || this.groups[last] !== group) {
      this.groups.push(group);
      this.firsts.push(this.positions.length);
    }
    this.positions.push(position);
  }

  /** Records a violation already made, in its place among the others. */
  push(violation: Violation): void {
    this.groups.push(violation);
    this.firsts.push(this.positions.length);
    this.positions.push(PUSHED);
  }

  get length(): number {
    return this.positions.length;
  }

  item(index: number): Violation {
    const known = this.made.get(index);
    if (known !== undefined) return known;
    const position = this.positions[index];
    if (position === undefined) throw new RangeError(`no violation ${String(index)}`);
    // The last group whose first violation is at or before `index` (binary search).
    let low = 0;
    let high = this.firsts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((this.firsts[middle] ?? 0) <= index) low = middle;
      else high = middle - 1;
    }
    if (position === PUSHED) return this.groups[low] as Violation;
    const violation = this.make(this.groups[low] as G, position);
    this.made.set(index, violation);
    return violation;
  }
}

/** The position of a violation {@link DeferredViolations.push} was given made. */
const PUSHED = -1;

/** What a rule's check returns. The engine adds `error` when a check throws. */
export type RuleResult =
  | { readonly status: 'pass' }
  | { readonly status: 'skip'; readonly reason: string }
  | { readonly status: 'fail'; readonly violations: Violations }
  | { readonly status: 'warn'; readonly violations: Violations };

/** Everything a check may read. All of it is read-only; checks are synchronous and pure. */
export interface RuleContext {
  readonly input: AdmissionInput;
  /** The object under evaluation: the new object, or the stored one for DELETE. */
  readonly object: KubeObject;
  /** The stored object on UPDATE/DELETE. */
  readonly oldObject: KubeObject | undefined;
  readonly policy: Policy;
  readonly cluster: ClusterSnapshot;
  /**
   * `stored` when the engine re-runs a rule over the stored object of an UPDATE to find the
   * violations it already had (ratcheting); `request` otherwise.
   */
  readonly run: 'request' | 'stored';
  /**
   * The Profile label keys that the `spec.selector` of any policy in force reads (they choose
   * which policy governs a Profile); empty when policies are not selected by labels.
   */
  readonly selectorLabelKeys: ReadonlySet<string>;
}

/** No selector label keys: one policy governs everything. */
export const NO_SELECTOR_LABEL_KEYS: ReadonlySet<string> = Object.freeze(new Set<string>());

/**
 * What cluster state a rule reads, for the README's rule table:
 * - `none`: only the request;
 * - `profile-namespace`: only whether the request's namespace is a profile namespace (a Profile of
 *   that name, or `profileNamespaces.label` on the Namespace; every namespace counts without a
 *   cluster);
 * - `snapshot`: Profiles, Namespaces or RoleBindings of the snapshot; skips with no cluster.
 */
export type ClusterStateUse = 'none' | 'profile-namespace' | 'snapshot';

/**
 * A validation rule: data plus one synchronous check. `Id` is the rule's literal id, so that the
 * catalog (`catalog.ts`) can derive the `RuleId` union from the rules it lists; written without
 * it, the type is any rule of the catalog. The data (id, targets, operations, structural,
 * description, clusterState) is also the source of the schema's `ruleModes` keys and of the
 * README's rule table (`npm run generate`).
 */
export interface RuleDefinition<Id extends string = RuleId> {
  readonly id: Id;
  readonly targets: readonly TargetKind[];
  readonly operations: readonly Operation[];
  /** Structural rules are enforced for exempt callers too (ratcheting still applies to them). */
  readonly structural: boolean;
  /**
   * False for a rule whose violations an UPDATE may never keep (e.g. a Profile without its
   * defaults): only a metadata-only UPDATE downgrades them. Default true: a violation the stored
   * object already had, at the same path with the same value, is a warning.
   */
  readonly ratchets?: boolean;
  /**
   * True for a rule that judges metadata-only UPDATEs itself (binding-protected: an added
   * `ownerReferences` entry), whose failures such an UPDATE therefore never downgrades to
   * warnings. Default false: an UPDATE that changes only finalizers, ownerReferences,
   * managedFields, resourceVersion or status is never denied by the rule.
   */
  readonly judgesMetadataOnlyUpdates?: boolean;
  /**
   * Markdown that completes "denies when …": the README rule table's column of that name. Name
   * the policy fields that tune the rule.
   */
  readonly description: string;
  readonly clusterState: ClusterStateUse;
  readonly check: (ctx: RuleContext) => RuleResult;
}

/**
 * Declares a rule, keeping its id as a literal type (`defineRule({ id: 'profile-name-format', …
 * })` is a `RuleDefinition<'profile-name-format'>`). The value is returned as it is.
 */
export function defineRule<const Id extends string>(rule: RuleDefinition<Id>): RuleDefinition<Id> {
  return rule;
}

/**
 * A mutation: edits `draft` in place. The draft is copy-on-write: the engine gives the mutator
 * its own shallow copies of the root, of each container named in `writes` and of their
 * ancestors; every other subtree is shared with the request's object (so that mutating a 3 MiB
 * object costs what the mutators touch, not a deep copy; a container with many members, such as
 * 100 000 labels, is an overlay that behaves as its copy and records only what is written). A
 * mutator may edit the containers it
 * names in `writes` and create or replace any member; it must never edit a container it did not
 * name (the unit tests run mutators over deep-frozen objects, where that throws).
 */
export interface MutatorDefinition {
  readonly id: string;
  readonly targets: readonly TargetKind[];
  /**
   * Key paths from the object's root of the containers `apply` edits in place, e.g.
   * `['metadata', 'labels']`. Containers missing from the object are the mutator's to create.
   */
  readonly writes: readonly (readonly string[])[];
  readonly apply: (ctx: RuleContext, draft: KubeObject) => void;
}

/** A mutator of the catalog ({@link MutatorDefinition} with the words the README shows). */
export interface CatalogMutatorDefinition extends MutatorDefinition {
  /**
   * What it does, one line without `|`: the README's mutation table is generated from it
   * (`npm run generate`).
   */
  readonly description: string;
}

/**
 * CREATE and UPDATE: what most rules judge. A DELETE removes the object, so there is nothing to
 * validate but who may delete it (`binding-protected`).
 */
export const WRITE_OPERATIONS: readonly Operation[] = Object.freeze(['CREATE', 'UPDATE']);

/** The passing result, shared. */
export const PASS: RuleResult = Object.freeze({ status: 'pass' as const });

/** A skip with its reason. */
export function skip(reason: string): RuleResult {
  return { status: 'skip', reason };
}

/** Fails with one violation at `path`; `message` names the path and says what is allowed. */
export function fail(path: string, message: string): RuleResult {
  return { status: 'fail', violations: [{ path, message }] };
}

/** Fails with the given violations, or passes when there are none. */
export function failIf(violations: Violations): RuleResult {
  return violations.length === 0 ? PASS : { status: 'fail', violations };
}
