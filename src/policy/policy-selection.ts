import type { ClusterSnapshot } from './cluster-snapshot.js';
import { profileOwnerReference } from './profile-namespace.js';
import { asStringMap, getPath } from './object-access.js';
import type { LabelSelector, Policy } from './policy-spec.js';
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
