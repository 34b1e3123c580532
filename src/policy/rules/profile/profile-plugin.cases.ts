import { profileWithSpec } from '../../test-support/profile-fixtures.js';
import type { ProfileRuleCase } from '../../test-support/rule-cases.js';
import { testPolicy } from '../../test-support/test-policy.js';

const withPlugins = (plugins: unknown) => profileWithSpec({ plugins });
const workloadIdentity = (gcpServiceAccount: unknown) => ({
  kind: 'WorkloadIdentity',
  spec: { gcpServiceAccount },
});
const awsIam = (awsIamRole: unknown) => ({
  kind: 'AwsIamForServiceAccount',
  spec: { awsIamRole, annotateOnly: true },
});
const GCP = 'expected a GCP service-account e-mail (name@project.iam.gserviceaccount.com)';
const ARN = 'expected an IAM role ARN (arn:aws:iam::123456789012:role/name)';
const KINDS = 'allowed: WorkloadIdentity, AwsIamForServiceAccount';

/** profile-plugin's table (see rule-cases.ts). */
export const CASES: readonly ProfileRuleCase[] = [
  ...(
    [
      ['no plugins', undefined],
      ['null plugins', null],
      ['no entries', []],
      [
        'a valid WorkloadIdentity',
        [workloadIdentity('kf-user@my-project.iam.gserviceaccount.com')],
      ],
      ['a valid AwsIamForServiceAccount', [awsIam('arn:aws:iam::123456789012:role/kf-user')]],
    ] as const
  ).map(([title, plugins]) => ({
    title: `accepts ${title}`,
    object: withPlugins(plugins),
    findings: [],
  })),
  ...(
    [
      [
        'an unknown kind',
        [{ kind: 'AzureWorkloadIdentity', spec: {} }],
        'spec.plugins[0].kind',
        `spec.plugins[0].kind "AzureWorkloadIdentity" is not allowed; ${KINDS}`,
      ],
      [
        'a missing kind',
        [{ spec: {} }],
        'spec.plugins[0].kind',
        `spec.plugins[0].kind is missing; ${KINDS}`,
      ],
      [
        'a plugin that is not an object',
        ['WorkloadIdentity'],
        'spec.plugins[0]',
        'spec.plugins[0] "WorkloadIdentity" is not an object {kind, spec}',
      ],
      [
        'plugins that is not a list',
        { kind: 'WorkloadIdentity' },
        'spec.plugins',
        'spec.plugins {"kind":"WorkloadIdentity"} is not a list',
      ],
      [
        'a bad GCP account',
        [workloadIdentity('kf-user@gmail.com')],
        'spec.plugins[0].spec.gcpServiceAccount',
        `spec.plugins[0].spec.gcpServiceAccount "kf-user@gmail.com" is not valid; ${GCP}`,
      ],
      [
        'a missing GCP account',
        [{ kind: 'WorkloadIdentity' }],
        'spec.plugins[0].spec.gcpServiceAccount',
        `spec.plugins[0].spec.gcpServiceAccount is missing; ${GCP}`,
      ],
      [
        'a bad role ARN',
        [awsIam('arn:aws:iam::123:role/x')],
        'spec.plugins[0].spec.awsIamRole',
        `spec.plugins[0].spec.awsIamRole "arn:aws:iam::123:role/x" is not valid; ${ARN}`,
      ],
      [
        'a non-string role',
        [awsIam(42)],
        'spec.plugins[0].spec.awsIamRole',
        `spec.plugins[0].spec.awsIamRole 42 is not valid; ${ARN}`,
      ],
    ] as const
  ).map(([title, plugins, path, message]) => ({
    title: `rejects ${title}`,
    object: withPlugins(plugins),
    findings: [{ path, message }],
    allowed: false,
  })),
  {
    title: 'reports each bad plugin by index',
    object: withPlugins([
      workloadIdentity('kf-user@my-project.iam.gserviceaccount.com'),
      awsIam('nope'),
      { kind: 'Other' },
    ]),
    findings: [
      {
        path: 'spec.plugins[1].spec.awsIamRole',
        message: `spec.plugins[1].spec.awsIamRole "nope" is not valid; ${ARN}`,
      },
      {
        path: 'spec.plugins[2].kind',
        message: `spec.plugins[2].kind "Other" is not allowed; ${KINDS}`,
      },
    ],
  },
  {
    title: 'only allows the kinds the policy lists',
    object: withPlugins([workloadIdentity('kf-user@my-project.iam.gserviceaccount.com')]),
    policy: testPolicy({ profiles: { plugins: { allowedKinds: ['AwsIamForServiceAccount'] } } }),
    findings: [
      {
        path: 'spec.plugins[0].kind',
        message:
          'spec.plugins[0].kind "WorkloadIdentity" is not allowed; allowed: AwsIamForServiceAccount',
      },
    ],
  },
  {
    title: 'accepts an allowed kind it has no identity check for',
    object: withPlugins([{ kind: 'Custom' }]),
    policy: testPolicy({ profiles: { plugins: { allowedKinds: ['Custom'] } } }),
    findings: [],
  },
  {
    title: 'ratchets a bad plugin the stored Profile already had, wherever it moved',
    object: withPlugins([
      workloadIdentity('kf-user@my-project.iam.gserviceaccount.com'),
      awsIam('nope'),
    ]),
    operation: 'UPDATE',
    oldObject: withPlugins([awsIam('nope')]),
    findings: [
      {
        path: 'spec.plugins[1].spec.awsIamRole',
        message: `spec.plugins[1].spec.awsIamRole "nope" is not valid; ${ARN}`,
      },
    ],
    allowed: true,
  },
  {
    title: 'judges a changed bad plugin afresh',
    object: withPlugins([awsIam('still-nope')]),
    operation: 'UPDATE',
    oldObject: withPlugins([awsIam('nope')]),
    findings: [
      {
        path: 'spec.plugins[0].spec.awsIamRole',
        message: `spec.plugins[0].spec.awsIamRole "still-nope" is not valid; ${ARN}`,
      },
    ],
    allowed: false,
  },
];
