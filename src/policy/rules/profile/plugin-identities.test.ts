import { isGcpServiceAccount, isIamRoleArn } from './plugin-identities.js';

describe('isGcpServiceAccount', () => {
  it.each([
    ['kf-user@my-project.iam.gserviceaccount.com', true],
    ['abcdef@abcdef.iam.gserviceaccount.com', true], // 6-char minimum for both ids
    [`a${'b'.repeat(29)}@my-project.iam.gserviceaccount.com`, true], // 30 chars
    [`a${'b'.repeat(30)}@my-project.iam.gserviceaccount.com`, false], // 31 chars
    ['abcde@my-project.iam.gserviceaccount.com', false], // 5 chars
    ['1user@my-project.iam.gserviceaccount.com', false], // must start with a letter
    ['user-x-@my-project.iam.gserviceaccount.com', false], // must not end with '-'
    ['KF-User@my-project.iam.gserviceaccount.com', false],
    ['kf-user@my-project.gserviceaccount.com', false],
    ['kf-user@my-project.iam.gserviceaccount.com.evil.io', false],
    ['123456789-compute@developer.gserviceaccount.com', false], // Google-managed default account
    ['kf-user@my-project.iam.gserviceaccount.com ', false],
    ['kf-user', false],
  ])('%p: %p', (value, ok) => {
    expect(isGcpServiceAccount(value)).toBe(ok);
  });
});

describe('isIamRoleArn', () => {
  it.each([
    ['arn:aws:iam::123456789012:role/kf-user', true],
    ['arn:aws:iam::123456789012:role/service-role/team/kf+user=,.@-_', true],
    ['arn:aws-cn:iam::123456789012:role/kf-user', true],
    ['arn:aws-us-gov:iam::123456789012:role/kf-user', true],
    [`arn:aws:iam::123456789012:role/${'r'.repeat(64)}`, true],
    [`arn:aws:iam::123456789012:role/${'r'.repeat(65)}`, false],
    ['arn:aws:iam::12345678901:role/kf-user', false], // 11 digits
    ['arn:aws:iam::123456789012:user/kf-user', false],
    ['arn:aws:iam::123456789012:role/', false],
    ['arn:aws:iam::123456789012:role//x', false],
    ['arn:aws:sts::123456789012:assumed-role/kf-user/x', false],
    ['arn:aws-eu:iam::123456789012:role/kf-user', false],
    ['arn:aws:iam::123456789012:role/kf user', false],
    ['kf-user', false],
  ])('%p: %p', (value, ok) => {
    expect(isIamRoleArn(value)).toBe(ok);
  });
});
