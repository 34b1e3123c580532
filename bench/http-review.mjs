// The AdmissionReview the benchmarks send: a typical Profile CREATE as the API server sends it
// (with the metadata the API server fills in, managedFields included).

/** A Profile CREATE by a non-exempt user, about 1.5 KB of JSON. */
export function profileReview(uid = '4b5f3c1e-7d2a-4f7e-9a55-1c2d3e4f5a6b') {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: 'kubeflow.org', version: 'v1', kind: 'Profile' },
      resource: { group: 'kubeflow.org', version: 'v1', resource: 'profiles' },
      requestKind: { group: 'kubeflow.org', version: 'v1', kind: 'Profile' },
      requestResource: { group: 'kubeflow.org', version: 'v1', resource: 'profiles' },
      name: 'team-analytics',
      operation: 'CREATE',
      userInfo: {
        username: 'alice@example.com',
        uid: 'a6f0e2b4-1111-4222-8333-944455556666',
        groups: ['system:authenticated', 'data-scientists'],
      },
      object: {
        apiVersion: 'kubeflow.org/v1',
        kind: 'Profile',
        metadata: {
          name: 'team-analytics',
          uid: '0f2e4d6c-2222-4333-8444-a55566667777',
          creationTimestamp: '2024-05-01T10:00:00Z',
          labels: { team: 'analytics', 'cost-center': 'cc-1234' },
          annotations: { description: 'Analytics team workspace' },
          managedFields: [
            {
              manager: 'kubectl-client-side-apply',
              operation: 'Update',
              apiVersion: 'kubeflow.org/v1',
              time: '2024-05-01T10:00:00Z',
              fieldsType: 'FieldsV1',
              fieldsV1: {
                'f:metadata': { 'f:labels': { '.': {}, 'f:team': {}, 'f:cost-center': {} } },
                'f:spec': { '.': {}, 'f:owner': {}, 'f:resourceQuotaSpec': {} },
              },
            },
          ],
        },
        spec: {
          owner: { kind: 'User', name: 'alice@example.com' },
          resourceQuotaSpec: { hard: { cpu: '8', memory: '32Gi', 'requests.nvidia.com/gpu': '2' } },
          plugins: [
            {
              kind: 'WorkloadIdentity',
              spec: { gcpServiceAccount: 'analytics@my-project.iam.gserviceaccount.com' },
            },
          ],
        },
      },
      oldObject: null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    },
  };
}
