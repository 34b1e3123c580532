import { randomUUID } from 'node:crypto';

import type { JsonPatchOperation } from '../../admission/json-patch.js';
import type { AdmissionReview } from '../../admission/review.js';
import type { ClusterSnapshot } from '../../policy/cluster-snapshot.js';
import type { Finding } from '../../policy/engine.js';
import type { KubeObject } from '../../policy/kube-object.js';
import type { PolicyProvider } from '../../policy/policy-provider.js';
import { createAdmissionHandlers } from '../../admission/admission-handlers.js';
import { applyJsonPatch } from '../../admission/apply-json-patch.js';
import type { ManifestObject } from './load-manifests.js';
import {
  effectiveNamespace,
  manifestIdentity,
  splitApiVersion,
  stringAt,
} from './object-identity.js';

/** The caller `check` impersonates (a non-exempt user by default). */
export interface CheckCaller {
  readonly username: string;
  readonly groups: readonly string[];
}

/** One finding as `check` reports it. `rule` is null for a refusal that is not a rule's. */
export interface CheckFinding {
  readonly rule: string | null;
  readonly mode: string;
  readonly path: string;
  readonly message: string;
  readonly ratcheted: boolean;
}

/** The outcome for one object. */
export interface CheckResult {
  readonly file: string;
  readonly docIndex: number;
  readonly itemIndex?: number;
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly operation: 'CREATE' | 'UPDATE';
  readonly allowed: boolean;
  readonly decision: 'allowed' | 'denied' | 'warned';
  readonly denials: readonly CheckFinding[];
  readonly warnings: readonly CheckFinding[];
  readonly audits: readonly CheckFinding[];
  /** The JSON Patch `/mutate` answered, or null when it answered none. */
  readonly patch: readonly JsonPatchOperation[] | null;
  /** Mutators that failed (the webhook then leaves the object unpatched). */
  readonly mutationErrors: readonly { readonly id: string; readonly message: string }[];
  /** The object after mutation: what `/validate` judged. */
  readonly mutated: KubeObject;
}

/** What {@link createCheckEvaluator} needs. */
export interface CheckEvaluatorOptions {
  readonly policies: PolicyProvider;
  readonly snapshot: ClusterSnapshot;
  /** Existing objects by {@link manifestIdentity}: a manifest found here is an UPDATE of it. */
  readonly existing: ReadonlyMap<string, KubeObject>;
  readonly caller: CheckCaller;
}

/**
 * Evaluates manifests the way the API server would have the webhook do it: an AdmissionReview
 * (CREATE, or UPDATE when `existing` has the object) goes through the `/mutate` handler, its
 * patch is applied, and the patched object goes through the `/validate` handler. The handlers
 * are the webhook's own (`admission/admission-handlers.ts`); their results are read as they
 * are, the typed patch and the evaluation included, never through the wire encoding.
 */
export function createCheckEvaluator(
  options: CheckEvaluatorOptions,
): (manifest: ManifestObject) => CheckResult {
  const handlers = createAdmissionHandlers({
    policies: options.policies,
    snapshot: () => options.snapshot,
  });

  return (manifest) => {
    const { object } = manifest;
    const oldObject = options.existing.get(manifestIdentity(object));
    const operation = oldObject === undefined ? 'CREATE' : 'UPDATE';
    const name = stringAt(object.metadata?.name);
    const namespace = effectiveNamespace(object);

    const mutation = handlers.mutating.handle(
      review(object, oldObject, operation, name, namespace, options.caller),
    );
    const patch = mutation.patch.length === 0 ? null : mutation.patch;
    const mutated = (patch === null ? object : applyJsonPatch(object, patch)) as KubeObject;

    const validation = handlers.validating.handle(
      review(mutated, oldObject, operation, name, namespace, options.caller),
    );
    const { evaluation } = validation;

    const denials = evaluation?.denials.map(view) ?? [];
    // /mutate refuses a Profile it could not give its defaults (the API server stops there).
    if (!mutation.allowed) {
      denials.unshift({
        rule: null,
        mode: 'Enforce',
        path: '',
        message: mutation.status?.message ?? 'denied by /mutate',
        ratcheted: false,
      });
    }
    if (!validation.allowed && denials.length === 0) {
      denials.push({
        rule: null,
        mode: 'Enforce',
        path: '',
        message: validation.status?.message ?? 'denied',
        ratcheted: false,
      });
    }
    const warnings = evaluation?.warnings.map(view) ?? [];
    const allowed = mutation.allowed && validation.allowed;
    return {
      file: manifest.file,
      docIndex: manifest.docIndex,
      ...(manifest.itemIndex !== undefined ? { itemIndex: manifest.itemIndex } : {}),
      apiVersion: object.apiVersion,
      kind: object.kind,
      name: name === '' ? displayGenerateName(object) : name,
      namespace,
      operation,
      allowed,
      decision: !allowed ? 'denied' : warnings.length > 0 ? 'warned' : 'allowed',
      denials,
      warnings,
      audits: evaluation?.audits.map(view) ?? [],
      patch,
      mutationErrors: mutation.mutation?.errors ?? [],
      mutated,
    };
  };
}

function review(
  object: KubeObject,
  oldObject: KubeObject | undefined,
  operation: 'CREATE' | 'UPDATE',
  name: string,
  namespace: string,
  caller: CheckCaller,
): AdmissionReview {
  const { group, version } = splitApiVersion(stringAt(object.apiVersion));
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: randomUUID(),
      kind: { group, version, kind: stringAt(object.kind) },
      operation,
      name,
      namespace,
      userInfo: { username: caller.username, groups: caller.groups },
      object,
      oldObject,
      dryRun: false,
    },
  };
}

function view(finding: Finding): CheckFinding {
  return {
    rule: finding.ruleId,
    mode: finding.mode,
    path: finding.path,
    message: finding.message,
    ratcheted: finding.ratcheted,
  };
}

function displayGenerateName(object: KubeObject): string {
  const prefix = stringAt(object.metadata?.generateName);
  return prefix === '' ? '' : `${prefix}*`;
}
