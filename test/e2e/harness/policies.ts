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
 * A fresh copy of the embedded default policy's spec as the contract states it. A ProfilePolicy
 * object replaces the embedded default entirely, so a test policy starts from this and changes
 * one thing, to keep every other scenario's expectations (the admin's exemption, ...) intact.
 */
export function embeddedDefaultSpec(): PolicySpec {
  return {
    ruleModes: { 'profile-owner-lowercase': 'Warn' },
    exemptions: { groups: ['system:masters', 'system:serviceaccounts:kube-system'] },
    profiles: {
      name: {
        reserved: [
          'default',
          'kube-system',
          'kube-public',
          'kube-node-lease',
          'kubeflow',
          'istio-system',
          'cert-manager',
          'auth',
          'knative-serving',
          'knative-eventing',
          'oauth2-proxy',
        ],
        reservedPrefixes: ['kube-', 'istio-', 'openshift-'],
      },
      quota: {
        defaults: {
          cpu: '4',
          memory: '16Gi',
          persistentvolumeclaims: '10',
          'requests.storage': '100Gi',
        },
        max: {
          cpu: '64',
          memory: '512Gi',
          'requests.nvidia.com/gpu': '8',
          persistentvolumeclaims: '100',
          'requests.storage': '10Ti',
        },
      },
      labels: { 'app.kubernetes.io/part-of': 'kubeflow-profile' },
    },
  };
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
