/**
 * Which policy the native admission objects enforce when several ProfilePolicies are in force,
 * and the CEL that keeps them off the Profiles another policy may govern. Pure.
 *
 * The webhook picks a policy per request among the policies whose `spec.selector` matches the
 * Profile's labels, then the selector-less ones, then the embedded default (`selectPolicyFor`).
 * One set of native objects (fixed names, so RBAC can name them) cannot hold every policy, so it
 * holds the one that governs the Profiles no narrower selector picks, and a match condition
 * leaves out every request whose labels a higher-ranked selector could pick: the native objects
 * never decide a Profile the webhook decides under another policy.
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
 * CEL: the label selector matches the labels `labels` (a CEL map) with `injected` added where a
 * key is missing (as a policy's `profiles.labels` mutation adds them), Kubernetes semantics as
 * `selectorMatches`. Keys and values reach CEL only as escaped literals; what only `injected`
 * decides is decided here, as a constant. A string no CEL literal can hold (a lone UTF-16
 * surrogate) is no valid label key or value either: a key no Profile has, a value no label holds.
 */
export function selectorExpression(
  selector: LabelSelector,
  labels: string,
  injected: Readonly<Record<string, string>> = {},
): string {
  const terms: string[] = [];
  /** The term for key `key`: `test` on the Profile's value, else the injected value, else absent. */
  const term = (
    key: string,
    test: (value: string) => string,
    constant: (value: string | undefined) => boolean,
  ): string => {
    const k = literal(key);
    const fixed = Object.hasOwn(injected, key) ? injected[key] : undefined;
    if (k === undefined) return String(constant(fixed));
    const absent = String(constant(fixed));
    return `(${k} in ${labels} ? ${test(`${labels}[${k}]`)} : ${absent})`;
  };
  const within = (values: readonly string[]) => {
    const literals = values.flatMap((value) => literal(value) ?? []);
    return (value: string) => `${value} in [${literals.join(', ')}]`;
  };
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    const v = literal(value);
    terms.push(
      term(
        key,
        (actual) => (v === undefined ? 'false' : `${actual} == ${v}`),
        (fixed) => fixed === value,
      ),
    );
  }
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const inValues = within(values);
    switch (operator) {
      case 'In':
        terms.push(term(key, inValues, (fixed) => fixed !== undefined && values.includes(fixed)));
        break;
      case 'NotIn':
        terms.push(
          term(
            key,
            (actual) => `!(${inValues(actual)})`,
            (fixed) => fixed === undefined || !values.includes(fixed),
          ),
        );
        break;
      case 'Exists':
        terms.push(
          term(
            key,
            () => 'true',
            (fixed) => fixed !== undefined,
          ),
        );
        break;
      case 'DoesNotExist':
        terms.push(
          term(
            key,
            () => 'false',
            (fixed) => fixed === undefined,
          ),
        );
        break;
    }
  }
  return terms.length === 0 ? 'true' : terms.join(' && ');
}

/**
 * The match condition that keeps the native objects to the requests the webhook decides under
 * their policy; undefined when no selector policy shadows it (then every Profile is its).
 *
 * The webhook picks a Profile's policy from its stored labels (none on CREATE) and, for an exempt
 * caller changing a selector's label, from the new ones, each with the labels the picked policy
 * injects (`selectPolicyFor`). Reproducing that choice in CEL would mean reproducing exemptions
 * and injections per policy; the condition asks for less and is still enough: neither the new
 * labels nor the stored ones, as they are or with the labels any candidate policy injects, are
 * matched by a shadowing selector. Then every label set the webhook can consult selects the
 * native policy, so the webhook governs the request with it. A request that fails the condition
 * is left to the webhook, even where the webhook too would have picked the native policy.
 */
export function notShadowedCondition(governing: NativeGoverning): NativeMatchCondition | undefined {
  const selectors = governing.shadowing.flatMap((policy) =>
    policy.spec.selector === undefined ? [] : [policy.spec.selector],
  );
  if (selectors.length === 0) return undefined;
  const injections = new Map<string, Readonly<Record<string, string>>>([[canonical({}), {}]]);
  for (const policy of [governing.policy, ...governing.shadowing]) {
    const labels = policy.spec.profiles.labels;
    injections.set(canonical(labels), labels);
  }
  // An injection that does not touch a selector's keys gives the same term: written once.
  const terms = new Set(
    selectors.flatMap((selector) =>
      [...injections.values()].map(
        (injected) => `(${selectorExpression(selector, 'l', injected)})`,
      ),
    ),
  );
  const any = [...terms].join(' || ');
  const stored = "(request.operation == 'UPDATE' ? oldObject.metadata.?labels.orValue({}) : {})";
  return {
    name: NOT_SHADOWED_CONDITION,
    expression: `[object.metadata.?labels.orValue({}), ${stored}].all(l, !(${any}))`,
  };
}

/** A label map as a string that is equal for equal maps. */
function canonical(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
