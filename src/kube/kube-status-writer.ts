import {
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import type { PolicyStatus, StatusWriter } from './cluster-policies.js';

/**
 * The client-node {@link StatusWriter}: a JSON merge patch of `{status}` on the ProfilePolicy's
 * `/status` subresource, so the spec (and its generation) is never touched.
 */
export function createKubeStatusWriter(config: KubeConfig): StatusWriter {
  const api = config.makeApiClient(CustomObjectsApi);
  const options = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  return {
    async writeStatus(name: string, status: PolicyStatus): Promise<void> {
      await api.patchClusterCustomObjectStatus(
        {
          group: 'profile-guard.io',
          version: 'v1alpha1',
          plural: 'profilepolicies',
          name,
          body: { status },
          fieldManager: 'profile-guard',
        },
        options,
      );
    },
  };
}
