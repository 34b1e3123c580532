import type { Policy } from '../policy/policy-spec.js';
import { deepFreeze } from './deep-freeze.js';
import { parsePolicyDocument } from './parse-policy.js';

/**
 * The embedded default policy as a document: the contract's defaults (supplied by the schema)
 * plus its additions. Exempts cluster admins and kube-controller-manager's controllers (the
 * namespace controller and garbage collector delete everything in a deleted profile's namespace):
 * as kube-system ServiceAccounts (--use-service-account-credentials, kubeadm's default) or, without
 * that flag, as the plain user system:kube-controller-manager.
 */
export const EMBEDDED_DEFAULT_POLICY_DOCUMENT = deepFreeze({
  apiVersion: 'profile-guard.io/v1alpha1',
  kind: 'ProfilePolicy',
  metadata: { name: 'default' },
  spec: {
    ruleModes: { 'profile-owner-lowercase': 'Warn' },
    exemptions: {
      users: ['system:kube-controller-manager'],
      groups: ['system:masters', 'system:serviceaccounts:kube-system'],
    },
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
  },
});

function build(): Policy {
  const result = parsePolicyDocument(EMBEDDED_DEFAULT_POLICY_DOCUMENT);
  if (!result.ok) {
    throw new Error(`the embedded default policy is invalid: ${result.errors.join('; ')}`);
  }
  return result.policy;
}

/**
 * The policy that governs when no `--policy` file is given and no ProfilePolicy object exists:
 * the contract's defaults plus the additions above, deep-frozen, named `default`, generation 1.
 */
export const EMBEDDED_DEFAULT_POLICY: Policy = build();
