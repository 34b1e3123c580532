import {
  CoreV1Api,
  PatchStrategy,
  V1DeleteOptions,
  V1Preconditions,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import type { LimitRangeWriter } from './limit-range-reconciler.js';
import { statusOf } from './watch-source.js';

/** The field manager of profile-guard's server-side applies. */
export const LIMIT_RANGE_FIELD_MANAGER = 'profile-guard';

/**
 * The client-node {@link LimitRangeWriter}: a server-side apply (PATCH with
 * `application/apply-patch+yaml`, field manager `profile-guard`, `force` only when asked) and a
 * DELETE with uid and resourceVersion preconditions. Both address the object by name, which is
 * what lets RBAC restrict patch and delete to `resourceNames: [profile-guard-defaults]`.
 */
export function createKubeLimitRangeWriter(config: KubeConfig): LimitRangeWriter {
  const api = config.makeApiClient(CoreV1Api);
  const apply = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
  return {
    async apply(manifest, force) {
      return api.patchNamespacedLimitRange(
        {
          name: manifest.metadata.name,
          namespace: manifest.metadata.namespace,
          body: manifest,
          fieldManager: LIMIT_RANGE_FIELD_MANAGER,
          force,
        },
        apply,
      );
    },
    async delete(namespace, name, preconditions) {
      try {
        await api.deleteNamespacedLimitRange({
          name,
          namespace,
          body: Object.assign(new V1DeleteOptions(), {
            preconditions: Object.assign(new V1Preconditions(), preconditions),
          }),
        });
      } catch (error) {
        if (statusOf(error) === 404) return;
        throw error;
      }
    },
  };
}
