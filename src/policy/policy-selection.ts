import type { ClusterSnapshot } from './cluster-snapshot.js';
import { isExempt } from './engine.js';
import type { KubeObject } from './kube-object.js';
import { profileOwnerReference } from './profile-namespace.js';
import { asStringMap, getPath } from './object-access.js';
import type { LabelSelector, Policy } from './policy-spec.js';
import type { PolicyProvider } from './policy-provider.js';
import type { AdmissionInput } from './request.js';

/** A Profile's labels, as selectors read them. */
export type ProfileLabels = Readonly<Record<string, string>>;

/**
 * True when a label selector matches the labels: every `matchLabels` pair AND every
 * `matchExpressions` entry (In / NotIn / Exists / DoesNotExist, Kubernetes semantics). An empty
 * selector matches everything, including a request that has no Profile (`labels` undefined);
 * any non-empty selector needs a Profile to match.
 */
export function selectorMatches(
  selector: LabelSelector,
  labels: ProfileLabels | undefined,
): boolean {
  const pairs = Object.entries(selector.matchLabels ?? {});
  const expressions = selector.matchExpressions ?? [];
  if (pairs.length === 0 && expressions.length === 0) return true;
  if (labels === undefined) return false;
  for (const [key, value] of pairs) {
    if (!Object.hasOwn(labels, key) || labels[key] !== value) return false;
  }
  for (const { key, operator, values = [] } of expressions) {
    const present = Object.hasOwn(labels, key);
    const value = labels[key];
    switch (operator) {
      case 'In':
        if (!present || value === undefined || !values.includes(value)) return false;
        break;
      case 'NotIn':
        if (present && value !== undefined && values.includes(value)) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
    }
  }
  return true;
}

/** True when `a` outranks `b`: higher priority, then the lexicographically smaller name. */
function outranks(a: Policy, b: Policy): boolean {
  if (a.spec.priority !== b.spec.priority) return a.spec.priority > b.spec.priority;
  return a.name < b.name;
}

/**
 * Chooses the cluster policy that governs a Profile with the given labels. Among candidates whose
 * `spec.selector` matches, the highest `spec.priority` wins, ties going to the lexicographically
 * smallest name. Candidates without a selector are fallbacks, used only when no selector-policy
 * matches (ranked the same way). With neither, `fallback` governs. O(candidates), no allocation.
 */
export function selectPolicy(
  candidates: readonly Policy[],
  profileLabels: ProfileLabels | undefined,
  fallback: Policy,
): Policy {
  let best: Policy | undefined;
  let bestFallback: Policy | undefined;
  for (const candidate of candidates) {
    const selector = candidate.spec.selector;
    if (selector === undefined) {
      if (bestFallback === undefined || outranks(candidate, bestFallback)) bestFallback = candidate;
    } else if (selectorMatches(selector, profileLabels)) {
      if (best === undefined || outranks(candidate, best)) best = candidate;
    }
  }
  return best ?? bestFallback ?? fallback;
}

/** The label keys that the `spec.selector` of any of `policies` reads (matchLabels and expressions). */
export function selectorLabelKeys(policies: readonly Policy[]): ReadonlySet<string> {
  const keys = new Set<string>();
  for (const { spec } of policies) {
    for (const key of Object.keys(spec.selector?.matchLabels ?? {})) keys.add(key);
    for (const expression of spec.selector?.matchExpressions ?? []) keys.add(expression.key);
  }
  return keys;
}

/**
 * `labels` as they are once `policy` mutated the Profile: its `profiles.labels` added where a key
 * is missing (existing keys keep their values), exactly as the `profile-labels` mutation does.
 */
export function withInjectedLabels(labels: ProfileLabels, policy: Policy): ProfileLabels {
  const injected = policy.spec.profiles.labels;
  let out: Record<string, string> | undefined;
  for (const [key, value] of Object.entries(injected)) {
    if (Object.hasOwn(labels, key)) continue;
    out ??= { ...labels };
    out[key] = value;
  }
  return out ?? labels;
}

/** The keys of `keys` whose label differs (value, presence) between `before` and `after`. */
export function changedLabelKeys(
  keys: ReadonlySet<string>,
  before: ProfileLabels,
  after: ProfileLabels,
): string[] {
  const changed: string[] = [];
  for (const key of keys) {
    const had = Object.hasOwn(before, key);
    const has = Object.hasOwn(after, key);
    if (had !== has || (had && before[key] !== after[key])) changed.push(key);
  }
  return changed;
}

/**
 * Chooses the policy that governs one request, such that nobody but an exempt caller can choose
 * it by labelling a Profile:
 * - a Profile request is governed by the policy its stored labels select (none on CREATE), each
 *   as the selected policy's label mutation leaves them, unless the request changes a label that
 *   some selector reads: then an exempt caller (exempt under that policy) gets the policy the new
 *   labels select, while anyone else stays under the policy of the labels before the change, where
 *   `profile-selector-label` denies the change. So a tenant who adds `tier: lenient` to her
 *   Profile is judged, and refused, by the policy that governed her before;
 * - a binding, AuthorizationPolicy or Namespace by the stored labels of the Profile it belongs
 *   to (see {@link profileLabelsFor}), which are guarded the same way;
 * - a ClusterRoleBinding by the selector-less policies (it belongs to no Profile).
 * `keys` are the selector keys of `candidates` ({@link selectorLabelKeys}), passed in so that a
 * caller holding a fixed set of candidates computes them once.
 */
export function selectPolicyFor(
  candidates: readonly Policy[],
  input: AdmissionInput,
  cluster: ClusterSnapshot,
  fallback: Policy,
  keys: ReadonlySet<string> = selectorLabelKeys(candidates),
): Policy {
  if (input.target !== 'Profile') {
    return selectPolicy(candidates, profileLabelsFor(input, cluster), fallback);
  }
  const { next, injecting, before, base } = storedSelection(candidates, input, fallback);
  if (keys.size === 0) return base;
  const after = withInjectedLabels(next, injecting);
  if (changedLabelKeys(keys, before, after).length === 0) return base;
  if (!isExempt(base, input.user)) return base;
  return selectPolicy(
    candidates,
    withInjectedLabels(next, selectPolicy(candidates, next, fallback)),
    fallback,
  );
}

/**
 * The selector label keys a request's caller must leave alone (`profile-selector-label`): all of
 * `keys` for a Profile request, unless the caller is exempt under the policy that governs the
 * Profile before the request (who may move Profiles between policies, whatever the exemptions
 * of the policy it moves them to); none for other kinds.
 */
export function guardedLabelKeys(
  candidates: readonly Policy[],
  input: AdmissionInput,
  fallback: Policy,
  keys: ReadonlySet<string> = selectorLabelKeys(candidates),
): ReadonlySet<string> {
  if (input.target !== 'Profile' || keys.size === 0) return keys;
  const { base } = storedSelection(candidates, input, fallback);
  return isExempt(base, input.user) ? NO_KEYS : keys;
}

const NO_KEYS: ReadonlySet<string> = Object.freeze(new Set<string>());

/** How a Profile request's stored labels select, before anything the request changes. */
function storedSelection(
  candidates: readonly Policy[],
  input: AdmissionInput,
  fallback: Policy,
): { next: ProfileLabels; injecting: Policy; before: ProfileLabels; base: Policy } {
  const stored = input.operation === 'CREATE' ? {} : labelsOf(input.oldObject);
  const next = input.operation === 'DELETE' ? stored : labelsOf(input.object);
  // Labels the stored labels' policy injects are not the caller's choice: /mutate adds them to
  // every Profile, so they count on both sides (one step, at /mutate and /validate alike).
  const injecting = selectPolicy(candidates, stored, fallback);
  const before = withInjectedLabels(stored, injecting);
  return { next, injecting, before, base: selectPolicy(candidates, before, fallback) };
}

function labelsOf(object: KubeObject | undefined): ProfileLabels {
  return asStringMap(getPath(object, 'metadata', 'labels'));
}

/**
 * The labels of the Profile a request belongs to, for policy selection:
 * - a Profile: its own labels (the object being admitted; the stored one on DELETE);
 * - a Namespace: the Profile named in its kubeflow.org ownerReference, else the Profile of the
 *   same name, from the snapshot;
 * - a namespaced object: the Profile named like its namespace, from the snapshot.
 * Undefined when there is no such Profile (e.g. ClusterRoleBindings, or a cold cache).
 */
export function profileLabelsFor(
  input: AdmissionInput,
  cluster: ClusterSnapshot,
): ProfileLabels | undefined {
  const object = input.operation === 'DELETE' ? input.oldObject : input.object;
  switch (input.target) {
    case 'Profile':
      return object === undefined ? undefined : asStringMap(getPath(object, 'metadata', 'labels'));
    case 'Namespace': {
      const owner = profileOwnerReference(getPath(object, 'metadata', 'ownerReferences'));
      return cluster.getProfile(owner ?? input.name)?.labels;
    }
    case 'ClusterRoleBinding':
      return undefined;
    case 'RoleBinding':
    case 'AuthorizationPolicy':
      return input.namespace === '' ? undefined : cluster.getProfile(input.namespace)?.labels;
  }
}

/**
 * The provider that selects among `candidates` as cluster ProfilePolicies do (`selectPolicyFor`,
 * with `fallback` when none is in force or none matches), guarding their selector label keys.
 * With no candidates it answers `fallback` for every request and guards no key: exactly a
 * provider of one policy (a `--policy` file, the embedded default). The cluster's provider and
 * the decision worker's are both this one, so a request selects the same policy in either.
 */
export function selectingProvider(
  candidates: readonly Policy[],
  fallback: Policy,
): Required<PolicyProvider> {
  const keys = selectorLabelKeys(candidates);
  return {
    select: (input, cluster) =>
      candidates.length === 0
        ? fallback
        : selectPolicyFor(candidates, input, cluster, fallback, keys),
    selectorLabelKeys: () => keys,
    guardedLabelKeys: (input) => guardedLabelKeys(candidates, input, fallback, keys),
  };
}
