import type { RuleId } from './rule-ids.js';

/** How a failing rule is acted on. */
export type EnforcementMode = 'Enforce' | 'Warn' | 'Audit';

/** A rule's mode in `ruleModes`: an enforcement mode, or not evaluated at all. */
export type RuleMode = EnforcementMode | 'Disabled';

/** A Kubernetes label selector (matchLabels AND matchExpressions). */
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly {
    readonly key: string;
    readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    readonly values?: readonly string[];
  }[];
}

/** Quantities of the compute resources a quota can demand of every container (cpu, memory). */
export interface ComputeQuantities {
  readonly cpu?: string;
  readonly memory?: string;
}

/**
 * A ProfilePolicy `spec` with every default filled in (see `schemas/`). The config layer produces
 * it, deep-frozen, from a file or a cluster object; rules only read it.
 */
export interface PolicySpec {
  readonly defaultMode: EnforcementMode;
  readonly ruleModes: Readonly<Partial<Record<RuleId, RuleMode>>>;
  /** Cluster policies: which Profiles this policy governs (absent = fallback for all). */
  readonly selector?: LabelSelector;
  /** Cluster policies: the highest priority among matching policies governs. */
  readonly priority: number;
  readonly exemptions: {
    readonly users: readonly string[];
    readonly groups: readonly string[];
    /** `namespace/name`, i.e. the user `system:serviceaccount:<namespace>:<name>`. */
    readonly serviceAccounts: readonly string[];
  };
  readonly profileNamespaces: { readonly label: Readonly<Record<string, string>> };
  readonly profiles: {
    readonly name: {
      readonly pattern: string;
      readonly reserved: readonly string[];
      readonly reservedPrefixes: readonly string[];
    };
    readonly owner: {
      readonly kinds: readonly string[];
      readonly emailDomains: readonly string[];
      readonly allowTransfer: boolean;
      readonly maxProfilesPerOwner: number;
    };
    readonly quota: {
      /** Quantities as strings (the schema accepts int-or-string; the loader stringifies). */
      readonly defaults: Readonly<Record<string, string>>;
      readonly fillMissing: boolean;
      readonly max: Readonly<Record<string, string>>;
      readonly allowedResources: readonly string[];
    };
    /** The LimitRange `profile-guard-defaults` kept in profile namespaces (see `limit-range.ts`). */
    readonly limitRange: {
      readonly enabled: boolean;
      /** Container requests where a container has none; quantities as strings. */
      readonly defaultRequest: ComputeQuantities;
      /** Container limits where a container has none, for resources whose limit the quota restricts. */
      readonly defaultLimit: ComputeQuantities;
    };
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations: Readonly<Record<string, string>>;
    readonly namespaceLabels: {
      readonly inject: Readonly<Record<string, string>>;
      readonly propagate: readonly string[];
    };
    readonly plugins: {
      readonly allowedKinds: readonly string[];
      /**
       * `profile-plugin-identity`: deny a plugin identity (GCP service account, AWS IAM role)
       * already named by a Profile of another owner. Off by default.
       */
      readonly exclusiveIdentities: boolean;
    };
    readonly namespace: {
      /**
       * Whether a Profile may adopt an existing Namespace without an `owner` annotation
       * (never one annotated with another owner).
       */
      readonly adoptUnannotated: boolean;
    };
  };
  readonly bindings: {
    readonly allowedRoles: readonly string[];
    readonly ownerOnlyRoles: readonly string[];
    readonly serviceAccountNamespaces: readonly string[];
    readonly forbiddenGroups: readonly string[];
    /** User subjects never bound (default `system:anonymous`). */
    readonly forbiddenUsers: readonly string[];
    readonly userEmailDomains: readonly string[];
    readonly maxContributors: number;
    readonly protected: readonly string[];
    /** `namespace/name` service accounts allowed to touch `protected` objects. */
    readonly protectedManagers: readonly string[];
  };
  readonly authorizationPolicies: {
    readonly principalNamespaces: readonly string[];
    /**
     * Principals through which every Kubeflow user arrives (the ingress gateway, the pipelines
     * UI): an ALLOW rule admitting one must name its users in a `userIdHeader` condition.
     */
    readonly gatewayPrincipals: readonly string[];
    readonly allowedPaths: readonly string[];
    readonly userIdHeader: string;
  };
}

/**
 * A policy ready for evaluation: its identity plus the spec. `name` and `generation` feed
 * `profile_guard_policy_info` and logs.
 */
export interface Policy {
  readonly name: string;
  readonly generation: number;
  readonly spec: PolicySpec;
}
