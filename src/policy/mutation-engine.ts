import { errorMessage } from '../util/error-message.js';
import type { ClusterSnapshot } from './cluster-snapshot.js';
import type { KubeObject } from './kube-object.js';
import type { Policy } from './policy-spec.js';
import type { AdmissionInput, TargetKind } from './request.js';
import { NO_SELECTOR_LABEL_KEYS, type MutatorDefinition } from './rule.js';

/** The result of mutating one object. */
export interface MutationResult {
  /**
   * The edited draft (equal in content to the input when nothing applied). It shares the subtrees
   * no mutator wrote with the request's object: read it, never edit it.
   */
  readonly mutated: KubeObject;
  /** Ids of mutators that ran without error. */
  readonly applied: readonly string[];
  /** Mutators that threw: their partial edits are discarded and the error is reported. */
  readonly errors: readonly MutationError[];
}

/** A mutator that threw. */
export interface MutationError {
  readonly id: string;
  /** The field it writes (its first `writes` path, dotted; `metadata` when it names none). */
  readonly path: string;
  readonly message: string;
}

/** Mutates one request's object; undefined when there is nothing to mutate (DELETE, no object). */
export type Mutator = (
  input: AdmissionInput,
  policy: Policy,
  cluster: ClusterSnapshot,
) => MutationResult | undefined;

/** How {@link createMutator} drafts the containers its mutators write. */
export interface MutatorOptions {
  /**
   * `auto` (the default): a container is copied, or overlaid when it has more than
   * {@link OVERLAY_MIN_MEMBERS} members (see {@link writableCopy}); the result is a plain object
   * wherever it is small, which any caller may hand on. `overlay`: every written container is
   * overlaid whatever its size, so nothing counts a map's members (for a `hard` of 49 000
   * resources, listing every key once more). Only for a caller that reads and diffs the result
   * and hands it to nobody: an overlay is a Proxy, which `structuredClone` cannot copy.
   */
  readonly drafts?: 'auto' | 'overlay';
}

/**
 * Builds a mutator over a catalog. The mutators run in catalog order on one copy-on-write draft
 * of the request's object (see {@link MutatorDefinition.writes}): the root and the containers the
 * target's mutators write are shallow-copied, everything else is shared, so the work is what the
 * mutators touch whatever the object's size or depth, and a diff against the request's object
 * skips every shared subtree by identity. Each mutator sees the edits of those before it, as
 * `ctx.object` and as its draft (the same object). A mutator that throws halfway leaves no partial
 * edit behind: the draft is rebuilt from the request's object by replaying the mutators that
 * succeeded, and the rest go on. Mutation applies to every caller.
 */
export function createMutator(
  mutators: readonly MutatorDefinition[],
  options: MutatorOptions = {},
): Mutator {
  const overlayAll = options.drafts === 'overlay';
  const byTarget = new Map<TargetKind, MutatorDefinition[]>();
  for (const mutator of mutators) {
    for (const target of mutator.targets) {
      byTarget.set(target, [...(byTarget.get(target) ?? []), mutator]);
    }
  }
  const writesByTarget = new Map<TargetKind, readonly (readonly string[])[]>();
  for (const [target, list] of byTarget) {
    writesByTarget.set(
      target,
      list.flatMap((mutator) => mutator.writes),
    );
  }
  return (input, policy, cluster) => {
    if (input.operation !== 'CREATE' && input.operation !== 'UPDATE') return undefined;
    const object = input.object;
    if (object === undefined) return undefined;
    const writes = writesByTarget.get(input.target) ?? [];
    const apply = (mutator: MutatorDefinition, draft: KubeObject): void => {
      mutator.apply(
        {
          input,
          object: draft,
          oldObject: input.oldObject,
          policy,
          cluster,
          run: 'request',
          selectorLabelKeys: NO_SELECTOR_LABEL_KEYS,
        },
        draft,
      );
    };
    let draft = writableCopy(object, writes, overlayAll);
    const done: MutatorDefinition[] = [];
    const errors: MutationError[] = [];
    for (const mutator of byTarget.get(input.target) ?? []) {
      try {
        apply(mutator, draft);
        done.push(mutator);
      } catch (error) {
        errors.push({
          id: mutator.id,
          path: mutator.writes[0]?.join('.') ?? 'metadata',
          message: errorMessage(error),
        });
        draft = replay(object, writes, done, apply, overlayAll);
      }
    }
    return { mutated: draft, applied: done.map((mutator) => mutator.id), errors };
  };
}

/**
 * A shallow copy of `object` in which each container on the given key paths (and every ancestor
 * of one) is a shallow copy too, so it can be edited in place without touching `object`. A path
 * stops where a member is missing or not a plain object (arrays are never written in place). A
 * container with more than {@link OVERLAY_MIN_MEMBERS} members is not copied but overlaid (see
 * {@link overlayChanges}): it reads and enumerates as the copy would, and writing to it costs what
 * is written, not its size. With `overlayAll`, every container below the root is overlaid,
 * uncounted (see {@link MutatorOptions.drafts}).
 */
export function writableCopy(
  object: KubeObject,
  paths: readonly (readonly string[])[],
  overlayAll = false,
): KubeObject {
  const root: Record<string, unknown> = { ...object };
  const copied = new Set<object>([root]);
  for (const path of paths) copyPath(root, path, copied, overlayAll);
  return root;
}

/**
 * Copies (or overlays) each container on `path` below `root` that is not in `copied` yet;
 * with `overlayAll`, overlays each without counting its members.
 */
function copyPath(
  root: Record<string, unknown>,
  path: readonly string[],
  copied: Set<object>,
  overlayAll = false,
): Record<string, unknown> | undefined {
  let parent = root;
  for (const key of path) {
    if (!Object.hasOwn(parent, key)) return undefined;
    const child = parent[key];
    if (typeof child !== 'object' || child === null || Array.isArray(child)) return undefined;
    let next = child as Record<string, unknown>;
    if (!copied.has(next)) {
      if (overlayAll) next = overlayOf(next, false);
      else next = hasManyMembers(next) ? overlayOf(next, true) : { ...next };
      copied.add(next);
      parent[key] = next;
    }
    parent = next;
  }
  return parent;
}

/**
 * For a mutator that declares no `writes` and decides late whether it writes at all: makes the
 * containers on `path` of its draft writable as {@link writableCopy} would (copied, or overlaid
 * when large), and returns the last one; undefined when the path stops at a missing or non-map
 * member. Drafting a map means counting its members, which for 100 000 labels costs about what
 * parsing a third of them did, so a mutator that usually writes nothing drafts only when it
 * writes. Call it once per path and apply: a second call would draft the drafts again.
 */
export function draftPath(
  draft: KubeObject,
  path: readonly string[],
): Record<string, unknown> | undefined {
  return copyPath(draft, path, new Set<object>([draft]));
}

/**
 * A fresh draft of `object` with `mutators` applied again. They succeeded once on the same input
 * and are pure, so they succeed again; should one not, the unmutated draft is returned (an error
 * is already reported, so the caller sends no patch either way).
 */
function replay(
  object: KubeObject,
  writes: readonly (readonly string[])[],
  mutators: readonly MutatorDefinition[],
  apply: (mutator: MutatorDefinition, draft: KubeObject) => void,
  overlayAll: boolean,
): KubeObject {
  const draft = writableCopy(object, writes, overlayAll);
  try {
    for (const mutator of mutators) apply(mutator, draft);
    return draft;
  } catch {
    return writableCopy(object, writes, overlayAll);
  }
}

/**
 * Containers with more members than this are drafted as an overlay rather than copied: copying
 * 100 000 labels to add two costs far more than the two.
 */
export const OVERLAY_MIN_MEMBERS = 64;

/**
 * True when `record` has more than OVERLAY_MIN_MEMBERS own members. It stops counting there, but
 * `for…in` lists every key before the first one (V8 collects them up front), so this is linear in
 * the size: on 100 000 labels, about a third of what parsing them cost. There is no cheaper way to
 * tell a map's size, and a small map must stay a plain copy (an overlay is a Proxy, which
 * `structuredClone` cannot copy).
 */
function hasManyMembers(record: Readonly<Record<string, unknown>>): boolean {
  let count = 0;
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    if (++count > OVERLAY_MIN_MEMBERS) return true;
  }
  return false;
}

/** What an overlay adds to its base: the members written, in the order first written. */
interface Overlay {
  readonly base: Readonly<Record<string, unknown>>;
  /** True when `base` was counted to have more than OVERLAY_MIN_MEMBERS members. */
  readonly large: boolean;
  /** Member -> value written (`REMOVED` for a deleted member). */
  readonly written: Map<string, unknown>;
}

const REMOVED: unique symbol = Symbol('removed');
const overlays = new WeakMap<object, Overlay>();

/**
 * True when `record` has an own enumerable member. On an overlay draft (see {@link writableCopy})
 * of a map counted large it is answered without listing the members: its base has more than
 * OVERLAY_MIN_MEMBERS, and fewer removals cannot empty it. Any other overlay is answered from
 * what was written, then from its base, never by copying it. Linear in the size of any other
 * object.
 */
export function hasOwnMembers(record: Readonly<Record<string, unknown>>): boolean {
  const overlay = overlays.get(record);
  if (overlay === undefined) {
    for (const key in record) if (Object.hasOwn(record, key)) return true;
    return false;
  }
  const { base, large, written } = overlay;
  if (large && written.size <= OVERLAY_MIN_MEMBERS) return true;
  // A member written (even `undefined`) and not removed is an own member, as on a copy.
  for (const value of written.values()) if (value !== REMOVED) return true;
  for (const key in base) if (Object.hasOwn(base, key) && !written.has(key)) return true;
  return false;
}

/**
 * A draft of `base` that behaves as the shallow copy `{ ...base }` would (reads, `in`,
 * `Object.hasOwn`, enumeration in the same order, writes, deletes) but records writes beside
 * `base` instead of copying it; enumerating it (rare: mutators read and add members) builds the
 * copy's key list then. `base` is never written. `large`: `base` was counted to have more than
 * OVERLAY_MIN_MEMBERS members.
 */
function overlayOf(
  base: Readonly<Record<string, unknown>>,
  large: boolean,
): Record<string, unknown> {
  const written = new Map<string, unknown>();
  const present = (key: string): boolean =>
    written.has(key) ? written.get(key) !== REMOVED : Object.hasOwn(base, key);
  const valueOf = (key: string): unknown => {
    const value = written.has(key) ? written.get(key) : base[key];
    return value === REMOVED ? undefined : value;
  };
  const proxy = new Proxy<Record<string, unknown>>(
    {},
    {
      get: (_target, key) => {
        if (typeof key !== 'string') return Reflect.get(base, key) as unknown;
        if (present(key)) return valueOf(key);
        // Inherited members (`toString`, …) as a plain object has them.
        return written.has(key) ? (Reflect.get(Object.prototype, key) as unknown) : base[key];
      },
      has: (_target, key) =>
        typeof key === 'string' ? present(key) || key in Object.prototype : key in base,
      set: (_target, key, value) => {
        if (typeof key !== 'string') return false;
        written.set(key, value);
        return true;
      },
      defineProperty: (_target, key, descriptor) => {
        if (typeof key !== 'string' || !('value' in descriptor)) return false;
        written.set(key, descriptor.value);
        return true;
      },
      deleteProperty: (_target, key) => {
        if (typeof key !== 'string') return false;
        written.set(key, REMOVED);
        return true;
      },
      getOwnPropertyDescriptor: (_target, key) =>
        typeof key === 'string' && present(key)
          ? { value: valueOf(key), writable: true, enumerable: true, configurable: true }
          : undefined,
      ownKeys: () => {
        const copy: Record<string, unknown> = { ...base };
        for (const [key, value] of written) {
          if (value === REMOVED) Reflect.deleteProperty(copy, key);
          else copy[key] = value;
        }
        return Reflect.ownKeys(copy);
      },
    },
  );
  overlays.set(proxy, { base, large, written });
  return proxy;
}

/** An integer-like member name, which JavaScript lists before all others. */
const INDEX_LIKE = /^(?:0|[1-9]\d*)$/;

/**
 * When `after` is an overlay draft of `before` (see {@link writableCopy}), the members of `after`
 * that may differ from `before`, in the order `Object.keys(after)` lists them: every other member
 * is `before`'s own, untouched. Undefined when `after` is no such draft, or when the order or the
 * removals cannot be told without listing every member (a member deleted or written `undefined`,
 * an integer-like name, two members written that `before` already had): the caller then compares
 * every member. Constant work per member written, whatever the size of `before`.
 */
export function overlayChanges(before: unknown, after: unknown): readonly string[] | undefined {
  if (typeof after !== 'object' || after === null) return undefined;
  const overlay = overlays.get(after);
  if (overlay === undefined || overlay.base !== before) return undefined;
  const existing: string[] = [];
  const added: string[] = [];
  for (const [key, value] of overlay.written) {
    if (value === REMOVED || value === undefined || INDEX_LIKE.test(key)) return undefined;
    if (Object.hasOwn(overlay.base, key)) existing.push(key);
    else added.push(key);
  }
  if (existing.length > 1) return undefined;
  // A plain object lists the members it had before those added to it, in the order added.
  return [...existing, ...added];
}
