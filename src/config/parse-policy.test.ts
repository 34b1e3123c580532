import { CONTRACT_DEFAULT_SPEC } from '../policy/test-support/test-policy.js';
import { parsePolicyDocument, type PolicyParseResult } from './parse-policy.js';

const header = { apiVersion: 'profile-guard.io/v1alpha1', kind: 'ProfilePolicy' };

function ok(result: PolicyParseResult) {
  if (!result.ok) throw new Error(`expected a valid policy, got: ${result.errors.join('\n')}`);
  return result.policy;
}
const OWN_LABEL_PROBLEM =
  "is one of profile-guard's own labels (profile-guard.io/…, such as the namespace opt-out profile-guard.io/ignore): copied from a Profile, whose labels its owner writes, it would let her take her namespace out of the namespaced webhooks";
const SELECTOR_KEY_PROBLEM =
  'is a key of spec.profileNamespaces.label, which selects the namespaces whose RoleBindings and AuthorizationPolicies are checked: copied from a Profile, whose labels its owner writes, it would let her take her namespace out of those checks';

function errorsOf(doc: unknown): readonly string[] {
  const result = parsePolicyDocument(doc);
  if (result.ok) throw new Error('expected errors');
  return result.errors;
}

describe('parsePolicyDocument defaults', () => {
  it('fills every contract default into an empty spec', () => {
    expect(ok(parsePolicyDocument({ ...header, spec: {} })).spec).toEqual(CONTRACT_DEFAULT_SPEC);
  });

  it('fills every contract default when spec is absent', () => {
    expect(ok(parsePolicyDocument(header)).spec).toEqual(CONTRACT_DEFAULT_SPEC);
  });

  it('fills nested defaults beside the fields a policy sets', () => {
    const policy = ok(
      parsePolicyDocument({
        ...header,
        spec: {
          profiles: { owner: { kinds: ['User', 'Group'] } },
          bindings: { maxContributors: 5 },
        },
      }),
    );
    expect(policy.spec.profiles.owner).toEqual({
      kinds: ['User', 'Group'],
      emailDomains: [],
      allowTransfer: false,
      maxProfilesPerOwner: 0,
    });
    expect(policy.spec.profiles.quota).toEqual(CONTRACT_DEFAULT_SPEC.profiles.quota);
    expect(policy.spec.bindings).toEqual({ ...CONTRACT_DEFAULT_SPEC.bindings, maxContributors: 5 });
  });

  it('keeps a value the policy sets to empty instead of the default', () => {
    const policy = ok(
      parsePolicyDocument({ ...header, spec: { profileNamespaces: { label: {} } } }),
    );
    expect(policy.spec.profileNamespaces.label).toEqual({});
  });

  it('names the policy from metadata, else "default"; generation from metadata, option, else 1', () => {
    const named = ok(
      parsePolicyDocument({ ...header, metadata: { name: 'team-a', generation: 7 } }),
    );
    expect([named.name, named.generation]).toEqual(['team-a', 7]);
    const fromOption = ok(parsePolicyDocument({ ...header, metadata: {} }, { generation: 3 }));
    expect([fromOption.name, fromOption.generation]).toEqual(['default', 3]);
    const bare = ok(parsePolicyDocument(header));
    expect([bare.name, bare.generation]).toEqual(['default', 1]);
  });

  it('accepts cluster fields: selector, priority, status and extra metadata', () => {
    const policy = ok(
      parsePolicyDocument({
        ...header,
        metadata: { name: 'gpu', uid: 'abc', resourceVersion: '12', labels: { a: 'b' } },
        spec: {
          priority: 10,
          selector: {
            matchLabels: { tier: 'gpu' },
            matchExpressions: [
              { key: 'team', operator: 'In', values: ['a', 'b'] },
              { key: 'legacy', operator: 'DoesNotExist' },
            ],
          },
        },
        status: {
          observedGeneration: 1,
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              lastTransitionTime: '2024-01-01T00:00:00Z',
              reason: 'Accepted',
              message: '',
            },
          ],
        },
      }),
    );
    expect(policy.spec.priority).toBe(10);
    expect(policy.spec.selector).toEqual({
      matchLabels: { tier: 'gpu' },
      matchExpressions: [
        { key: 'team', operator: 'In', values: ['a', 'b'] },
        { key: 'legacy', operator: 'DoesNotExist' },
      ],
    });
    expect(policy).not.toHaveProperty('status');
  });

  it('turns quota numbers into strings', () => {
    const policy = ok(
      parsePolicyDocument({
        ...header,
        spec: { profiles: { quota: { defaults: { cpu: 4, memory: '16Gi' }, max: { cpu: 0.5 } } } },
      }),
    );
    expect(policy.spec.profiles.quota.defaults).toEqual({ cpu: '4', memory: '16Gi' });
    expect(policy.spec.profiles.quota.max).toEqual({ cpu: '0.5' });
  });

  it('deep-freezes the result and leaves the input untouched', () => {
    const input = { ...header, spec: { exemptions: { users: ['root'] } } };
    const policy = ok(parsePolicyDocument(input));
    expect(input).toEqual({ ...header, spec: { exemptions: { users: ['root'] } } });
    expect(Object.isFrozen(policy)).toBe(true);
    expect(Object.isFrozen(policy.spec.exemptions.users)).toBe(true);
    expect(Object.isFrozen(policy.spec.profiles.quota.defaults)).toBe(true);
    expect(() => {
      (policy.spec.exemptions.users as string[]).push('x');
    }).toThrow(/not extensible/);
  });
});

describe('parsePolicyDocument errors', () => {
  it('lists every schema and semantic error at once, each with its dotted field path', () => {
    expect(
      errorsOf({
        apiVersion: 'profile-guard.io/v1',
        kind: 'ProfilePolicy',
        spec: {
          defaultMode: 'Enforced',
          ruleModes: { 'binding-group': 'Off', 'no-such-rule': 'Warn' },
          exemptions: { serviceAccounts: ['kubeflow/pipeline-runner', 'just-a-name'] },
          profiles: {
            name: { pattern: '(user-', reserved: 'kubeflow' },
            owner: { kindz: ['User'], maxProfilesPerOwner: -1, allowTransfer: 'yes' },
            quota: { defaults: { cpu: '4', memory: '16 Gi' }, max: { cpu: 'lots', gpu: true } },
          },
          bindings: { protectedManagers: ['kubeflow:profiles'] },
          authorizationPolicies: {
            userIdHeader: '',
            gatewayPrincipals: ['cluster.local/ns/istio-system/sa/*', 'istio-ingressgateway'],
          },
        },
      }),
    ).toEqual([
      'apiVersion: must be profile-guard.io/v1alpha1',
      'spec.defaultMode: must be one of Enforce, Warn, Audit',
      'spec.ruleModes.no-such-rule: unknown rule id',
      'spec.ruleModes.binding-group: must be one of Enforce, Warn, Audit, Disabled',
      'spec.profiles.name.reserved: must be a list, got a string',
      'spec.profiles.owner.kindz: unknown field',
      'spec.profiles.owner.allowTransfer: must be a boolean, got a string',
      'spec.profiles.owner.maxProfilesPerOwner: must be >= 0',
      'spec.profiles.quota.max.gpu: must be a Kubernetes quantity (a string or a number), got a boolean',
      'spec.authorizationPolicies.userIdHeader: must not be empty',
      'spec.profiles.name.pattern: "(user-" is not a valid regular expression: Unterminated group',
      'spec.profiles.quota.defaults.memory: "16 Gi" is not a Kubernetes quantity',
      'spec.profiles.quota.max.cpu: "lots" is not a Kubernetes quantity',
      'spec.exemptions.serviceAccounts[1]: "just-a-name" must be namespace/name (a ServiceAccount)',
      'spec.bindings.protectedManagers[0]: "kubeflow:profiles" must be namespace/name (a ServiceAccount)',
      'spec.authorizationPolicies.gatewayPrincipals[0]: "cluster.local/ns/istio-system/sa/*" must be a workload principal <trust-domain>/ns/<namespace>/sa/<name>, without wildcards',
      'spec.authorizationPolicies.gatewayPrincipals[1]: "istio-ingressgateway" must be a workload principal <trust-domain>/ns/<namespace>/sa/<name>, without wildcards',
    ]);
  });

  it('names missing header fields and unknown top-level fields', () => {
    expect(errorsOf({ spec: {}, specs: {} })).toEqual([
      'apiVersion: is required',
      'kind: is required',
      'specs: unknown field',
    ]);
  });

  it('refuses a document that is not an object', () => {
    expect(errorsOf('spec: {}')).toEqual(['policy: must be a ProfilePolicy object']);
    expect(errorsOf([header])).toEqual(['policy: must be a ProfilePolicy object']);
    expect(errorsOf(null)).toEqual(['policy: must be a ProfilePolicy object']);
  });

  it('reports null sections as type errors (only absent fields are defaulted)', () => {
    expect(errorsOf({ ...header, spec: { exemptions: null, ruleModes: null } })).toEqual([
      'spec.ruleModes: must be an object, got null',
      'spec.exemptions: must be an object, got null',
    ]);
  });

  it('checks label keys and values, annotation keys, resource names and domains', () => {
    expect(
      errorsOf({
        ...header,
        spec: {
          profileNamespaces: { label: { 'bad key': 'x' } },
          profiles: {
            labels: { team: 'has space', 'example.com/ok': 'fine' },
            annotations: { '-bad': 'any value is fine' },
            namespaceLabels: {
              inject: { 'pod-security.kubernetes.io/enforce': 'restricted' },
              propagate: ['team', 'UPPER/x'],
            },
            quota: {
              max: { 'requests.nvidia.com/gpu': '8', 'not valid': '1' },
              allowedResources: ['cpu', 'a b'],
            },
            owner: { emailDomains: ['example.com', '@example.com'] },
          },
          bindings: { userEmailDomains: ['corp.example.org', 'bad domain'] },
        },
      }),
    ).toEqual([
      'spec.profiles.quota.max["not valid"]: is not a valid resource name',
      'spec.profiles.quota.allowedResources[1]: "a b" is not a valid resource name',
      'spec.profileNamespaces.label["bad key"]: is not a valid label key',
      'spec.profiles.labels.team: "has space" is not a valid label value',
      'spec.profiles.annotations["-bad"]: is not a valid annotation key',
      'spec.profiles.namespaceLabels.propagate[1]: "UPPER/x" is not a valid label key',
      'spec.profiles.owner.emailDomains[1]: "@example.com" is not a domain name',
      'spec.bindings.userEmailDomains[1]: "bad domain" is not a domain name',
    ]);
  });

  it('refuses propagating a label that decides whether the namespaced webhooks see a namespace', () => {
    // A tenant writes her Profile's labels; namespace-labels copies the propagated ones over her
    // Namespace's own. The chart's opt-out label (profile-guard.io/ignore) or a profile-namespace
    // selector key with her value would take her namespace out of the binding and policy checks.
    const propagating = (propagate: unknown[], label?: Record<string, string>) =>
      errorsOf({
        ...header,
        spec: {
          ...(label === undefined ? {} : { profileNamespaces: { label } }),
          profiles: { namespaceLabels: { propagate } },
        },
      });
    expect(
      propagating([
        'team',
        'profile-guard.io/ignore',
        'profile-guard.io/anything',
        'app.kubernetes.io/part-of',
      ]),
    ).toEqual([
      `spec.profiles.namespaceLabels.propagate[1]: "profile-guard.io/ignore" ${OWN_LABEL_PROBLEM}`,
      `spec.profiles.namespaceLabels.propagate[2]: "profile-guard.io/anything" ${OWN_LABEL_PROBLEM}`,
      `spec.profiles.namespaceLabels.propagate[3]: "app.kubernetes.io/part-of" ${SELECTOR_KEY_PROBLEM}`,
    ]);
    // The profile-namespace label read is the policy's own (here another key), not the default's.
    expect(propagating(['app.kubernetes.io/part-of', 'tier'], { tier: 'ml' })).toEqual([
      `spec.profiles.namespaceLabels.propagate[1]: "tier" ${SELECTOR_KEY_PROBLEM}`,
    ]);
    // Look-alikes are other keys: allowed.
    const lookAlikes = parsePolicyDocument({
      ...header,
      spec: {
        profiles: {
          namespaceLabels: {
            propagate: ['example.com/profile-guard.io-ignore', 'profile-guard.iox/ignore'],
          },
        },
      },
    });
    expect(lookAlikes.ok).toBe(true);
  });

  it('refuses negative quota values', () => {
    expect(
      errorsOf({ ...header, spec: { profiles: { quota: { max: { cpu: -1, memory: '-1Gi' } } } } }),
    ).toEqual([
      'spec.profiles.quota.max.cpu: -1 must not be negative',
      'spec.profiles.quota.max.memory: "-1Gi" must not be negative',
    ]);
  });

  it('checks profiles.limitRange: quantities, only cpu and memory, request within the limit', () => {
    expect(
      errorsOf({
        ...header,
        spec: {
          profiles: {
            limitRange: {
              defaultRequest: { cpu: 'lots', memory: '-1Gi' },
              defaultLimit: { 'nvidia.com/gpu': 1 },
            },
          },
        },
      }),
    ).toEqual([
      'spec.profiles.limitRange.defaultLimit["nvidia.com/gpu"]: unknown field',
      'spec.profiles.limitRange.defaultRequest.cpu: "lots" is not a Kubernetes quantity',
      'spec.profiles.limitRange.defaultRequest.memory: "-1Gi" must not be negative',
    ]);
    expect(
      errorsOf({
        ...header,
        spec: {
          profiles: { limitRange: { defaultRequest: { cpu: 2 }, defaultLimit: { cpu: '1500m' } } },
        },
      }),
    ).toEqual([
      "spec.profiles.limitRange.defaultRequest.cpu: 2 exceeds defaultLimit 1500m (a LimitRange's default request must not exceed its default limit)",
    ]);
  });

  it('defaults profiles.limitRange on, and turns its numbers into strings', () => {
    const policy = ok(
      parsePolicyDocument({
        ...header,
        spec: { profiles: { limitRange: { defaultRequest: { cpu: 0.25 } } } },
      }),
    );
    expect(policy.spec.profiles.limitRange).toEqual({
      enabled: true,
      defaultRequest: { cpu: '0.25' },
      defaultLimit: { cpu: '1', memory: '1Gi' },
    });
  });

  it('checks selector operators and their values', () => {
    expect(
      errorsOf({
        ...header,
        spec: {
          selector: {
            matchExpressions: [
              { key: 'a', operator: 'In', values: [] },
              { key: 'b', operator: 'Exists', values: ['x'] },
              { key: 'c', operator: 'Matches' },
              { operator: 'NotIn' },
            ],
          },
          priority: 1.5,
        },
      }),
    ).toEqual([
      'spec.selector.matchExpressions[2].operator: must be one of In, NotIn, Exists, DoesNotExist',
      'spec.selector.matchExpressions[3].key: is required',
      'spec.priority: must be an integer, got a number',
      'spec.selector.matchExpressions[0].values: must be non-empty for operator In',
      'spec.selector.matchExpressions[1].values: must be empty for operator Exists',
      'spec.selector.matchExpressions[3].values: must be non-empty for operator NotIn',
    ]);
  });

  it('refuses a pattern that does not compile', () => {
    expect(
      errorsOf({ ...header, spec: { profiles: { name: { pattern: 'team-.*)|(.*' } } } }),
    ).toEqual([
      'spec.profiles.name.pattern: "team-.*)|(.*" is not a valid regular expression: Unmatched \')\'',
    ]);
  });

  it.each(['(a)\\1', '^(?!kube-)', '(?<=t)eam', '((a{10}){10}){10}'])(
    'refuses the pattern %p, which cannot be matched in linear time',
    (pattern) => {
      expect(errorsOf({ ...header, spec: { profiles: { name: { pattern } } } })).toEqual([
        `spec.profiles.name.pattern: ${JSON.stringify(pattern)} cannot be matched in linear time: backreferences, lookahead, lookbehind and large counted repetitions are not supported (use profiles.name.reservedPrefixes to refuse prefixes)`,
      ]);
    },
  );

  it.each(['^team-', '^team-[a-z0-9-]+$', '[a-z]+-team', '^(a|a)*$'])(
    'accepts the pattern %p',
    (pattern) => {
      const policy = ok(
        parsePolicyDocument({ ...header, spec: { profiles: { name: { pattern } } } }),
      );
      expect(policy.spec.profiles.name.pattern).toBe(pattern);
    },
  );
});
