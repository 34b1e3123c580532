/**
 * `policy -> objects[]`: the ValidatingAdmissionPolicies, MutatingAdmissionPolicy and their
 * bindings that enforce, inside the API server, every rule of a ProfilePolicy that CEL can decide
 * from the request alone. Pure: no I/O, no clock; the same policy always gives the same objects.
 */
import { ruleMode, serviceAccountUser } from '../policy/engine.js';
import type { KubeObject } from '../policy/kube-object.js';
import type { EnforcementMode, Policy, PolicySpec, RuleMode } from '../policy/policy-spec.js';
import { RULES } from '../policy/catalog.js';
import type { RuleDefinition } from '../policy/rule.js';
import type { RuleId } from '../policy/rule-ids.js';
import { CelEncodingError, celIdentifier, celString, celStringList } from './cel.js';
import {
  METADATA_ONLY_UPDATE,
  type CelRule,
  type CelScope,
  type NativeTarget,
} from './cel-rule.js';
import { NATIVE_RULES } from './native-catalog.js';
import { profileDefaultsMissing, profileDefaultsPatch } from './profile-defaults.js';

/** A CEL match condition added to every generated policy (e.g. to skip profile-guard itself). */
export interface NativeMatchCondition {
  readonly name: string;
  readonly expression: string;
}

/** How the objects are named and marked; everything is optional. */
export interface NativeOptions {
  /** Prefix of every object's name (default `profile-guard`). */
  readonly namePrefix?: string;
  /** Labels added to every object, next to `app.kubernetes.io/managed-by: profile-guard`. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Match conditions added to every policy, before its own. */
  readonly matchConditions?: readonly NativeMatchCondition[];
  /**
   * Namespaces whose objects no namespaced policy judges even when they carry the profile-namespace
   * label (as the chart keeps `kube-system` and its own namespace away from its webhooks).
   */
  readonly excludedNamespaces?: readonly string[];
  /**
   * A namespace label (any value) that takes a namespace away from every namespaced policy, as
   * the chart's `namespaceOptOut.label` takes it away from its namespaced webhooks. Default
   * {@link DEFAULT_NAMESPACE_OPT_OUT_LABEL}; empty: no opt-out.
   */
  readonly namespaceOptOutLabel?: string;
  /**
   * Whether the RoleBinding, ClusterRoleBinding and AuthorizationPolicy policies skip callers in
   * `system:masters` (a match condition), as the chart's webhooks for them do
   * (`matchConditions.skipSystemMasters`), so that an admin can always repair access whatever the
   * policy exempts. Default true. The Profile policies judge admins as the policy says.
   */
  readonly skipSystemMasters?: boolean;
  /**
   * Whether the same policies skip the user `system:kube-controller-manager` (kube-controller-manager
   * without --use-service-account-credentials: its garbage collector and namespace controller
   * delete a deleted profile's RoleBindings and AuthorizationPolicies), as the chart's webhooks do
   * (`matchConditions.skipKubeControllerManager`). Default true.
   */
  readonly skipKubeControllerManager?: boolean;
}

/** The chart's default `namespaceOptOut.label`. */
export const DEFAULT_NAMESPACE_OPT_OUT_LABEL = 'profile-guard.io/ignore';

/**
 * The name of the MutatingAdmissionPolicy's own match condition: it runs only when a default is
 * missing (after the options' conditions).
 */
export const DEFAULTS_MISSING_CONDITION = 'profile-defaults-missing';

/** The match condition that skips cluster administrators, named as the chart names it. */
export const SKIP_SYSTEM_MASTERS_CONDITION: NativeMatchCondition = {
  name: 'not-system-masters',
  expression: "!('system:masters' in request.userInfo.?groups.orValue([]))",
};

/** The match condition that skips kube-controller-manager's plain user, named as the chart names it. */
export const SKIP_KUBE_CONTROLLER_MANAGER_CONDITION: NativeMatchCondition = {
  name: 'not-kube-controller-manager',
  expression: "request.userInfo.username != 'system:kube-controller-manager'",
};

/** Where one rule of the catalog ended up. */
export type NativeRuleStatus =
  | {
      readonly id: RuleId;
      readonly native: true;
      readonly mode: RuleMode;
      /** The ValidatingAdmissionPolicies holding it; absent when Disabled or nothing to check. */
      readonly policyNames?: readonly string[];
    }
  | {
      readonly id: RuleId;
      readonly native: false;
      readonly mode: RuleMode;
      readonly reason: string;
    };

/** The generated objects (apply order: each policy before its binding) and the rule report. */
export interface NativePolicies {
  readonly objects: readonly KubeObject[];
  readonly rules: readonly NativeRuleStatus[];
}

/** Label on every generated object. */
export const MANAGED_BY_LABEL = { 'app.kubernetes.io/managed-by': 'profile-guard' } as const;
/** Annotations naming the policy the objects were generated from. */
export const POLICY_ANNOTATION = 'profile-guard.io/policy';
export const POLICY_GENERATION_ANNOTATION = 'profile-guard.io/policy-generation';

const API_VERSION = 'admissionregistration.k8s.io/v1';
/** A message longer than 5 KiB is dropped by the API server: keep under it. */
const MAX_MESSAGE = 4000;
/** The webhook cuts each warning to 256 characters (the limit on an admission webhook's). */
const MAX_WARNING = 256;

interface TargetInfo {
  /** The middle of the objects' names: `profile-guard-<plural>-enforce`. */
  readonly plural: string;
  readonly operations: readonly string[];
  readonly resourceRules: readonly Record<string, unknown>[];
  /** Judged in profile namespaces only (the binding selects them by label). */
  readonly namespaced: boolean;
  /**
   * RBAC or AuthorizationPolicy: an outage of the chart's webhook for it must never lock admins
   * out, so they skip `system:masters` (option `skipSystemMasters`).
   */
  readonly accessControl: boolean;
}

const TARGETS: Readonly<Record<NativeTarget, TargetInfo>> = {
  Profile: {
    plural: 'profiles',
    operations: ['CREATE', 'UPDATE'],
    resourceRules: [
      {
        apiGroups: ['kubeflow.org'],
        apiVersions: ['v1', 'v1beta1'],
        resources: ['profiles'],
        scope: 'Cluster',
      },
    ],
    namespaced: false,
    accessControl: false,
  },
  RoleBinding: {
    plural: 'rolebindings',
    operations: ['CREATE', 'UPDATE', 'DELETE'],
    resourceRules: [
      {
        apiGroups: ['rbac.authorization.k8s.io'],
        apiVersions: ['v1'],
        resources: ['rolebindings'],
        scope: 'Namespaced',
      },
    ],
    namespaced: true,
    accessControl: true,
  },
  ClusterRoleBinding: {
    plural: 'clusterrolebindings',
    operations: ['CREATE', 'UPDATE'],
    resourceRules: [
      {
        apiGroups: ['rbac.authorization.k8s.io'],
        apiVersions: ['v1'],
        resources: ['clusterrolebindings'],
        scope: 'Cluster',
      },
    ],
    namespaced: false,
    accessControl: true,
  },
  AuthorizationPolicy: {
    plural: 'authorizationpolicies',
    operations: ['CREATE', 'UPDATE', 'DELETE'],
    resourceRules: [
      {
        apiGroups: ['security.istio.io'],
        apiVersions: ['v1', 'v1beta1'],
        resources: ['authorizationpolicies'],
        scope: 'Namespaced',
      },
    ],
    namespaced: true,
    accessControl: true,
  },
};

interface PlacedRule {
  readonly definition: RuleDefinition;
  readonly cel: CelRule;
  readonly variable: string;
}

/**
 * A {@link CelScope} that declares each shared value once, in the order first asked for (a value
 * built on another is asked for after it), as `variables.<prefix><name>`.
 */
class VariableScope implements CelScope {
  readonly definitions = new Map<string, string>();

  constructor(
    readonly o: string,
    private readonly prefix: string,
  ) {}

  shared(name: string, define: (o: string) => string): string {
    const variable = `${this.prefix}${name}`;
    if (!this.definitions.has(variable)) {
      const expression = define(this.o);
      this.definitions.set(variable, expression);
    }
    return `variables.${variable}`;
  }

  variables(): Record<string, string>[] {
    return [...this.definitions].map(([name, expression]) => ({ name, expression }));
  }
}

/**
 * Generates the native admission objects for `policy`. Total: a rule that cannot be written for
 * this policy (a pattern RE2 cannot express, a value CEL cannot hold) is reported as webhook-only
 * with the reason instead of failing the whole generation.
 */
export function generateNativePolicies(
  policy: Policy,
  options: NativeOptions = {},
): NativePolicies {
  const prefix = options.namePrefix ?? 'profile-guard';
  const spec = policy.spec;
  const metadata = (name: string): Record<string, unknown> => ({
    name,
    labels: { ...MANAGED_BY_LABEL, ...options.labels },
    annotations: {
      [POLICY_ANNOTATION]: policy.name,
      [POLICY_GENERATION_ANNOTATION]: String(policy.generation),
    },
  });
  const statuses = new Map<RuleId, NativeRuleStatus>();
  const placed = new Map<NativeTarget, Map<EnforcementMode, PlacedRule[]>>();

  for (const definition of RULES) {
    const id = definition.id;
    const mode = ruleMode(policy, id);
    const translation = NATIVE_RULES[id];
    if ('webhookOnly' in translation) {
      statuses.set(id, { id, native: false, mode, reason: translation.webhookOnly });
      continue;
    }
    const cel = translation.native;
    const unsupported = cel.unsupported?.(spec);
    if (unsupported !== undefined) {
      statuses.set(id, { id, native: false, mode, reason: unsupported });
      continue;
    }
    if (mode === 'Disabled') {
      statuses.set(id, { id, native: true, mode });
      continue;
    }
    let expression: string | undefined;
    try {
      expression = cel.violations(new VariableScope('object', ''), spec);
    } catch (error) {
      if (!(error instanceof CelEncodingError)) throw error;
      statuses.set(id, { id, native: false, mode, reason: error.message });
      continue;
    }
    if (expression === undefined) {
      statuses.set(id, { id, native: true, mode });
      continue;
    }
    for (const target of cel.targets) {
      const byMode = placed.get(target) ?? new Map<EnforcementMode, PlacedRule[]>();
      placed.set(target, byMode);
      const list = byMode.get(mode) ?? [];
      byMode.set(mode, list);
      list.push({ definition, cel, variable: celIdentifier(id) });
    }
    statuses.set(id, {
      id,
      native: true,
      mode,
      policyNames: cel.targets.map(
        (target) => `${prefix}-${TARGETS[target].plural}-${mode.toLowerCase()}`,
      ),
    });
  }

  const objects: KubeObject[] = [];
  for (const target of Object.keys(TARGETS) as NativeTarget[]) {
    const byMode = placed.get(target);
    if (byMode === undefined) continue;
    const info = TARGETS[target];
    const base = `${prefix}-${info.plural}`;
    const context = { spec, info, options };
    for (const mode of ['Enforce', 'Warn', 'Audit'] as const) {
      const rules = byMode.get(mode);
      if (rules === undefined) continue;
      const name = `${base}-${mode.toLowerCase()}`;
      objects.push(
        validatingPolicy(name, metadata(name), context, rules, mode),
        validatingBinding(name, metadata(name), mode === 'Enforce' ? 'Deny' : mode, context),
      );
      // Only rules that ratchet by value can have violations a stored object already had (the
      // others judge a change, which a metadata-only UPDATE never is).
      if (mode === 'Enforce' && rules.some((rule) => rule.cel.ratchet === 'value')) {
        const ratchetName = `${base}-ratcheted`;
        objects.push(
          ratchetedPolicy(ratchetName, metadata(ratchetName), context, rules),
          validatingBinding(ratchetName, metadata(ratchetName), 'Warn', context),
        );
      }
    }
  }

  const patch = profileDefaultsPatch(spec);
  const missing = profileDefaultsMissing(spec);
  if (patch !== undefined && missing !== undefined) {
    const name = `${prefix}-profiles-defaults`;
    objects.push(
      {
        apiVersion: API_VERSION,
        kind: 'MutatingAdmissionPolicy',
        metadata: metadata(name),
        spec: {
          failurePolicy: 'Fail',
          reinvocationPolicy: 'Never',
          matchConstraints: {
            resourceRules: TARGETS.Profile.resourceRules.map((rule) => ({
              ...rule,
              operations: ['CREATE', 'UPDATE'],
            })),
          },
          matchConditions: [
            ...conditionList(options),
            { name: DEFAULTS_MISSING_CONDITION, expression: missing },
          ],
          mutations: [{ patchType: 'JSONPatch', jsonPatch: { expression: patch } }],
        },
      },
      {
        apiVersion: API_VERSION,
        kind: 'MutatingAdmissionPolicyBinding',
        metadata: metadata(name),
        spec: { policyName: name },
      },
    );
  }

  return {
    objects,
    rules: RULES.map((definition) => {
      const status = statuses.get(definition.id);
      if (status === undefined) throw new Error(`no status for ${definition.id}`);
      return status;
    }),
  };
}

interface Context {
  readonly spec: PolicySpec;
  readonly info: TargetInfo;
  readonly options: NativeOptions;
}

/**
 * The options' match conditions, then, on an RBAC or AuthorizationPolicy target, the ones that
 * skip `system:masters` and kube-controller-manager's plain user (each unless turned off).
 */
function matchConditions(options: NativeOptions, info?: TargetInfo): Record<string, unknown> {
  const conditions = conditionList(options, info);
  return conditions.length === 0 ? {} : { matchConditions: conditions };
}

/** The conditions of {@link matchConditions}, as plain objects. */
function conditionList(options: NativeOptions, info?: TargetInfo): NativeMatchCondition[] {
  const conditions = [
    ...(options.matchConditions ?? []),
    ...(info?.accessControl === true && options.skipSystemMasters !== false
      ? [SKIP_SYSTEM_MASTERS_CONDITION]
      : []),
    ...(info?.accessControl === true && options.skipKubeControllerManager !== false
      ? [SKIP_KUBE_CONTROLLER_MANAGER_CONDITION]
      : []),
  ];
  return conditions.map(({ name, expression }) => ({ name, expression }));
}

/** CEL: the caller is in `exemptions` (users, groups, `namespace/name` ServiceAccounts). */
function exemptExpression(spec: PolicySpec): string | undefined {
  const { users, groups, serviceAccounts } = spec.exemptions;
  const names = [
    ...users,
    ...serviceAccounts.flatMap((ref) => {
      const user = serviceAccountUser(ref);
      return user === undefined ? [] : [user];
    }),
  ];
  const parts = [
    ...(names.length === 0 ? [] : [`request.userInfo.username in ${celStringList(names)}`]),
    ...(groups.length === 0
      ? []
      : [`request.userInfo.?groups.orValue([]).exists(g, g in ${celStringList(groups)})`]),
  ];
  return parts.length === 0 ? undefined : parts.join(' || ');
}

/**
 * The variables every policy of a target starts with: `exempt` (when a non-structural rule needs
 * it), the shared values of the object, and one list of violation records per rule, already gated
 * by exemption and operation.
 */
function ruleVariables(
  spec: PolicySpec,
  rules: readonly PlacedRule[],
  operations: readonly string[],
): Record<string, string>[] {
  const exempt = exemptExpression(spec);
  const needsExempt = exempt !== undefined && rules.some((rule) => !rule.definition.structural);
  const scope = new VariableScope('object', '');
  const ruleLists = rules.map((rule) => ({
    name: rule.variable,
    expression: gate(rule, rule.cel.violations(scope, spec) ?? '[]', needsExempt, operations),
  }));
  return [
    ...(needsExempt ? [{ name: 'exempt', expression: exempt }] : []),
    ...scope.variables(),
    ...ruleLists,
  ];
}

/**
 * Skips a rule for exempt callers (unless structural) and for the operations of its policy it
 * does not judge (a DELETE reaches a RoleBinding policy for `binding-protected` only).
 */
function gate(
  rule: PlacedRule,
  expression: string,
  exemptDefined: boolean,
  operations: readonly string[],
): string {
  let gated = expression;
  if (!rule.definition.structural && exemptDefined) gated = `(variables.exempt ? [] : ${gated})`;
  const judged: readonly string[] = rule.definition.operations;
  if (operations.some((operation) => !judged.includes(operation))) {
    const own = operations.filter((operation) => judged.includes(operation));
    const test =
      own.length === 1
        ? `request.operation == ${celString(own[0] ?? '')}`
        : `request.operation in ${celStringList(own)}`;
    gated = `(${test} ? ${gated} : [])`;
  }
  return gated;
}

/** CEL: the list of every rule's violations, in catalog order. */
function allFound(rules: readonly PlacedRule[]): string {
  return rules.map((rule) => `variables.${rule.variable}`).join(' + ');
}

/**
 * The ratcheting variables of an Enforce group: `metadataOnly` (an UPDATE that changes only
 * finalizers, ownerReferences, managedFields, resourceVersion, generation or status) and `stored`
 * (the violations the stored object already had, for the rules that ratchet by value).
 */
function ratchetVariables(
  spec: PolicySpec,
  rules: readonly PlacedRule[],
  exemptDefined: boolean,
  operations: readonly string[],
): Record<string, string>[] {
  const scope = new VariableScope('oldObject', 'old_');
  // One variable per rule, as for the new object: the API server's compile time grows faster
  // than linearly with the size of one expression, not with their number.
  const stored = rules
    .filter((rule) => rule.cel.ratchet === 'value')
    .map((rule) => ({
      name: `old_${rule.variable}`,
      expression: gate(
        rule,
        rule.cel.violations(scope, spec) ?? '[]',
        exemptDefined,
        operations.filter((operation) => operation === 'UPDATE'),
      ),
    }));
  return [
    { name: 'found', expression: allFound(rules) },
    { name: 'metadataOnly', expression: METADATA_ONLY_UPDATE },
    ...scope.variables(),
    ...stored,
    {
      name: 'stored',
      expression:
        stored.length === 0 ? '[]' : stored.map((entry) => `variables.${entry.name}`).join(' + '),
    },
  ];
}

/** A violation of `found` that `stored` already had: same key and same value. */
const STORED_HAD = 'variables.stored.exists(y, y.k == x.k && y.v == x.v)';

/** CEL: the violations' messages joined like the webhook's, cut under the API server's limit. */
function joinedMessages(list: string): string {
  return `[${list}.map(x, string(x.m)).join('; ')].map(m, size(m) <= ${MAX_MESSAGE} ? m : m.substring(0, ${MAX_MESSAGE - 1}) + '…')[0]`;
}

/** CEL: warnings as the webhook words them, each `<rule-id>: <message>` cut to 256 characters. */
function joinedWarnings(list: string): string {
  return joinedMessages(
    `${list}.map(x, size(string(x.m)) <= ${MAX_WARNING} ? string(x.m) : string(x.m).substring(0, ${MAX_WARNING - 1}) + '…').map(w, {'m': w})`,
  );
}

function policySpec(
  context: Context,
  operations: readonly string[],
  variables: readonly Record<string, string>[],
  validations: readonly Record<string, unknown>[],
): Record<string, unknown> {
  return {
    failurePolicy: 'Fail',
    matchConstraints: {
      resourceRules: context.info.resourceRules.map((rule) => ({ ...rule, operations })),
    },
    ...matchConditions(context.options, context.info),
    variables,
    validations,
  };
}

/**
 * One mode's policy. Enforce: a single validation whose message lists every denied violation
 * (`<rule-id>: <message>` joined with `; `, as the webhook's denial), after ratcheting. Warn and
 * Audit: one validation per rule, so each rule is its own warning or audit entry.
 */
function validatingPolicy(
  name: string,
  metadata: Record<string, unknown>,
  context: Context,
  rules: readonly PlacedRule[],
  mode: EnforcementMode,
): KubeObject {
  const operations = context.info.operations;
  const variables = ruleVariables(context.spec, rules, operations);
  const exemptDefined = variables.some((variable) => variable.name === 'exempt');
  let validations: Record<string, unknown>[];
  if (mode === 'Enforce') {
    variables.push(...ratchetVariables(context.spec, rules, exemptDefined, operations), {
      name: 'denied',
      expression:
        "request.operation != 'UPDATE' || size(variables.found) == 0 ? variables.found : " +
        `variables.metadataOnly ? [] : variables.found.filter(x, !${STORED_HAD})`,
    });
    validations = [
      {
        expression: 'size(variables.denied) == 0',
        messageExpression: joinedMessages('variables.denied'),
        message: `${name}: denied`,
        reason: 'Forbidden',
      },
    ];
  } else {
    validations = rules.map((rule) => ({
      expression: `size(variables.${rule.variable}) == 0`,
      messageExpression: joinedWarnings(`variables.${rule.variable}`),
      message: `${rule.definition.id}: failed`,
      reason: 'Forbidden',
    }));
  }
  return {
    apiVersion: API_VERSION,
    kind: 'ValidatingAdmissionPolicy',
    metadata,
    spec: policySpec(context, operations, variables, validations),
  };
}

/**
 * The Enforce rules again, for UPDATEs only, bound with `Warn`: the violations ratcheting lets
 * through are warnings, as the webhook reports them. CREATEs never reach it, so they pay nothing.
 */
function ratchetedPolicy(
  name: string,
  metadata: Record<string, unknown>,
  context: Context,
  rules: readonly PlacedRule[],
): KubeObject {
  const variables = ruleVariables(context.spec, rules, ['UPDATE']);
  const exemptDefined = variables.some((variable) => variable.name === 'exempt');
  variables.push(...ratchetVariables(context.spec, rules, exemptDefined, ['UPDATE']), {
    name: 'ratcheted',
    expression:
      'size(variables.found) == 0 ? [] : variables.metadataOnly ? variables.found : ' +
      `variables.found.filter(x, ${STORED_HAD})`,
  });
  return {
    apiVersion: API_VERSION,
    kind: 'ValidatingAdmissionPolicy',
    metadata,
    spec: policySpec(context, ['UPDATE'], variables, [
      {
        expression: 'size(variables.ratcheted) == 0',
        messageExpression: joinedWarnings('variables.ratcheted'),
        message: `${name}: ratcheted`,
        reason: 'Forbidden',
      },
    ]),
  };
}

function validatingBinding(
  name: string,
  metadata: Record<string, unknown>,
  action: 'Deny' | 'Warn' | 'Audit',
  context: Context,
): KubeObject {
  const excluded = context.options.excludedNamespaces ?? [];
  const optOut = context.options.namespaceOptOutLabel ?? DEFAULT_NAMESPACE_OPT_OUT_LABEL;
  // As the chart's namespaced webhooks select namespaces: the profile-namespace label, not an
  // excluded name, not opted out.
  const expressions = [
    ...(excluded.length === 0
      ? []
      : [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: [...excluded] }]),
    ...(optOut === '' ? [] : [{ key: optOut, operator: 'DoesNotExist' }]),
  ];
  const selector = context.info.namespaced
    ? {
        matchResources: {
          namespaceSelector: {
            matchLabels: { ...context.spec.profileNamespaces.label },
            ...(expressions.length === 0 ? {} : { matchExpressions: expressions }),
          },
        },
      }
    : {};
  return {
    apiVersion: API_VERSION,
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata,
    spec: { policyName: name, validationActions: [action], ...selector },
  };
}
