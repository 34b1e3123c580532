import { EMBEDDED_DEFAULT_POLICY_DOCUMENT } from '../../../src/config/default-policy.js';
import type { Manifest } from './manifests.js';

/** The spec of the contract's embedded default policy (its additions; the rest are defaults). */
export interface PolicySpec {
  ruleModes: Record<string, string>;
  exemptions: { groups: string[] };
  profiles: {
    name: { reserved: string[]; reservedPrefixes: string[] };
    quota: { defaults: Record<string, string>; max: Record<string, string> };
    labels: Record<string, string>;
  };
  selector?: { matchLabels: Record<string, string> };
  priority?: number;
}

/**
 * A fresh, mutable copy of the embedded default policy's spec (the very document `serve` embeds).
 * A ProfilePolicy object replaces the embedded default entirely, so a test policy starts from this
 * and changes one thing, to keep every other scenario's expectations (the admin's exemption, ...)
 * intact.
 */
export function embeddedDefaultSpec(): PolicySpec {
  return structuredClone(EMBEDDED_DEFAULT_POLICY_DOCUMENT.spec);
}

/** A cluster ProfilePolicy object. */
export function profilePolicy(name: string, spec: PolicySpec): Manifest {
  return {
    apiVersion: 'profile-guard.io/v1alpha1',
    kind: 'ProfilePolicy',
    metadata: { name },
    spec,
  };
}
