import { asRecord } from './object-access.js';

/**
 * The cloud identity a Profile plugin makes Kubeflow's profile controller bind the namespace's
 * `default-editor` ServiceAccount to, as the controller resolves it
 * (kubeflow/dashboard components/profile-controller/controllers):
 * - `WorkloadIdentity` (plugin_workload_identity.go): `spec.gcpServiceAccount`, a GCP service
 *   account on which the controller grants `roles/iam.workloadIdentityUser` to the namespace's
 *   ServiceAccount (`updateWorkloadIdentity` + `addBinding`). GCP service-account e-mails are
 *   case-insensitive, so the key is the e-mail in lower case.
 * - `AwsIamForServiceAccount` (plugin_iam.go): `spec.awsIamRole`, whose trust policy the
 *   controller extends to the namespace's ServiceAccount. It finds the role by the name after the
 *   ARN's last `/` only (`getIAMRoleNameFromIAMRoleArn`, then `GetRole` in its own account), and
 *   IAM role names are unique without regard to case, so the key is that name in lower case:
 *   `arn:aws:iam::111111111111:role/x` and `arn:aws:iam::222222222222:role/team/X` are one role
 *   to the controller.
 */
export interface PluginIdentity {
  /** Index in `spec.plugins`. */
  readonly index: number;
  /** `gcpServiceAccount` or `awsIamRole`. */
  readonly field: string;
  /** The value as written. */
  readonly value: string;
  /** What two Profiles share when they name the same identity (see above). */
  readonly key: string;
}

const FIELDS: Readonly<Record<string, { field: string; key: (value: string) => string }>> = {
  WorkloadIdentity: { field: 'gcpServiceAccount', key: (value) => `gcp:${value.toLowerCase()}` },
  AwsIamForServiceAccount: {
    field: 'awsIamRole',
    key: (value) => `aws-role:${value.slice(value.lastIndexOf('/') + 1).toLowerCase()}`,
  },
};

/**
 * The plugin identities a Profile names, in `spec.plugins` order: every plugin of a known kind
 * whose identity field is a non-empty string (whether or not `profile-plugin` accepts its
 * format). Linear in the number of plugins; anything else is ignored.
 */
export function pluginIdentitiesOf(profile: unknown): PluginIdentity[] {
  const plugins = asRecord(asRecord(profile)?.spec)?.plugins;
  if (!Array.isArray(plugins)) return [];
  const identities: PluginIdentity[] = [];
  for (let index = 0; index < plugins.length; index += 1) {
    const plugin = asRecord(plugins[index]);
    const kind = plugin?.kind;
    if (typeof kind !== 'string' || !Object.hasOwn(FIELDS, kind)) continue;
    const known = FIELDS[kind];
    if (known === undefined) continue;
    const value = asRecord(plugin?.spec)?.[known.field];
    if (typeof value !== 'string' || value === '') continue;
    identities.push({ index, field: known.field, value, key: known.key(value) });
  }
  return identities;
}
