import type { PolicySpec } from '../policy/policy-spec.js';
import type { RuleId } from '../policy/rule-ids.js';
import { celString } from './cel.js';

/** The kinds native policies are generated for, each with its own policies. */
export type NativeTarget = 'Profile' | 'RoleBinding' | 'ClusterRoleBinding' | 'AuthorizationPolicy';

/**
 * Where a rule's CEL is written: for the object named `o` (`object`, or `oldObject` when the
 * stored object of an UPDATE is judged for ratcheting), with values shared between the rules of a
 * policy (the owner, the quota map...) computed once, as policy variables.
 */
export interface CelScope {
  readonly o: string;
  /**
   * A reference to the shared value `name` of this scope's object; `define(o)` is its CEL. The
   * generator declares it once per policy (as `variables.<name>`, or `variables.old_<name>` for
   * `oldObject`); like every variable it is evaluated only when used.
   */
  shared(name: string, define: (o: string) => string): string;
}

/**
 * One rule written in CEL. `violations` returns a CEL expression that evaluates to the list of the
 * rule's violations in the scope's object. Each violation is a record built by {@link violation}.
 */
export interface CelRule {
  /** The kinds whose policies hold the rule. */
  readonly targets: readonly NativeTarget[];
  /**
   * Why this policy's settings keep the rule in the webhook although it is native in general (a
   * name pattern RE2 cannot express, say); undefined when it can be generated.
   */
  readonly unsupported?: (spec: PolicySpec) => string | undefined;
  /** CEL list of violation records of `o`; undefined when the policy leaves nothing to check. */
  readonly violations: (scope: CelScope, spec: PolicySpec) => string | undefined;
  /**
   * `value`: on UPDATE, a violation the stored object already had (same rule, same key, same
   * value) is a warning, not a denial (the contract's ratcheting). `never`: the rule compares the
   * stored object itself (`profile-owner-immutable`) or must never be kept, so only a
   * metadata-only UPDATE downgrades it.
   */
  readonly ratchet: 'value' | 'never';
}

/** A rule's place in the native policies: translated, or left to the webhook with the reason. */
export type NativeTranslation =
  | {
      readonly native: CelRule;
      /** What a reader of the README should know about the translation. */
      readonly note?: string;
    }
  | { readonly webhookOnly: string };

/**
 * A violation record: `k`, the field path with list indices replaced by `[]` (the element itself
 * is part of `v`), `v`, the value there (ratcheting compares both with the stored object's), and
 * `m`, the message `<rule-id>: <text>` as the webhook words it. Every field is `dyn` because CEL
 * map literals must be of one type.
 */
export function violation(ruleId: RuleId, key: string, value: string, message: string): string {
  return `{'k': dyn(${key}), 'v': dyn(${value}), 'm': dyn(${celString(`${ruleId}: `)} + ${message})}`;
}

/** Metadata fields whose change alone never makes an UPDATE deniable (metadata-only-update.ts). */
const METADATA_ONLY_FIELDS =
  "['finalizers', 'ownerReferences', 'managedFields', 'resourceVersion', 'generation']";

/**
 * CEL: an UPDATE that changes only `metadata.finalizers`, `ownerReferences`, `managedFields`,
 * `resourceVersion`, `generation` or `status` (the engine's isMetadataOnlyUpdate).
 */
export const METADATA_ONLY_UPDATE =
  "request.operation == 'UPDATE' && " +
  "object.all(k, k == 'status' || k == 'metadata' || (k in oldObject && object[k] == oldObject[k])) && " +
  "oldObject.all(k, k == 'status' || k == 'metadata' || k in object) && " +
  `object.metadata.all(k, k in ${METADATA_ONLY_FIELDS} || (k in oldObject.metadata && object.metadata[k] == oldObject.metadata[k])) && ` +
  `oldObject.metadata.all(k, k in ${METADATA_ONLY_FIELDS} || k in object.metadata)`;

/** `cond ? [record] : []`. */
export function violationIf(condition: string, record: string): string {
  return `(${condition} ? [${record}] : [])`;
}
