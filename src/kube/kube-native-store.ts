import {
  CustomObjectsApi,
  PatchStrategy,
  V1DeleteOptions,
  V1Preconditions,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { asString, getPath } from '../policy/object-access.js';
import { NATIVE_FIELD_MANAGER, type NativeKind, type NativeObjectStore } from './native-sync.js';
import { statusOf } from './watch-source.js';

const GROUP = 'admissionregistration.k8s.io';
const VERSION = 'v1';
const PLURALS: Readonly<Record<NativeKind, string>> = {
  ValidatingAdmissionPolicy: 'validatingadmissionpolicies',
  MutatingAdmissionPolicy: 'mutatingadmissionpolicies',
};

/**
 * The client-node {@link NativeObjectStore}, on `admissionregistration.k8s.io/v1` (through the
 * generic custom-objects client: the typed one of this client-node release lacks the v1
 * MutatingAdmissionPolicy). Apply is a PATCH with `application/apply-patch+yaml`, field manager
 * {@link NATIVE_FIELD_MANAGER} and `force`; delete carries uid and resourceVersion
 * preconditions. Both address the object by name, so RBAC can restrict `create` (an apply that
 * creates is authorised as a create of that name), `patch` and `delete` to `resourceNames`.
 */
export function createKubeNativeStore(config: KubeConfig): NativeObjectStore {
  const api = config.makeApiClient(CustomObjectsApi);
  const apply = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
  return {
    async list(kind, selector) {
      const items: unknown[] = [];
      let token: string | undefined;
      do {
        const page: unknown = await api.listClusterCustomObject({
          group: GROUP,
          version: VERSION,
          plural: PLURALS[kind],
          labelSelector: selector,
          limit: 100,
          ...(token === undefined ? {} : { _continue: token }),
        });
        const found = getPath(page, 'items');
        if (Array.isArray(found)) items.push(...(found as unknown[]));
        const next = asString(getPath(page, 'metadata', 'continue'));
        token = next === undefined || next === '' ? undefined : next;
      } while (token !== undefined);
      return items;
    },
    async apply(object) {
      const kind = asString(object.kind) as NativeKind;
      await api.patchClusterCustomObject(
        {
          group: GROUP,
          version: VERSION,
          plural: PLURALS[kind],
          name: asString(getPath(object, 'metadata', 'name')) ?? '',
          body: object,
          fieldManager: NATIVE_FIELD_MANAGER,
          force: true,
        },
        apply,
      );
    },
    async delete(kind, name, preconditions) {
      try {
        await api.deleteClusterCustomObject({
          group: GROUP,
          version: VERSION,
          plural: PLURALS[kind],
          name,
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
