/**
 * The cloud identities Kubeflow's Profile plugins bind a namespace's service account to.
 */

// A user-managed GCP service account: `<account>@<project>.iam.gserviceaccount.com`, where the
// account id and the project id are each 6–30 chars of a-z, 0-9 and `-`, start with a letter and
// do not end with `-`. Google-managed accounts (`…-compute@developer…`, `…@appspot…`) are not
// accepted: they carry broad project permissions and should not back a user namespace.
const GCP_ID = '[a-z][-a-z0-9]{4,28}[a-z0-9]';
const GCP_SERVICE_ACCOUNT = new RegExp(`^${GCP_ID}@${GCP_ID}\\.iam\\.gserviceaccount\\.com$`);

/** True when `value` is a user-managed GCP service-account e-mail. */
export function isGcpServiceAccount(value: string): boolean {
  return GCP_SERVICE_ACCOUNT.test(value);
}

// `arn:<partition>:iam::<12-digit account>:role/<optional path/><name>`: partitions aws, aws-cn
// and aws-us-gov; path segments and the 1–64 char name use IAM's `[\w+=,.@-]`.
const IAM_ROLE_ARN =
  /^arn:aws(?:-cn|-us-gov)?:iam::\d{12}:role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;

/** True when `value` is an AWS IAM role ARN (at most 2048 chars). */
export function isIamRoleArn(value: string): boolean {
  return value.length <= 2048 && IAM_ROLE_ARN.test(value);
}
