import { randomUUID } from 'node:crypto';
import type { RequestListener } from 'node:http';
import request from 'supertest';
import { applyJsonPatch } from '../../src/admission/apply-json-patch.js';
import type { JsonPatchOperation } from '../../src/admission/json-patch.js';
import type { KubeObject } from '../../src/policy/kube-object.js';
import { SnapshotIndex } from '../../src/policy/snapshot-index.js';
import { apiServerDefaults } from '../../src/policy/test-support/kubeflow-upstream.js';
import type { UserInfo } from '../../src/policy/request.js';
import {
  KUBEFLOW_ACTORS,
  type KubeflowActor,
  type KubeflowWrite,
  type ObjectRef,
  type StoredObjectReader,
} from '../../src/policy/test-support/kubeflow-writes.js';

/** What the webhook answered for one write, and whether the simulated API server admitted it. */
export interface WriteOutcome {
  readonly write: KubeflowWrite;
  /** Both webhooks allowed it. */
  readonly allowed: boolean;
  /** `/validate`'s denial message, or `/mutate`'s when it denied. */
  readonly message: string | undefined;
  readonly warnings: readonly string[];
  /** The JSON patch `/mutate` answered (empty when none). */
  readonly patch: readonly unknown[];
}

/** The resources whose custom resource definition has a status subresource. */
const STATUS_SUBRESOURCE = new Set(['kubeflow.org/Profile']);

function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';
}

function versionOf(apiVersion: string): string {
  return apiVersion.includes('/') ? (apiVersion.split('/')[1] ?? '') : apiVersion;
}

function keyOf(ref: ObjectRef): string {
  return `${groupOf(ref.apiVersion)}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

function metadataOf(object: KubeObject): Record<string, unknown> {
  return object.metadata ?? {};
}

/**
 * An API server reduced to what admission sees: it keeps objects in memory, applies its own
 * defaulting ({@link apiServerDefaults}), sends every write to the webhook's `/mutate` and then
 * `/validate` as a real one would (AdmissionReview v1, the writer's identity, the stored object as
 * `oldObject`), applies the patch, honours finalizers and the Profile's status subresource, and
 * keeps a {@link SnapshotIndex} of what it stores for the webhook's cluster lookups.
 *
 * Unlike a real API server, a write the webhook denies is stored anyway (and reported as denied),
 * so that every later write of a sequence is judged as it would be once the earlier one passes.
 */
export class SimulatedApiServer {
  /** The cluster state the webhook reads; pass `() => server.snapshot` as its snapshot. */
  readonly snapshot = SnapshotIndex.fromObjects([]);
  readonly #objects = new Map<string, KubeObject>();
  readonly #webhook: RequestListener;
  readonly #identities: Readonly<Record<KubeflowActor, UserInfo>>;
  #resourceVersion = 1;

  /** `identities` replaces the identity of some actors (e.g. another authentication setup). */
  constructor(
    webhook: RequestListener,
    identities: Partial<Readonly<Record<KubeflowActor, UserInfo>>> = {},
  ) {
    this.#webhook = webhook;
    this.#identities = { ...KUBEFLOW_ACTORS, ...identities };
  }

  /** The stored object as `ref`'s version presents it (every version shares one schema here). */
  readonly read: StoredObjectReader = (ref) => {
    const stored = this.#objects.get(keyOf(ref));
    if (stored === undefined) return undefined;
    return { ...structuredClone(stored), apiVersion: ref.apiVersion };
  };

  /** Sends `write` through the webhook and stores its result. */
  async apply(write: KubeflowWrite): Promise<WriteOutcome> {
    const stored = this.read(write.ref);
    switch (write.verb) {
      case 'create': {
        if (stored !== undefined) throw new Error(`${write.label}: already exists`);
        const object = apiServerDefaults(
          { apiVersion: write.ref.apiVersion, kind: write.ref.kind, ...write.body(this.read) },
          write.ref.namespace,
        );
        // The strategy's PrepareForCreate runs between the mutating and validating webhooks: a
        // status subresource drops status, a Namespace gets its `kubernetes` finalizer.
        const outcome = await this.#admit(write, 'CREATE', object, undefined, (mutated) => {
          const prepared = { ...mutated };
          if (STATUS_SUBRESOURCE.has(`${groupOf(write.ref.apiVersion)}/${write.ref.kind}`)) {
            delete prepared.status;
          }
          if (write.ref.kind === 'Namespace' && groupOf(write.ref.apiVersion) === '') {
            prepared.spec = {
              ...(prepared.spec as object | undefined),
              finalizers: ['kubernetes'],
            };
          }
          return prepared;
        });
        const created = outcome.object;
        this.#store(write.ref, {
          ...created,
          metadata: {
            ...metadataOf(created),
            uid: randomUUID(),
            creationTimestamp: '2026-01-01T00:00:00Z',
            generation: 1,
          },
        });
        return outcome.result;
      }
      case 'update': {
        if (stored === undefined) throw new Error(`${write.label}: not found`);
        const object = apiServerDefaults(write.change(structuredClone(stored), this.read));
        const outcome = await this.#admit(write, 'UPDATE', object, stored, (mutated) => {
          // A status subresource makes the main resource ignore status changes (the strategy's
          // PrepareForUpdate runs between the mutating and validating webhooks).
          if (STATUS_SUBRESOURCE.has(`${groupOf(write.ref.apiVersion)}/${write.ref.kind}`)) {
            const result = { ...mutated };
            if (stored.status === undefined) delete result.status;
            else result.status = stored.status;
            return result;
          }
          return mutated;
        });
        const updated = outcome.object;
        const metadata = metadataOf(updated);
        const finalizers = Array.isArray(metadata.finalizers) ? metadata.finalizers : [];
        if (metadata.deletionTimestamp !== undefined && finalizers.length === 0) {
          this.#remove(write.ref, stored);
        } else {
          this.#store(write.ref, updated);
        }
        return outcome.result;
      }
      case 'delete': {
        if (stored === undefined) throw new Error(`${write.label}: not found`);
        const outcome = await this.#admit(write, 'DELETE', undefined, stored);
        const metadata = metadataOf(stored);
        const finalizers = Array.isArray(metadata.finalizers) ? metadata.finalizers : [];
        if (finalizers.length > 0) {
          this.#store(write.ref, {
            ...stored,
            metadata: { ...metadata, deletionTimestamp: '2026-01-01T01:00:00Z' },
          });
        } else {
          this.#remove(write.ref, stored);
        }
        return outcome.result;
      }
    }
  }

  #store(ref: ObjectRef, object: KubeObject): void {
    const stored: KubeObject = {
      ...object,
      metadata: { ...metadataOf(object), resourceVersion: String(++this.#resourceVersion) },
    };
    this.#objects.set(keyOf(ref), stored);
    this.snapshot.upsert(stored);
  }

  #remove(ref: ObjectRef, stored: KubeObject): void {
    this.#objects.delete(keyOf(ref));
    this.snapshot.remove(stored);
  }

  async #admit(
    write: KubeflowWrite,
    operation: 'CREATE' | 'UPDATE' | 'DELETE',
    object: KubeObject | undefined,
    oldObject: KubeObject | undefined,
    beforeValidation: (mutated: KubeObject) => KubeObject = (mutated) => mutated,
  ): Promise<{ result: WriteOutcome; object: KubeObject }> {
    const mutation = await this.#review('/mutate', write, operation, object, oldObject);
    const patch =
      typeof mutation.patch === 'string'
        ? (JSON.parse(
            Buffer.from(mutation.patch, 'base64').toString('utf8'),
          ) as JsonPatchOperation[])
        : [];
    const mutated =
      object === undefined
        ? undefined
        : beforeValidation(applyJsonPatch(object, patch) as KubeObject);
    const validation = await this.#review('/validate', write, operation, mutated, oldObject);
    const denial = [mutation, validation].find((response) => response.allowed !== true);
    return {
      object: mutated ?? {},
      result: {
        write,
        allowed: denial === undefined,
        message: denial?.status?.message,
        warnings: [...(mutation.warnings ?? []), ...(validation.warnings ?? [])],
        patch,
      },
    };
  }

  async #review(
    path: '/mutate' | '/validate',
    write: KubeflowWrite,
    operation: string,
    object: KubeObject | undefined,
    oldObject: KubeObject | undefined,
  ): Promise<ReviewResponse> {
    const { ref } = write;
    const user = this.#identities[write.actor];
    const gvk = {
      group: groupOf(ref.apiVersion),
      version: versionOf(ref.apiVersion),
      kind: ref.kind,
    };
    const resource = { group: gvk.group, version: gvk.version, resource: ref.resource };
    const uid = randomUUID();
    const res = await request(this.#webhook)
      .post(path)
      .send({
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        request: {
          uid,
          kind: gvk,
          resource,
          requestKind: gvk,
          requestResource: resource,
          name: ref.name,
          ...(ref.namespace === undefined ? {} : { namespace: ref.namespace }),
          operation,
          userInfo: { username: user.username, uid: randomUUID(), groups: [...user.groups] },
          object: object ?? null,
          oldObject: oldObject ?? null,
          dryRun: false,
          options: {
            apiVersion: 'meta.k8s.io/v1',
            kind: `${operation.charAt(0)}${operation.slice(1).toLowerCase()}Options`,
          },
        },
      });
    const body = res.body as { response?: ReviewResponse & { uid?: string } };
    if (res.status !== 200 || body.response?.uid !== uid) {
      throw new Error(`${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    }
    return body.response;
  }
}

interface ReviewResponse {
  readonly allowed?: boolean;
  readonly status?: { readonly message?: string };
  readonly warnings?: readonly string[];
  readonly patch?: string;
}
