import { asArray, asRecord, asString, getPath } from './object-access.js';
import type { ComputeQuantities, PolicySpec } from './policy-spec.js';
import { compareQuantities, parseQuantity } from './quantity.js';

/** The name of the LimitRange profile-guard keeps in a profile namespace. */
export const LIMIT_RANGE_NAME = 'profile-guard-defaults';
/** The label that marks the LimitRange as profile-guard's (with the name, the ownership test). */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
/** The value of {@link MANAGED_BY_LABEL} on profile-guard's LimitRange. */
export const MANAGED_BY_VALUE = 'profile-guard';

/** The resources a ResourceQuota makes every container declare (the API server's rule). */
export type ComputeResource = 'cpu' | 'memory';
/** Every {@link ComputeResource}, in output order. */
export const COMPUTE_RESOURCES: readonly ComputeResource[] = Object.freeze(['cpu', 'memory']);

/** `profiles.limitRange` of a policy. */
export type LimitRangeSettings = PolicySpec['profiles']['limitRange'];

/**
 * What a Profile's quota demands of every container. The API server's quota admission refuses a
 * pod whose containers lack a cpu (memory) request when the namespace's quota restricts `cpu`,
 * `requests.cpu` or `limits.cpu` (`memory`, …), and lacks a limit when it restricts `limits.cpu`
 * (`limits.memory`).
 */
export interface QuotaDemands {
  /** Resources every container must request. */
  readonly requests: readonly ComputeResource[];
  /** Resources every container must limit. */
  readonly limits: readonly ComputeResource[];
}

/** A Profile that demands nothing. */
export const NO_DEMANDS: QuotaDemands = Object.freeze({
  requests: Object.freeze([]),
  limits: Object.freeze([]),
});

/**
 * The demands of a quota's `hard` map (a Profile's `spec.resourceQuotaSpec.hard`, as stored). Only
 * the keys count, not their values: a quota of `cpu: "0"` still demands a request.
 */
export function quotaDemands(hard: unknown): QuotaDemands {
  const keys = asRecord(hard);
  if (keys === undefined) return NO_DEMANDS;
  const requests = COMPUTE_RESOURCES.filter(
    (r) => Object.hasOwn(keys, r) || Object.hasOwn(keys, `requests.${r}`) || limitsOf(keys, r),
  );
  const limits = COMPUTE_RESOURCES.filter((r) => limitsOf(keys, r));
  if (requests.length === 0) return NO_DEMANDS;
  return Object.freeze({ requests: Object.freeze(requests), limits: Object.freeze(limits) });
}

function limitsOf(keys: Readonly<Record<string, unknown>>, resource: ComputeResource): boolean {
  return Object.hasOwn(keys, `limits.${resource}`);
}

/** The container defaults of a LimitRange: `defaultRequest` and `default` (limits), by resource. */
export interface ContainerDefaults {
  readonly defaultRequest: ComputeQuantities;
  readonly default: ComputeQuantities;
}

/**
 * The compute resources that a LimitRange (a stored object) gives containers a default for: any
 * `type: Container` item whose `default` or `defaultRequest` names them. The API server stores a
 * LimitRange with `default` filled from `max` and `defaultRequest` from `default` or `min`, so an
 * item that only bounds a resource counts too: it defaults it.
 */
export function defaultedResources(limitRange: unknown): ComputeResource[] {
  const found = new Set<ComputeResource>();
  for (const item of asArray(getPath(limitRange, 'spec', 'limits'))) {
    if (asString(getPath(item, 'type')) !== 'Container') continue;
    for (const field of ['default', 'defaultRequest', 'max', 'min']) {
      const map = asRecord(getPath(item, field));
      if (map === undefined) continue;
      for (const resource of COMPUTE_RESOURCES) {
        if (Object.hasOwn(map, resource)) found.add(resource);
      }
    }
  }
  return COMPUTE_RESOURCES.filter((resource) => found.has(resource));
}

/** True when a stored LimitRange is profile-guard's: its name and its managed-by label. */
export function isOwnLimitRange(limitRange: unknown): boolean {
  return (
    asString(getPath(limitRange, 'metadata', 'name')) === LIMIT_RANGE_NAME &&
    asString(getPath(limitRange, 'metadata', 'labels', MANAGED_BY_LABEL)) === MANAGED_BY_VALUE
  );
}

/**
 * The container defaults of profile-guard's stored LimitRange, or undefined when its spec is not
 * exactly one `type: Container` item with only `default` and `defaultRequest` of cpu and memory
 * (someone edited it: the next write restores it).
 */
export function ownDefaultsOf(limitRange: unknown): ContainerDefaults | undefined {
  const limits = asArray(getPath(limitRange, 'spec', 'limits'));
  if (limits.length !== 1) return undefined;
  const item = asRecord(limits[0]);
  if (item?.type !== 'Container') return undefined;
  for (const [key, value] of Object.entries(item)) {
    if (key === 'type' || key === 'default' || key === 'defaultRequest') continue;
    // Typed clients set absent fields to undefined; the API server may store empty maps.
    if (value === undefined || value === null) continue;
    const map = asRecord(value);
    if (map === undefined || Object.keys(map).length > 0) return undefined;
  }
  const defaultRequest = quantitiesOf(item.defaultRequest);
  const limit = quantitiesOf(item.default);
  if (defaultRequest === undefined || limit === undefined) return undefined;
  return { defaultRequest, default: limit };
}

function quantitiesOf(value: unknown): ComputeQuantities | undefined {
  if (value === undefined || value === null) return {};
  const map = asRecord(value);
  if (map === undefined) return undefined;
  const out: { cpu?: string; memory?: string } = {};
  for (const [key, quantity] of Object.entries(map)) {
    if ((key !== 'cpu' && key !== 'memory') || typeof quantity !== 'string') return undefined;
    out[key] = quantity;
  }
  return out;
}

/**
 * The defaults profile-guard's LimitRange should hold, or undefined when there should be none:
 * for each resource the quota demands a request of, `settings.defaultRequest`; for each it
 * demands a limit of, `settings.defaultLimit` (with the request set to the limit when the policy
 * gives no request, as the API server would). A resource that `takenByOthers` (another
 * LimitRange in the namespace defaults it) is left out entirely: two LimitRanges defaulting the
 * same resource apply in no defined order. Undefined when the feature is off or nothing is left.
 */
export function desiredDefaults(
  demands: QuotaDemands,
  settings: LimitRangeSettings,
  takenByOthers: ReadonlySet<ComputeResource>,
): ContainerDefaults | undefined {
  if (!settings.enabled) return undefined;
  const defaultRequest: { cpu?: string; memory?: string } = {};
  const limit: { cpu?: string; memory?: string } = {};
  for (const resource of demands.requests) {
    if (takenByOthers.has(resource)) continue;
    const request = settings.defaultRequest[resource];
    const limitValue = demands.limits.includes(resource)
      ? settings.defaultLimit[resource]
      : undefined;
    if (limitValue !== undefined) limit[resource] = limitValue;
    const effective = request ?? limitValue;
    if (effective !== undefined) defaultRequest[resource] = effective;
  }
  if (Object.keys(defaultRequest).length === 0) return undefined;
  return { defaultRequest, default: limit };
}

/** True when two sets of defaults hold the same resources with equal quantities (`1000m` = `1`). */
export function sameDefaults(a: ContainerDefaults, b: ContainerDefaults): boolean {
  return sameQuantities(a.defaultRequest, b.defaultRequest) && sameQuantities(a.default, b.default);
}

function sameQuantities(a: ComputeQuantities, b: ComputeQuantities): boolean {
  for (const resource of COMPUTE_RESOURCES) {
    const left = a[resource];
    const right = b[resource];
    if (left === undefined || right === undefined) {
      if (left !== right) return false;
      continue;
    }
    const parsedLeft = parseQuantity(left);
    const parsedRight = parseQuantity(right);
    if (parsedLeft === undefined || parsedRight === undefined) {
      if (left !== right) return false;
    } else if (compareQuantities(parsedLeft, parsedRight) !== 0) {
      return false;
    }
  }
  return true;
}

/** The LimitRange profile-guard applies (server-side apply: exactly the fields it owns). */
export interface LimitRangeManifest {
  readonly apiVersion: 'v1';
  readonly kind: 'LimitRange';
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
    /** Set when updating: the apply then only succeeds on the object as last seen. */
    readonly resourceVersion?: string;
  };
  readonly spec: {
    readonly limits: readonly [
      {
        readonly type: 'Container';
        readonly defaultRequest?: ComputeQuantities;
        readonly default?: ComputeQuantities;
      },
    ];
  };
}

/** The manifest of profile-guard's LimitRange in `namespace` holding `defaults`. */
export function limitRangeManifest(
  namespace: string,
  defaults: ContainerDefaults,
  resourceVersion?: string,
): LimitRangeManifest {
  const hasLimits = Object.keys(defaults.default).length > 0;
  return {
    apiVersion: 'v1',
    kind: 'LimitRange',
    metadata: {
      name: LIMIT_RANGE_NAME,
      namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
      ...(resourceVersion === undefined ? {} : { resourceVersion }),
    },
    spec: {
      limits: [
        {
          type: 'Container',
          ...(hasLimits ? { default: { ...defaults.default } } : {}),
          defaultRequest: { ...defaults.defaultRequest },
        },
      ],
    },
  };
}

/** What profile-guard knows about one namespace when it decides about its LimitRange. */
export interface NamespaceFacts {
  /** The namespace, when it exists. A terminating namespace accepts no new objects. */
  readonly namespace: { readonly terminating: boolean } | undefined;
  /** What the Profile of the same name demands, when that Profile exists. */
  readonly demands: QuotaDemands | undefined;
  /** `profiles.limitRange` of the policy that governs that Profile. */
  readonly settings: LimitRangeSettings | undefined;
  /** profile-guard's LimitRange there: its defaults (undefined when edited out of shape). */
  readonly own: { readonly defaults: ContainerDefaults | undefined } | undefined;
  /** A LimitRange named {@link LIMIT_RANGE_NAME} that is not profile-guard's (no label). */
  readonly foreignNamesake: boolean;
  /** Resources that the namespace's other LimitRanges default. */
  readonly takenByOthers: ReadonlySet<ComputeResource>;
}

/** What to do about the LimitRange of one namespace. */
export type LimitRangeAction =
  | { readonly kind: 'none' }
  /** An object of that name is someone else's: never touched. */
  | { readonly kind: 'blocked' }
  | { readonly kind: 'apply'; readonly defaults: ContainerDefaults }
  | { readonly kind: 'delete' };

/**
 * Decides about profile-guard's LimitRange in one namespace: applied when the namespace exists
 * (and is not terminating: then nothing is done), its Profile's quota demands requests, the governing policy has the feature
 * on and some resource is not defaulted by another LimitRange — unless it already holds exactly
 * that; deleted when it exists and should not; never anything when an object of its name is not
 * profile-guard's.
 */
export function planLimitRange(facts: NamespaceFacts): LimitRangeAction {
  if (facts.foreignNamesake) return { kind: 'blocked' };
  // A namespace that is gone or going takes its LimitRanges with it, and accepts no new ones.
  if (facts.namespace === undefined || facts.namespace.terminating) return { kind: 'none' };
  const desired =
    facts.demands === undefined || facts.settings === undefined
      ? undefined
      : desiredDefaults(facts.demands, facts.settings, facts.takenByOthers);
  if (desired === undefined) {
    return facts.own === undefined ? { kind: 'none' } : { kind: 'delete' };
  }
  const current = facts.own?.defaults;
  if (current !== undefined && sameDefaults(current, desired)) return { kind: 'none' };
  return { kind: 'apply', defaults: desired };
}
