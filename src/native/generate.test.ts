import type { KubeObject } from '../policy/kube-object.js';
import { RULES } from '../policy/catalog.js';
import { RULE_IDS } from '../policy/rule-ids.js';
import { CONTRACT_DEFAULT_SPEC, testPolicy } from '../policy/test-support/test-policy.js';
import { generateNativePolicies, type NativePolicies } from './generate.js';
import { NATIVE_RULES } from './native-catalog.js';

interface PolicyShape {
  spec: {
    failurePolicy: string;
    matchConstraints: { resourceRules: { operations: string[]; resources: string[] }[] };
    matchConditions?: { name: string; expression: string }[];
    variables: { name: string; expression: string }[];
    validations: { expression: string; messageExpression: string; reason: string }[];
    mutations?: { patchType: string; jsonPatch: { expression: string } }[];
  };
}

const byName = (generated: NativePolicies, kind: string, name: string) =>
  generated.objects.find(
    (object: KubeObject) =>
      object.kind === kind && (object.metadata as { name: string }).name === name,
  ) as (KubeObject & PolicyShape) | undefined;

const names = (generated: NativePolicies) =>
  generated.objects.map((object) => `${String(object.kind)}/${String(object.metadata?.name)}`);

const variable = (policy: PolicyShape | undefined, name: string) =>
  policy?.spec.variables.find((entry) => entry.name === name)?.expression;

describe('generateNativePolicies: shape', () => {
  const generated = generateNativePolicies(testPolicy());

  it('makes one policy per mode, the ratcheting warnings, the defaults mutation and their bindings', () => {
    expect(names(generated)).toEqual([
      'ValidatingAdmissionPolicy/profile-guard-profiles-enforce',
      'ValidatingAdmissionPolicyBinding/profile-guard-profiles-enforce',
      'ValidatingAdmissionPolicy/profile-guard-profiles-ratcheted',
      'ValidatingAdmissionPolicyBinding/profile-guard-profiles-ratcheted',
      'ValidatingAdmissionPolicy/profile-guard-profiles-warn',
      'ValidatingAdmissionPolicyBinding/profile-guard-profiles-warn',
      'ValidatingAdmissionPolicy/profile-guard-rolebindings-enforce',
      'ValidatingAdmissionPolicyBinding/profile-guard-rolebindings-enforce',
      'ValidatingAdmissionPolicy/profile-guard-rolebindings-ratcheted',
      'ValidatingAdmissionPolicyBinding/profile-guard-rolebindings-ratcheted',
      'ValidatingAdmissionPolicy/profile-guard-clusterrolebindings-enforce',
      'ValidatingAdmissionPolicyBinding/profile-guard-clusterrolebindings-enforce',
      'ValidatingAdmissionPolicy/profile-guard-clusterrolebindings-ratcheted',
      'ValidatingAdmissionPolicyBinding/profile-guard-clusterrolebindings-ratcheted',
      'ValidatingAdmissionPolicy/profile-guard-authorizationpolicies-enforce',
      'ValidatingAdmissionPolicyBinding/profile-guard-authorizationpolicies-enforce',
      'MutatingAdmissionPolicy/profile-guard-profiles-defaults',
      'MutatingAdmissionPolicyBinding/profile-guard-profiles-defaults',
    ]);
    for (const object of generated.objects) {
      expect(object.apiVersion).toBe('admissionregistration.k8s.io/v1');
      expect(object.metadata).toMatchObject({
        labels: { 'app.kubernetes.io/managed-by': 'profile-guard' },
        annotations: {
          'profile-guard.io/policy': 'test',
          'profile-guard.io/policy-generation': '1',
        },
      });
    }
  });

  it('binds each mode with its action: Enforce -> Deny, Warn -> Warn; ratcheted violations warn', () => {
    const actions = Object.fromEntries(
      generated.objects
        .filter((object) => object.kind === 'ValidatingAdmissionPolicyBinding')
        .map((object) => [
          (object.metadata as { name: string }).name,
          (object.spec as { validationActions: string[] }).validationActions,
        ]),
    );
    expect(actions).toEqual({
      'profile-guard-profiles-enforce': ['Deny'],
      'profile-guard-profiles-ratcheted': ['Warn'],
      'profile-guard-profiles-warn': ['Warn'],
      'profile-guard-rolebindings-enforce': ['Deny'],
      'profile-guard-rolebindings-ratcheted': ['Warn'],
      'profile-guard-clusterrolebindings-enforce': ['Deny'],
      'profile-guard-clusterrolebindings-ratcheted': ['Warn'],
      'profile-guard-authorizationpolicies-enforce': ['Deny'],
    });
  });

  it('fails closed, matches Profile writes, and denies with 403 and one message of every violation', () => {
    const enforce = byName(
      generated,
      'ValidatingAdmissionPolicy',
      'profile-guard-profiles-enforce',
    );
    expect(enforce?.spec.failurePolicy).toBe('Fail');
    expect(enforce?.spec.matchConstraints.resourceRules).toEqual([
      {
        apiGroups: ['kubeflow.org'],
        apiVersions: ['v1', 'v1beta1'],
        operations: ['CREATE', 'UPDATE'],
        resources: ['profiles'],
        scope: 'Cluster',
      },
    ]);
    expect(enforce?.spec.validations).toEqual([
      expect.objectContaining({
        expression: 'size(variables.denied) == 0',
        reason: 'Forbidden',
      }),
    ]);
    expect(enforce?.spec.validations[0]?.messageExpression).toContain(
      "variables.denied.map(x, string(x.m)).join('; ')",
    );
  });

  it('judges ratcheted violations on UPDATE only', () => {
    const ratcheted = byName(
      generated,
      'ValidatingAdmissionPolicy',
      'profile-guard-profiles-ratcheted',
    );
    expect(ratcheted?.spec.matchConstraints.resourceRules[0]?.operations).toEqual(['UPDATE']);
  });

  it('reports every rule of the catalog, in catalog order', () => {
    expect(generated.rules.map((rule) => rule.id)).toEqual(RULES.map((rule) => rule.id));
  });

  it('places every catalog rule: translated to CEL, or left to the webhook with a reason', () => {
    expect(Object.keys(NATIVE_RULES).sort()).toEqual([...RULE_IDS].sort());
    for (const id of RULE_IDS) {
      const translation = NATIVE_RULES[id];
      if ('webhookOnly' in translation) expect(translation.webhookOnly.length).toBeGreaterThan(20);
    }
  });

  it('adds the options: a name prefix, labels and match conditions', () => {
    const custom = generateNativePolicies(testPolicy(), {
      namePrefix: 'pg-team',
      labels: { team: 'ml' },
      matchConditions: [{ name: 'not-self', expression: "request.userInfo.username != 'x'" }],
    });
    expect(names(custom)[0]).toBe('ValidatingAdmissionPolicy/pg-team-profiles-enforce');
    const enforce = byName(custom, 'ValidatingAdmissionPolicy', 'pg-team-profiles-enforce');
    expect(enforce?.metadata).toMatchObject({
      labels: { 'app.kubernetes.io/managed-by': 'profile-guard', team: 'ml' },
    });
    expect(enforce?.spec.matchConditions).toEqual([
      { name: 'not-self', expression: "request.userInfo.username != 'x'" },
    ]);
    // The mutation: the options' conditions first, then its own (a default is missing).
    expect(
      byName(custom, 'MutatingAdmissionPolicy', 'pg-team-profiles-defaults')?.spec.matchConditions,
    ).toEqual([
      { name: 'not-self', expression: "request.userInfo.username != 'x'" },
      { name: 'profile-defaults-missing', expression: expect.any(String) as unknown },
    ]);
  });
});

describe('generateNativePolicies: modes', () => {
  it('puts each rule in the policy of its mode; Disabled rules are absent', () => {
    const generated = generateNativePolicies(
      testPolicy({
        ruleModes: {
          'profile-owner-lowercase': 'Audit',
          'profile-plugin': 'Warn',
          'profile-quota-max': 'Disabled',
        },
      }),
    );
    const status = (id: string) => generated.rules.find((rule) => rule.id === id);
    expect(status('profile-owner-lowercase')).toEqual({
      id: 'profile-owner-lowercase',
      native: true,
      mode: 'Audit',
      policyNames: ['profile-guard-profiles-audit'],
    });
    expect(status('profile-quota-max')).toEqual({
      id: 'profile-quota-max',
      native: true,
      mode: 'Disabled',
    });
    const warn = byName(generated, 'ValidatingAdmissionPolicy', 'profile-guard-profiles-warn');
    expect(warn?.spec.validations.map((entry) => entry.expression)).toEqual([
      'size(variables.profile_plugin) == 0',
    ]);
    const audit = byName(generated, 'ValidatingAdmissionPolicy', 'profile-guard-profiles-audit');
    expect(audit?.spec.validations.map((entry) => entry.expression)).toEqual([
      'size(variables.profile_owner_lowercase) == 0',
    ]);
    const enforce = byName(
      generated,
      'ValidatingAdmissionPolicy',
      'profile-guard-profiles-enforce',
    );
    const variables = enforce?.spec.variables.map((entry) => entry.name) ?? [];
    expect(variables).not.toContain('profile_quota_max');
    expect(variables).not.toContain('profile_plugin');
    const bindings = generated.objects.filter(
      (object) => object.kind === 'ValidatingAdmissionPolicyBinding',
    );
    expect(
      bindings.map((object) => (object.spec as { validationActions: string[] }).validationActions),
    ).toEqual([
      ['Deny'],
      ['Warn'],
      ['Warn'],
      ['Audit'],
      ['Deny'],
      ['Warn'],
      ['Deny'],
      ['Warn'],
      ['Deny'],
    ]);
  });

  it('makes no Enforce policy when every rule warns', () => {
    const generated = generateNativePolicies(testPolicy({ defaultMode: 'Warn' }));
    expect(names(generated).filter((name) => name.includes('enforce'))).toEqual([]);
    expect(names(generated).filter((name) => name.includes('ratcheted'))).toEqual([]);
  });

  it('leaves out a rule with nothing to check under the policy, and the mutation without defaults', () => {
    const generated = generateNativePolicies(testPolicy({}, CONTRACT_DEFAULT_SPEC));
    const enforce = byName(
      generated,
      'ValidatingAdmissionPolicy',
      'profile-guard-profiles-enforce',
    );
    const variables = enforce?.spec.variables.map((entry) => entry.name) ?? [];
    expect(variables).not.toContain('profile_name_reserved');
    expect(variables).not.toContain('profile_quota_max');
    expect(variables).toContain('profile_name_format');
    expect(names(generated).some((name) => name.startsWith('MutatingAdmissionPolicy'))).toBe(false);
  });
});

describe('generateNativePolicies: exemptions and structural rules', () => {
  const generated = generateNativePolicies(
    testPolicy({
      exemptions: {
        users: ['ops@example.com'],
        groups: ['system:masters'],
        serviceAccounts: ['kubeflow/pipeline-runner'],
      },
    }),
  );
  const enforce = byName(generated, 'ValidatingAdmissionPolicy', 'profile-guard-profiles-enforce');

  it('exempts users, ServiceAccounts (as their user names) and groups', () => {
    expect(variable(enforce, 'exempt')).toBe(
      "request.userInfo.username in ['ops@example.com', 'system:serviceaccount:kubeflow:pipeline-runner'] || " +
        "request.userInfo.?groups.orValue([]).exists(g, g in ['system:masters'])",
    );
  });

  it('skips non-structural rules for exempt callers and enforces structural rules for everyone', () => {
    for (const rule of RULES) {
      const expression = variable(enforce, rule.id.replace(/-/g, '_'));
      if (expression === undefined) continue;
      const gated =
        expression.startsWith('(variables.exempt ? [] :') ||
        expression.includes('? (variables.exempt ? [] :');
      expect([rule.id, gated]).toEqual([rule.id, !rule.structural]);
    }
  });

  it('judges profile-owner-immutable on UPDATE only', () => {
    expect(variable(enforce, 'profile_owner_immutable')).toMatch(
      /^\(request\.operation == 'UPDATE' \? \(variables\.exempt \? \[\] :/,
    );
  });

  it('needs no exempt variable when the policy exempts nobody', () => {
    const none = generateNativePolicies(testPolicy({}, CONTRACT_DEFAULT_SPEC));
    const policy = byName(none, 'ValidatingAdmissionPolicy', 'profile-guard-profiles-enforce');
    expect(variable(policy, 'exempt')).toBeUndefined();
    expect(JSON.stringify(policy)).not.toContain('variables.exempt');
  });
});

describe('generateNativePolicies: policy values inside CEL', () => {
  it('escapes quotes and backslashes, so a value cannot break or extend an expression', () => {
    const nasty = "x') || true || ('\\";
    const generated = generateNativePolicies(
      testPolicy({
        profiles: {
          name: { reserved: [nasty], reservedPrefixes: [] },
          labels: { 'example.com/team': nasty },
        },
        exemptions: { users: [nasty], groups: [], serviceAccounts: [] },
      }),
    );
    const text = JSON.stringify(generated.objects);
    const literal = "'x\\') || true || (\\'\\\\'";
    expect(JSON.stringify(generated.objects)).toContain(JSON.stringify(literal).slice(1, -1));
    expect(text).not.toContain("'x') || true");
  });

  it('keeps a rule whose value CEL cannot hold in the webhook, with the reason', () => {
    const generated = generateNativePolicies(
      testPolicy({ profiles: { name: { reserved: ['bad\ud800'], reservedPrefixes: [] } } }),
    );
    expect(generated.rules.find((rule) => rule.id === 'profile-name-reserved')).toMatchObject({
      native: false,
      reason: expect.stringContaining('lone UTF-16 surrogate') as unknown,
    });
  });

  it('translates the ECMA-262 name pattern to RE2, or keeps the rule in the webhook saying why', () => {
    const translated = generateNativePolicies(
      testPolicy({ profiles: { name: { pattern: '^team-\\d+$' } } }),
    );
    const enforce = byName(
      translated,
      'ValidatingAdmissionPolicy',
      'profile-guard-profiles-enforce',
    );
    expect(variable(enforce, 'profile_name_pattern')).toContain(
      "matches('^\\\\x{74}\\\\x{65}\\\\x{61}\\\\x{6d}\\\\x{2d}[0-9]+$')",
    );
    const refused = generateNativePolicies(
      testPolicy({ profiles: { name: { pattern: '^(?!kube-)' } } }),
    );
    expect(refused.rules.find((rule) => rule.id === 'profile-name-pattern')).toEqual({
      id: 'profile-name-pattern',
      native: false,
      mode: 'Enforce',
      reason:
        'profiles.name.pattern "^(?!kube-)": a lookahead (at offset 1) cannot be expressed in RE2',
    });
  });

  it('keeps profile-owner-domain in the webhook for a non-ASCII domain', () => {
    const generated = generateNativePolicies(
      testPolicy({ profiles: { owner: { emailDomains: ['exämple.com'] } } }),
    );
    expect(generated.rules.find((rule) => rule.id === 'profile-owner-domain')).toMatchObject({
      native: false,
    });
  });

  it('is deterministic', () => {
    expect(generateNativePolicies(testPolicy())).toEqual(generateNativePolicies(testPolicy()));
  });
});

describe('generateNativePolicies: the defaults mutation', () => {
  it('adds the default quota (alias-aware), labels and annotations, computed from the incoming object', () => {
    const generated = generateNativePolicies(
      testPolicy({ profiles: { annotations: { 'example.com/a': 'b' } } }),
    );
    const mutation = byName(
      generated,
      'MutatingAdmissionPolicy',
      'profile-guard-profiles-defaults',
    );
    expect(mutation?.spec).toMatchObject({ failurePolicy: 'Fail', reinvocationPolicy: 'Never' });
    const expression = mutation?.spec.mutations?.[0]?.jsonPatch.expression ?? '';
    expect(mutation?.spec.mutations?.[0]?.patchType).toBe('JSONPatch');
    expect(expression).toContain(
      "!('cpu' in object.spec.resourceQuotaSpec.hard) && !('requests.cpu' in object.spec.resourceQuotaSpec.hard)",
    );
    expect(expression).toContain("jsonpatch.escapeKey('app.kubernetes.io/part-of')");
    expect(expression).toContain("jsonpatch.escapeKey('example.com/a')");
  });

  it('runs only when a default is missing: its match condition tests what the patch tests', () => {
    const generated = generateNativePolicies(
      testPolicy({ profiles: { annotations: { 'example.com/a': 'b' } } }),
    );
    const mutation = byName(
      generated,
      'MutatingAdmissionPolicy',
      'profile-guard-profiles-defaults',
    );
    expect(mutation?.spec.matchConditions?.map((condition) => condition.name)).toEqual([
      'profile-defaults-missing',
    ]);
    const condition = mutation?.spec.matchConditions?.[0]?.expression ?? '';
    const patch = mutation?.spec.mutations?.[0]?.jsonPatch.expression ?? '';
    // The quota: each branch that patches is true, each that leaves a malformed object alone false.
    expect(condition).toContain(
      '(!has(object.spec) ? true : type(object.spec) != map ? false : !has(object.spec.resourceQuotaSpec) ? true : type(object.spec.resourceQuotaSpec) != map ? false : !has(object.spec.resourceQuotaSpec.hard) ? true : type(object.spec.resourceQuotaSpec.hard) != map ? false : size(object.spec.resourceQuotaSpec.hard) == 0 ? true : ',
    );
    // fillMissing: every default key the patch adds when absent (alias-aware), the same tests.
    for (const absent of [
      "!('cpu' in object.spec.resourceQuotaSpec.hard) && !('requests.cpu' in object.spec.resourceQuotaSpec.hard)",
      "!('memory' in object.spec.resourceQuotaSpec.hard) && !('requests.memory' in object.spec.resourceQuotaSpec.hard)",
    ]) {
      expect(condition).toContain(`(${absent})`);
      expect(patch).toContain(`(${absent} ? [`);
    }
    // The labels and annotations: a missing map or key.
    for (const [field, key] of [
      ['labels', 'app.kubernetes.io/part-of'],
      ['annotations', 'example.com/a'],
    ] as const) {
      expect(condition).toContain(
        `(!has(object.metadata) || type(object.metadata) != map ? false : !has(object.metadata.${field}) ? true : type(object.metadata.${field}) != map ? false : `,
      );
      expect(condition).toContain(`!('${key}' in object.metadata.${field})`);
      expect(patch).toContain(`('${key}' in object.metadata.${field} ? [] : [`);
    }
  });

  it('with fillMissing off, only fills an absent or empty hard', () => {
    const generated = generateNativePolicies(
      testPolicy({ profiles: { quota: { fillMissing: false } } }),
    );
    const expression =
      byName(generated, 'MutatingAdmissionPolicy', 'profile-guard-profiles-defaults')?.spec
        .mutations?.[0]?.jsonPatch.expression ?? '';
    expect(expression).not.toContain("!('cpu' in");
    expect(expression).toContain('size(object.spec.resourceQuotaSpec.hard) == 0');
    const condition =
      byName(generated, 'MutatingAdmissionPolicy', 'profile-guard-profiles-defaults')?.spec
        .matchConditions?.[0]?.expression ?? '';
    expect(condition).not.toContain("!('cpu' in");
    expect(condition).toContain('size(object.spec.resourceQuotaSpec.hard) == 0 ? true : false)');
  });
});

describe('generateNativePolicies: the default quota, judged once', () => {
  const enforce = (generated: NativePolicies) =>
    byName(generated, 'ValidatingAdmissionPolicy', 'profile-guard-profiles-enforce');
  const quotaRules = ['profile_quota_quantity', 'profile_quota_resource', 'profile_quota_max'];
  /** testPolicy merges maps; the default quota is replaced here. */
  const withDefaults = (defaults: Record<string, string>, overrides = {}) => {
    const policy = testPolicy(overrides);
    const { profiles } = policy.spec;
    return {
      ...policy,
      spec: { ...policy.spec, profiles: { ...profiles, quota: { ...profiles.quota, defaults } } },
    };
  };

  it('skips the quota rules for a hard equal to the default quota the webhook passes', () => {
    const generated = generateNativePolicies(withDefaults({ cpu: '4', 'requests.storage': '1Gi' }));
    for (const rule of quotaRules) {
      expect(variable(enforce(generated), rule)).toContain(
        "variables.hard == {'cpu': '4', 'requests.storage': '1Gi'} ? [] : ",
      );
    }
    // The stored object of an UPDATE is judged the same way, for ratcheting.
    expect(variable(enforce(generated), 'old_profile_quota_max')).toContain(
      "variables.old_hard == {'cpu': '4', 'requests.storage': '1Gi'} ? [] : ",
    );
  });

  it('judges every entry when the webhook would refuse a default (over the maximum, not allowed)', () => {
    const overMax = generateNativePolicies(
      withDefaults({ cpu: '4' }, { profiles: { quota: { max: { cpu: '2' } } } }),
    );
    expect(variable(enforce(overMax), 'profile_quota_max')).not.toContain('variables.hard ==');
    // The other quota rules pass `cpu: 4`, so they keep the shortcut.
    expect(variable(enforce(overMax), 'profile_quota_quantity')).toContain('variables.hard ==');

    const notAllowed = generateNativePolicies(
      testPolicy({
        profiles: {
          quota: { defaults: { 'example.com/widgets': '1' }, allowedResources: ['cpu'] },
        },
      }),
    );
    expect(variable(enforce(notAllowed), 'profile_quota_resource')).not.toContain(
      'variables.hard ==',
    );
  });

  it('has no shortcut without a default quota', () => {
    const generated = generateNativePolicies(withDefaults({}));
    for (const rule of quotaRules) {
      expect(variable(enforce(generated), rule) ?? '').not.toContain('variables.hard ==');
    }
  });
});

describe('generateNativePolicies: RoleBindings in profile namespaces', () => {
  const generated = generateNativePolicies(testPolicy());
  const enforce = byName(
    generated,
    'ValidatingAdmissionPolicy',
    'profile-guard-rolebindings-enforce',
  );
  const binding = generated.objects.find(
    (object) =>
      object.kind === 'ValidatingAdmissionPolicyBinding' &&
      (object.metadata as { name: string }).name === 'profile-guard-rolebindings-enforce',
  );

  it('judges RoleBinding writes and deletions', () => {
    expect(enforce?.spec.matchConstraints.resourceRules).toEqual([
      {
        apiGroups: ['rbac.authorization.k8s.io'],
        apiVersions: ['v1'],
        resources: ['rolebindings'],
        scope: 'Namespaced',
        operations: ['CREATE', 'UPDATE', 'DELETE'],
      },
    ]);
  });

  it('selects the namespaces carrying profileNamespaces.label, minus the excluded ones', () => {
    expect(binding?.spec).toEqual({
      policyName: 'profile-guard-rolebindings-enforce',
      validationActions: ['Deny'],
      matchResources: {
        namespaceSelector: {
          matchLabels: { 'app.kubernetes.io/part-of': 'kubeflow-profile' },
          matchExpressions: [{ key: 'profile-guard.io/ignore', operator: 'DoesNotExist' }],
        },
      },
    });
    const excluded = generateNativePolicies(testPolicy(), {
      excludedNamespaces: ['kube-system', 'kubeflow'],
    }).objects.find(
      (object) =>
        object.kind === 'ValidatingAdmissionPolicyBinding' &&
        (object.metadata as { name: string }).name === 'profile-guard-rolebindings-enforce',
    );
    expect(excluded?.spec).toMatchObject({
      matchResources: {
        namespaceSelector: {
          matchExpressions: [
            {
              key: 'kubernetes.io/metadata.name',
              operator: 'NotIn',
              values: ['kube-system', 'kubeflow'],
            },
            { key: 'profile-guard.io/ignore', operator: 'DoesNotExist' },
          ],
        },
      },
    });
  });

  it("leaves out opted-out namespaces as the chart's webhooks do: the label of namespaceOptOutLabel, none when empty", () => {
    const selectors = (options: Parameters<typeof generateNativePolicies>[1]) =>
      generateNativePolicies(testPolicy(), options)
        .objects.filter((object) => object.kind === 'ValidatingAdmissionPolicyBinding')
        .map((object) => [
          String(object.metadata?.name),
          (object.spec as { matchResources?: { namespaceSelector?: unknown } }).matchResources
            ?.namespaceSelector,
        ]);
    const label = { 'app.kubernetes.io/part-of': 'kubeflow-profile' };
    // Every namespaced binding (RoleBindings and AuthorizationPolicies), none of the others.
    expect(selectors({ namespaceOptOutLabel: 'example.com/skip' })).toEqual([
      ['profile-guard-profiles-enforce', undefined],
      ['profile-guard-profiles-ratcheted', undefined],
      ['profile-guard-profiles-warn', undefined],
      ...['profile-guard-rolebindings-enforce', 'profile-guard-rolebindings-ratcheted'].map(
        (name) => [
          name,
          {
            matchLabels: label,
            matchExpressions: [{ key: 'example.com/skip', operator: 'DoesNotExist' }],
          },
        ],
      ),
      ['profile-guard-clusterrolebindings-enforce', undefined],
      ['profile-guard-clusterrolebindings-ratcheted', undefined],
      [
        'profile-guard-authorizationpolicies-enforce',
        {
          matchLabels: label,
          matchExpressions: [{ key: 'example.com/skip', operator: 'DoesNotExist' }],
        },
      ],
    ]);
    expect(
      selectors({ namespaceOptOutLabel: '' }).filter(([, selector]) => selector !== undefined),
    ).toEqual([
      ['profile-guard-rolebindings-enforce', { matchLabels: label }],
      ['profile-guard-rolebindings-ratcheted', { matchLabels: label }],
      ['profile-guard-authorizationpolicies-enforce', { matchLabels: label }],
    ]);
  });

  it('skips system:masters and system:kube-controller-manager on the RoleBinding, ClusterRoleBinding and AuthorizationPolicy policies, as the chart does, whatever the policy exempts', () => {
    const conditions = (options: Parameters<typeof generateNativePolicies>[1]) =>
      Object.fromEntries(
        generateNativePolicies(testPolicy({ exemptions: { groups: [] } }), options)
          .objects.filter((object) => String(object.kind).endsWith('Policy'))
          .map((object) => [
            String(object.metadata?.name),
            (object as KubeObject & PolicyShape).spec.matchConditions,
          ]),
      );
    const masters = {
      name: 'not-system-masters',
      expression: "!('system:masters' in request.userInfo.?groups.orValue([]))",
    };
    const kcm = {
      name: 'not-kube-controller-manager',
      expression: "request.userInfo.username != 'system:kube-controller-manager'",
    };
    const self = { name: 'not-self', expression: "request.userInfo.username != 'x'" };
    expect(conditions({ matchConditions: [self] })).toEqual({
      'profile-guard-profiles-enforce': [self],
      'profile-guard-profiles-ratcheted': [self],
      'profile-guard-profiles-warn': [self],
      'profile-guard-rolebindings-enforce': [self, masters, kcm],
      'profile-guard-rolebindings-ratcheted': [self, masters, kcm],
      'profile-guard-clusterrolebindings-enforce': [self, masters, kcm],
      'profile-guard-clusterrolebindings-ratcheted': [self, masters, kcm],
      'profile-guard-authorizationpolicies-enforce': [self, masters, kcm],
      'profile-guard-profiles-defaults': [
        self,
        { name: 'profile-defaults-missing', expression: expect.any(String) as unknown },
      ],
    });
    expect(conditions({ skipKubeControllerManager: false })).toMatchObject({
      'profile-guard-rolebindings-enforce': [masters],
      'profile-guard-authorizationpolicies-enforce': [masters],
    });
    expect(conditions({ skipSystemMasters: false })).toMatchObject({
      'profile-guard-clusterrolebindings-enforce': [kcm],
    });
    // Both off: no condition left but the mutation's own.
    expect(
      Object.entries(
        conditions({ skipSystemMasters: false, skipKubeControllerManager: false }),
      ).every(([name, list]) =>
        name === 'profile-guard-profiles-defaults'
          ? list?.length === 1 && list[0]?.name === 'profile-defaults-missing'
          : list === undefined,
      ),
    ).toBe(true);
  });

  it('runs the write rules on CREATE and UPDATE only, binding-protected on UPDATE and DELETE', () => {
    expect(variable(enforce, 'binding_group')).toMatch(
      /^\(request\.operation in \['CREATE', 'UPDATE'\] \? \(variables\.exempt \? \[\] :/,
    );
    expect(variable(enforce, 'binding_protected')).toMatch(
      /^\(request\.operation in \['UPDATE', 'DELETE'\] \? \(variables\.exempt \? \[\] :/,
    );
  });

  it('keeps the binding rules in the webhook when profileNamespaces.label is empty', () => {
    const unlabelled = generateNativePolicies(
      testPolicy({}, { ...CONTRACT_DEFAULT_SPEC, profileNamespaces: { label: {} } }),
    );
    expect(unlabelled.rules.find((rule) => rule.id === 'binding-group')).toMatchObject({
      native: false,
      reason: expect.stringContaining('profileNamespaces.label is empty') as unknown,
    });
    const namespaced = names(unlabelled).filter(
      (name) => name.includes('guard-rolebindings') || name.includes('authorizationpolicies'),
    );
    expect(namespaced).toEqual([]);
  });
});
