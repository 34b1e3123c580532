// The reference admission policies the native policies are measured against (bench/e2e-latency.mjs,
// bench/native-cost.mjs): a hand-written ValidatingAdmissionPolicy, and the cheapest
// MutatingAdmissionPolicy that adds a policy's defaults.

const cel = (list) => `[${list.map((item) => `'${item}'`).join(', ')}]`;

/**
 * A ValidatingAdmissionPolicy named `name`: the stateless Profile name and owner rules of `policy`
 * (profile-name-format, -reserved with its reserved names and prefixes, profile-owner-required,
 * -format) written by hand in CEL, with short messages and no ratcheting, as someone would write
 * them without profile-guard. The admin's group (`system:masters`) is exempt from the
 * non-structural rules, as in the embedded default policy.
 */
export function handWrittenValidatingAdmissionPolicy(policy, name) {
  const reserved = policy.spec.profiles.name.reserved;
  const reservedPrefixes = policy.spec.profiles.name.reservedPrefixes;
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [
          {
            apiGroups: ['kubeflow.org'],
            apiVersions: ['v1', 'v1beta1'],
            operations: ['CREATE', 'UPDATE'],
            resources: ['profiles'],
          },
        ],
      },
      variables: [
        { name: 'name', expression: 'object.metadata.name' },
        {
          name: 'exempt',
          expression:
            "request.userInfo.groups.exists(g, g in ['system:masters', 'system:serviceaccounts:kube-system'])",
        },
        {
          name: 'hasOwner',
          expression:
            "has(object.spec) && has(object.spec.owner) && has(object.spec.owner.name) && object.spec.owner.name != ''",
        },
      ],
      validations: [
        {
          expression:
            "size(variables.name) <= 63 && variables.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",
          messageExpression:
            "'profile-name-format: metadata.name \"' + variables.name + '\" is not a DNS-1123 label'",
        },
        {
          expression: `variables.exempt || !(variables.name in ${cel(reserved)} || ${cel(reservedPrefixes)}.exists(p, variables.name.startsWith(p)))`,
          messageExpression:
            "'profile-name-reserved: metadata.name \"' + variables.name + '\" is reserved'",
        },
        {
          expression: 'variables.hasOwner',
          message: 'profile-owner-required: spec.owner.name is missing or empty',
        },
        {
          expression:
            "variables.exempt || !variables.hasOwner || object.spec.owner.kind != 'User' || (object.spec.owner.name.matches('^[^@\\\\s]+@[^@\\\\s]+\\\\.[^@\\\\s]+$') && (!has(object.spec.owner.apiGroup) || object.spec.owner.apiGroup == 'rbac.authorization.k8s.io') && !has(object.spec.owner.namespace))",
          messageExpression:
            "'profile-owner-format: spec.owner.name \"' + object.spec.owner.name + '\" is not an e-mail address'",
        },
      ],
    },
  };
}

/**
 * A MutatingAdmissionPolicy named `name` that adds the defaults of `policy` (its default quota as a
 * new `spec.resourceQuotaSpec`, its labels into the existing `metadata.labels`, its annotations as
 * a new `metadata.annotations`) by one constant JSON Patch on every Profile CREATE, for Profiles
 * that have a label map and no quota or annotations: it stores what the generated defaults policy
 * stores for them, at the least cost a mutating policy can have.
 */
export function constantDefaultsMutatingPolicy(policy, name) {
  const { labels, annotations, quota } = policy.spec.profiles;
  const add = (path, value) => `JSONPatch{op: 'add', path: ${path}, value: ${value}}`;
  const literal = (value) => `'${value}'`;
  const map = (entries) =>
    `{${Object.entries(entries)
      .map(([key, value]) => `${literal(key)}: ${literal(value)}`)
      .join(', ')}}`;
  const patches = [
    add("'/spec/resourceQuotaSpec'", `{'hard': ${map(quota.defaults)}}`),
    ...Object.entries(labels).map(([key, value]) =>
      add(`'/metadata/labels/' + jsonpatch.escapeKey(${literal(key)})`, literal(value)),
    ),
    ...(Object.keys(annotations).length === 0
      ? []
      : [add("'/metadata/annotations'", map(annotations))]),
  ];
  return profileMutatingPolicy(name, `[${patches.join(', ')}]`, ['CREATE']);
}

/**
 * A MutatingAdmissionPolicy of Profiles (`kubeflow.org` v1 and v1beta1, for `operations`) with one
 * JSON Patch `expression`, failing closed and never re-invoked.
 */
export function profileMutatingPolicy(name, expression, operations) {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingAdmissionPolicy',
    metadata: { name },
    spec: {
      failurePolicy: 'Fail',
      reinvocationPolicy: 'Never',
      matchConstraints: {
        resourceRules: [
          {
            apiGroups: ['kubeflow.org'],
            apiVersions: ['v1', 'v1beta1'],
            operations,
            resources: ['profiles'],
          },
        ],
      },
      mutations: [{ patchType: 'JSONPatch', jsonPatch: { expression } }],
    },
  };
}
