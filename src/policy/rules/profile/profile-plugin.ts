import { asRecord } from '../../object-access.js';
import { PASS, failIf, type Violation, defineRule, fail, WRITE_OPERATIONS } from '../../rule.js';
import { indexPath, listValues, quoteValue } from '../../validation-helpers.js';
import { isGcpServiceAccount, isIamRoleArn } from './plugin-identities.js';

/** The identity field each known plugin kind must carry, and how to check it. */
const IDENTITY_FIELDS: Readonly<
  Record<string, { field: string; valid: (value: string) => boolean; expected: string }>
> = {
  WorkloadIdentity: {
    field: 'gcpServiceAccount',
    valid: isGcpServiceAccount,
    expected: 'a GCP service-account e-mail (name@project.iam.gserviceaccount.com)',
  },
  AwsIamForServiceAccount: {
    field: 'awsIamRole',
    valid: isIamRoleArn,
    expected: 'an IAM role ARN (arn:aws:iam::123456789012:role/name)',
  },
};

function checkPlugin(path: string, plugin: unknown, allowed: readonly string[]): Violation[] {
  const record = asRecord(plugin);
  if (record === undefined) {
    return [{ path, message: `${path} ${quoteValue(plugin)} is not an object {kind, spec}` }];
  }
  const kind = record.kind;
  if (typeof kind !== 'string' || !allowed.includes(kind)) {
    const shown = kind === undefined ? 'is missing' : `${quoteValue(kind)} is not allowed`;
    return [
      { path: `${path}.kind`, message: `${path}.kind ${shown}; allowed: ${listValues(allowed)}` },
    ];
  }
  const identity = Object.hasOwn(IDENTITY_FIELDS, kind) ? IDENTITY_FIELDS[kind] : undefined;
  if (identity === undefined) return [];
  const fieldPath = `${path}.spec.${identity.field}`;
  const value = asRecord(record.spec)?.[identity.field];
  if (typeof value === 'string' && identity.valid(value)) return [];
  const shown = value === undefined ? 'is missing' : `${quoteValue(value)} is not valid`;
  return [{ path: fieldPath, message: `${fieldPath} ${shown}; expected ${identity.expected}` }];
}

/**
 * Each `spec.plugins[i].kind` must be in `profiles.plugins.allowedKinds`; a `WorkloadIdentity`
 * plugin needs a GCP service-account e-mail and an `AwsIamForServiceAccount` one an IAM role ARN.
 */
export const profilePlugin = defineRule({
  id: 'profile-plugin',
  targets: ['Profile'],
  operations: WRITE_OPERATIONS,
  structural: false,
  description:
    'a plugin kind is not in `profiles.plugins.allowedKinds`, a `WorkloadIdentity` `gcpServiceAccount` is not a GCP service-account e-mail, or an `AwsIamForServiceAccount` `awsIamRole` is not an IAM role ARN',
  clusterState: 'none',
  check: ({ object, policy }) => {
    const plugins = asRecord(object.spec)?.plugins;
    if (plugins === undefined || plugins === null) return PASS;
    if (!Array.isArray(plugins)) {
      return fail('spec.plugins', `spec.plugins ${quoteValue(plugins)} is not a list`);
    }
    const allowed = policy.spec.profiles.plugins.allowedKinds;
    return failIf(
      plugins.flatMap((plugin: unknown, index) =>
        checkPlugin(indexPath('spec.plugins', index), plugin, allowed),
      ),
    );
  },
});
