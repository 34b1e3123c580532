/**
 * Which policy the native admission objects enforce when several ProfilePolicies are in force,
 * and the CEL that keeps them off the Profiles another policy governs. Pure.
 *
 * The webhook picks a policy per Profile: the highest-ranked policy whose `spec.selector`
 * matches the Profile's labels, else the highest-ranked selector-less policy, else the embedded
 * default (`selectPolicy`). One set of native objects (fixed names, so RBAC can name them)
 * cannot hold every policy, so it holds the one that governs the Profiles no narrower selector
 * picks, and a match condition leaves out every Profile a higher-ranked selector picks: the
 * native objects never decide a Profile the webhook decides under another policy.
 */
import type { LabelSelector, Policy } from '../policy/policy-spec.js';
import { CelEncodingError, celString } from './cel.js';
import type { NativeMatchCondition } from './generate.js';

/** The policies in force and the one that governs when none of them matches. */
export interface PoliciesInForce {
  /** Cluster ProfilePolicies; empty for a `--policy` file or the embedded default. */
  readonly policies: readonly Policy[];
  /** Governs when no policy matches: the file's policy, or the embedded default. */
  readonly fallback: Policy;
}

/** The policy the native objects enforce, and the policies whose selectors take Profiles away. */
export interface NativeGoverning {
  readonly policy: Policy;
  /** Higher-ranked policies with a non-empty selector: the Profiles they match are not ours. */
  readonly shadowing: readonly Policy[];
}

/** Name of the match condition that leaves out Profiles other policies govern. */
export const NOT_SHADOWED_CONDITION = 'not-governed-by-a-selector-policy';

/** Higher priority first, then the lexicographically smaller name (as `selectPolicy`). */
function byRank(a: Policy, b: Policy): number {
  if (a.spec.priority !== b.spec.priority) return b.spec.priority - a.spec.priority;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** True when the selector matches every label set, a Profile without labels included. */
function matchesEverything(selector: LabelSelector): boolean {
  return (
    Object.keys(selector.matchLabels ?? {}).length === 0 &&
    (selector.matchExpressions ?? []).length === 0
  );
}

/**
 * The policy that governs every Profile no narrower selector picks, in the webhook's order:
 * walking the selector policies by rank, the first one whose selector is empty (`{}` matches
 * every Profile, so nothing ranked below it ever governs); without one, the highest-ranked
 * selector-less policy; without one, the fallback. `shadowing` lists the selector policies ranked
 * above it, each of which governs the Profiles its selector matches.
 */
export function nativeGoverningPolicy(inForce: PoliciesInForce): NativeGoverning {
  const selectorPolicies = inForce.policies
    .filter((policy) => policy.spec.selector !== undefined)
    .sort(byRank);
  const shadowing: Policy[] = [];
  for (const policy of selectorPolicies) {
    const selector = policy.spec.selector;
    if (selector === undefined) continue;
    if (matchesEverything(selector)) return { policy, shadowing };
    shadowing.push(policy);
  }
  const selectorless = inForce.policies
    .filter((policy) => policy.spec.selector === undefined)
    .sort(byRank);
  return { policy: selectorless[0] ?? inForce.fallback, shadowing };
}

/** A CEL literal of `value`, or undefined for a string no CEL literal can hold. */
function literal(value: string): string | undefined {
  try {
    return celString(value);
  } catch (error) {
    if (error instanceof CelEncodingError) return undefined;
    throw error;
  }
}

/**
 * CEL: the label selector matches the map `labels` (`matchLabels` and every `matchExpressions`
 * entry, Kubernetes semantics, as `selectorMatches`). Keys and values reach CEL only as escaped
 * literals. A string no CEL literal can hold (a lone UTF-16 surrogate) is no valid label key or
 * value either, so it is written as what it is: a key no Profile has, a value no label holds.
 */
export function selectorExpression(selector: LabelSelector, labels: string): string {
  const terms: string[] = [];
  const has = (k: string) => `${k} in ${labels}`;
  const valueIn = (k: string, values: readonly string[]): string => {
    const literals = values.flatMap((value) => literal(value) ?? []);
    return `${labels}[${k}] in [${literals.join(', ')}]`;
  };
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    const k = literal(key);
    const v = literal(value);
    terms.push(
      k === undefined || v === undefined ? 'false' : `(${has(k)} && ${labels}[${k}] == ${v})`,
    );
  }
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const k = literal(key);
    switch (operator) {
      case 'In':
        terms.push(k === undefined ? 'false' : `(${has(k)} && ${valueIn(k, values)})`);
        break;
      case 'NotIn':
        terms.push(k === undefined ? 'true' : `(!(${has(k)}) || !(${valueIn(k, values)}))`);
        break;
      case 'Exists':
        terms.push(k === undefined ? 'false' : `(${has(k)})`);
        break;
      case 'DoesNotExist':
        terms.push(k === undefined ? 'true' : `!(${has(k)})`);
        break;
    }
  }
  return terms.length === 0 ? 'true' : terms.join(' && ');
}

/**
 * The match condition that keeps the native objects off the Profiles a shadowing policy governs
 * (the labels of the object being admitted, as the webhook selects on them); undefined when
 * nothing shadows. A Profile without labels has the empty map, as the webhook sees it.
 */
export function notShadowedCondition(
  shadowing: readonly Policy[],
): NativeMatchCondition | undefined {
  const selectors = shadowing.flatMap((policy) =>
    policy.spec.selector === undefined ? [] : [policy.spec.selector],
  );
  if (selectors.length === 0) return undefined;
  const any = selectors.map((selector) => `(${selectorExpression(selector, 'l')})`).join(' || ');
  return {
    name: NOT_SHADOWED_CONDITION,
    expression: `[object.metadata.?labels.orValue({})].all(l, !(${any}))`,
  };
}
