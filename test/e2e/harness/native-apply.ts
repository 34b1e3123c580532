import { expect } from '@jest/globals';

import type { KubeObject } from '../../../src/policy/kube-object.js';
import type { ApiAnswer, ApiClient, Caller } from './api-client.js';
import { eventually } from './eventually.js';

/** The API group of admission policies and webhook configurations. */
export const ADMISSION = '/apis/admissionregistration.k8s.io/v1';

/** The collection of each kind `generateNativePolicies` makes. */
export const NATIVE_KINDS: Readonly<Record<string, string>> = {
  ValidatingAdmissionPolicy: 'validatingadmissionpolicies',
  ValidatingAdmissionPolicyBinding: 'validatingadmissionpolicybindings',
  MutatingAdmissionPolicy: 'mutatingadmissionpolicies',
  MutatingAdmissionPolicyBinding: 'mutatingadmissionpolicybindings',
};

/** The answer, or an error naming `what` when the API server refused. */
export async function ok(answer: Promise<ApiAnswer>, what: string): Promise<ApiAnswer> {
  const result = await answer;
  if (result.status >= 300) throw new Error(`${what}: ${result.status} ${result.body}`);
  return result;
}

/** Creates or replaces the cluster-scoped `object` at `collection/<name>`, as the admin. */
export async function putObject(
  api: ApiClient,
  collection: string,
  object: KubeObject,
): Promise<void> {
  const name = String(object.metadata?.name);
  const current = await api.call('GET', `${collection}/${name}`);
  if (current.status === 404) {
    await ok(api.call('POST', collection, { body: object }), `create ${name}`);
    return;
  }
  const resourceVersion = (JSON.parse(current.body) as KubeObject).metadata?.resourceVersion;
  await ok(
    api.call('PUT', `${collection}/${name}`, {
      body: { ...object, metadata: { ...object.metadata, resourceVersion } },
    }),
    `replace ${name}`,
  );
}

/** Deletes the generated objects (label managed-by=profile-guard) not in `keep` (`kind/name`). */
export async function pruneNativePolicies(
  api: ApiClient,
  keep: ReadonlySet<string> = new Set(),
): Promise<void> {
  for (const [kind, plural] of Object.entries(NATIVE_KINDS)) {
    const list = await ok(
      api.call(
        'GET',
        `${ADMISSION}/${plural}?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dprofile-guard`,
      ),
      `list ${plural}`,
    );
    for (const item of (JSON.parse(list.body) as { items: KubeObject[] }).items) {
      const name = String(item.metadata?.name);
      if (!keep.has(`${kind}/${name}`)) await api.call('DELETE', `${ADMISSION}/${plural}/${name}`);
    }
  }
}

/** How {@link applyNativePolicies} knows the API server enforces what it applied. */
export interface NativeProbe {
  /** Name of the probe policy, its binding and the Profile sent to it. */
  readonly name: string;
  /** A text only this application's probe warns with. */
  readonly marker: string;
  /** Who sends the probe Profile (a dry run); default the admin. */
  readonly caller?: Caller;
  /** CEL the probe's match condition adds (e.g. the caller's group); default none. */
  readonly condition?: string;
}

/**
 * Applies `objects` (generated native policies, in their order), removes the other generated
 * objects, and resolves once the API server enforces them: a probe policy applied after them
 * warns with `probe.marker` on a dry-run Profile, and then two of the API server's 1 s policy
 * refreshes pass. The probe stays until {@link removeProbe}.
 */
export async function applyNativePolicies(
  api: ApiClient,
  objects: readonly KubeObject[],
  probe: NativeProbe,
): Promise<void> {
  await Promise.all(
    objects.map((object) => {
      const plural = NATIVE_KINDS[String(object.kind)];
      if (plural === undefined) throw new Error(`unexpected kind ${String(object.kind)}`);
      return putObject(api, `${ADMISSION}/${plural}`, object);
    }),
  );
  await pruneNativePolicies(
    api,
    new Set(objects.map((o) => `${String(o.kind)}/${String(o.metadata?.name)}`)),
  );
  const match = `object.metadata.name == '${probe.name}'`;
  await putObject(api, `${ADMISSION}/validatingadmissionpolicies`, {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: probe.name },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [
          {
            apiGroups: ['kubeflow.org'],
            apiVersions: ['*'],
            operations: ['CREATE'],
            resources: ['profiles'],
          },
        ],
      },
      matchConditions: [
        {
          name: 'probe',
          expression: probe.condition === undefined ? match : `${probe.condition} && ${match}`,
        },
      ],
      validations: [{ expression: 'false', message: probe.marker }],
    },
  });
  await putObject(api, `${ADMISSION}/validatingadmissionpolicybindings`, {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: probe.name },
    spec: { policyName: probe.name, validationActions: ['Warn'] },
  });
  await eventually(
    async () => {
      const answer = await api.call('POST', '/apis/kubeflow.org/v1/profiles?dryRun=All', {
        body: {
          apiVersion: 'kubeflow.org/v1',
          kind: 'Profile',
          metadata: { name: probe.name },
          spec: { owner: { kind: 'User', name: 'alice@example.com' } },
        },
        ...(probe.caller === undefined ? {} : { caller: probe.caller }),
      });
      expect(answer.warnings.join('\n')).toContain(probe.marker);
    },
    { timeoutMs: 30000 },
  );
  await new Promise((resolve) => setTimeout(resolve, 2000));
}

/** Removes the probe policy of {@link applyNativePolicies}. */
export async function removeProbe(api: ApiClient, name: string): Promise<void> {
  await api.call('DELETE', `${ADMISSION}/validatingadmissionpolicybindings/${name}`);
  await api.call('DELETE', `${ADMISSION}/validatingadmissionpolicies/${name}`);
}
