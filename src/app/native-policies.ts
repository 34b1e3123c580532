import {
  NATIVE_KINDS,
  createNativeSync,
  type NativeDesiredSet,
  type NativeObjectStore,
  type NativeSync,
} from '../kube/native-sync.js';
import { generateNativePolicies } from '../native/generate.js';
import { nativeGoverningPolicy, notShadowedCondition } from '../native/governing.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { PolicySource } from './policy-source.js';

/** `serve --native-policies on|off` and `--native-prefix`. */
export interface NativeMode {
  /** `on`: keep the objects in step with the policy; `off`: delete the set's objects. */
  readonly mode: 'on' | 'off';
  /** Name prefix of the objects, also the value of their set label. */
  readonly prefix: string;
}

/** The default `--native-prefix`: the generator's own, and the chart's default full name. */
export const DEFAULT_NATIVE_PREFIX = 'profile-guard';

const NO_POLICY = { name: '', generation: 0 } as const;

/**
 * The generated objects `serve` keeps: the Profile policies (`<prefix>-profiles-…`, the names the
 * chart binds and its RBAC lists), without bindings. The RoleBinding, ClusterRoleBinding and
 * AuthorizationPolicy policies that `profile-guard native` also prints are left out: the webhook
 * picks a binding's policy by the labels of its namespace's Profile, which no admission policy
 * can read, so with several policies a fixed set could decide a binding under the wrong one.
 */
export function servedNativeObjects<
  T extends { readonly kind?: unknown; readonly metadata?: unknown },
>(objects: readonly T[], prefix: string): T[] {
  return objects.filter((object) => {
    if (!(NATIVE_KINDS as readonly unknown[]).includes(object.kind)) return false;
    const name = (object.metadata as { readonly name?: unknown } | undefined)?.name;
    return typeof name === 'string' && name.startsWith(`${prefix}-profiles-`);
  });
}

/**
 * The native policies that should exist for `source`: undefined until it knows its policies;
 * none when off; else the Profile ValidatingAdmissionPolicies and MutatingAdmissionPolicy
 * generated from the policy that governs the Profiles no label selector picks
 * (`nativeGoverningPolicy`), with a match condition leaving out the Profiles a higher-ranked
 * selector policy governs ({@link servedNativeObjects}). Bindings are not among them: they are
 * installed with profile-guard (the chart), not written by it.
 */
export function nativeDesiredSet(
  source: PolicySource,
  native: NativeMode,
): NativeDesiredSet | undefined {
  if (native.mode === 'off') return { policy: NO_POLICY, objects: [] };
  if (!source.loaded()) return undefined;
  const governing = nativeGoverningPolicy(source.inForce());
  const { policy } = governing;
  const condition = notShadowedCondition(governing);
  const generated = generateNativePolicies(policy, {
    namePrefix: native.prefix,
    ...(condition === undefined ? {} : { matchConditions: [condition] }),
  });
  return {
    policy: { name: policy.name, generation: policy.generation },
    objects: servedNativeObjects(generated.objects, native.prefix),
  };
}

/** Options of {@link startNativeSync}. */
export interface NativeSyncStartOptions {
  readonly native: NativeMode;
  readonly store: NativeObjectStore;
  readonly source: PolicySource;
  readonly logger: Logger;
  readonly metrics: Pick<Metrics, 'nativeSyncPassed' | 'nativeWritten'>;
  readonly version: string;
}

/** Starts the sync of the native policies: a pass now, on every policy change, and periodically. */
export function startNativeSync(options: NativeSyncStartOptions): NativeSync {
  const { native, source, logger, metrics } = options;
  const sync = createNativeSync({
    store: options.store,
    logger,
    set: native.prefix,
    version: options.version,
    desired: () => nativeDesiredSet(source, native),
    onPass: (result) => {
      metrics.nativeSyncPassed(result);
    },
    onWrite: (operation, ok) => {
      metrics.nativeWritten(operation, ok);
    },
  });
  source.subscribe(() => {
    sync.trigger();
  });
  sync.start();
  logger.info(
    { mode: native.mode, prefix: native.prefix },
    native.mode === 'on'
      ? 'native admission policies: kept in step with the policy'
      : 'native admission policies: off, removing the set',
  );
  return sync;
}
