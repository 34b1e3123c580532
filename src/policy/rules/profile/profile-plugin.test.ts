import {
  evaluateProfile,
  findingsOf,
  pathsOf,
  profileWithSpec,
} from '../../test-support/profile-fixtures.js';
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

describe('profile-plugin', () => {
  it.each([
    ['no plugins', undefined],
    ['null plugins', null],
    ['no entries', []],
    ['a valid WorkloadIdentity', [workloadIdentity('kf-user@my-project.iam.gserviceaccount.com')]],
    ['a valid AwsIamForServiceAccount', [awsIam('arn:aws:iam::123456789012:role/kf-user')]],
  ])('accepts %s', (_case, plugins) => {
    expect(pathsOf('profile-plugin', withPlugins(plugins))).toEqual([]);
  });

  it.each([
    [
      'an unknown kind',
      [{ kind: 'AzureWorkloadIdentity', spec: {} }],
      'spec.plugins[0].kind',
      'spec.plugins[0].kind "AzureWorkloadIdentity" is not allowed; allowed: WorkloadIdentity, AwsIamForServiceAccount',
    ],
    [
      'a missing kind',
      [{ spec: {} }],
      'spec.plugins[0].kind',
      'spec.plugins[0].kind is missing; allowed: WorkloadIdentity, AwsIamForServiceAccount',
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
      'spec.plugins[0].spec.gcpServiceAccount "kf-user@gmail.com" is not valid; expected a GCP service-account e-mail (name@project.iam.gserviceaccount.com)',
    ],
    [
      'a missing GCP account',
      [{ kind: 'WorkloadIdentity' }],
      'spec.plugins[0].spec.gcpServiceAccount',
      'spec.plugins[0].spec.gcpServiceAccount is missing; expected a GCP service-account e-mail (name@project.iam.gserviceaccount.com)',
    ],
    [
      'a bad role ARN',
      [awsIam('arn:aws:iam::123:role/x')],
      'spec.plugins[0].spec.awsIamRole',
      'spec.plugins[0].spec.awsIamRole "arn:aws:iam::123:role/x" is not valid; expected an IAM role ARN (arn:aws:iam::123456789012:role/name)',
    ],
    [
      'a non-string role',
      [awsIam(42)],
      'spec.plugins[0].spec.awsIamRole',
      'spec.plugins[0].spec.awsIamRole 42 is not valid; expected an IAM role ARN (arn:aws:iam::123456789012:role/name)',
    ],
  ])('rejects %s', (_case, plugins, path, message) => {
    const result = evaluateProfile(withPlugins(plugins));
    expect(result.allowed).toBe(false);
    expect(findingsOf(result, 'profile-plugin')).toEqual([{ path, message }]);
  });

  it('reports each bad plugin by index', () => {
    const plugins = [
      workloadIdentity('kf-user@my-project.iam.gserviceaccount.com'),
      awsIam('nope'),
      { kind: 'Other' },
    ];
    expect(pathsOf('profile-plugin', withPlugins(plugins))).toEqual([
      'spec.plugins[1].spec.awsIamRole',
      'spec.plugins[2].kind',
    ]);
  });

  it('only allows the kinds the policy lists', () => {
    const policy = testPolicy({
      profiles: { plugins: { allowedKinds: ['AwsIamForServiceAccount'] } },
    });
    const plugins = [workloadIdentity('kf-user@my-project.iam.gserviceaccount.com')];
    expect(findingsOf(evaluateProfile(withPlugins(plugins), { policy }), 'profile-plugin')).toEqual(
      [
        {
          path: 'spec.plugins[0].kind',
          message:
            'spec.plugins[0].kind "WorkloadIdentity" is not allowed; allowed: AwsIamForServiceAccount',
        },
      ],
    );
  });

  it('accepts an allowed kind it has no identity check for', () => {
    const policy = testPolicy({ profiles: { plugins: { allowedKinds: ['Custom'] } } });
    expect(pathsOf('profile-plugin', withPlugins([{ kind: 'Custom' }]), { policy })).toEqual([]);
  });
});
