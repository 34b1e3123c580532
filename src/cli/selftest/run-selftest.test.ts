import type { ProfileDryRunAnswer } from '../../kube/profile-dry-run.js';
import type { CliIo } from '../io.js';
import { SELFTEST_PROFILE, judgeSelftest, runSelftest } from './run-selftest.js';

const DENIED =
  'admission webhook "profiles.validate.profile-guard.io" denied the request: profile-name-format: metadata.name "profile-guard-selftest.invalid" is not a DNS-1123 label';

describe('judgeSelftest', () => {
  it.each<[string, ProfileDryRunAnswer, boolean, RegExp]>([
    [
      'a denial by profile-name-format',
      { kind: 'refused', status: 403, message: DENIED },
      true,
      /^denied by profiles\.validate\.profile-guard\.io as expected: admission webhook/,
    ],
    [
      'a denial by the webhook for another reason only',
      {
        kind: 'refused',
        status: 403,
        message:
          'admission webhook "profiles.validate.profile-guard.io" denied the request: profile-owner-domain: x',
      },
      false,
      /but not by profile-name-format/,
    ],
    [
      'a webhook the API server cannot call',
      {
        kind: 'refused',
        status: 500,
        message:
          'Internal error occurred: failed calling webhook "profiles.validate.profile-guard.io": failed to call webhook: Post "https://profile-guard.profile-guard.svc:443/validate?timeout=5s": tls: failed to verify certificate: x509: certificate signed by unknown authority',
      },
      false,
      /^the API server could not call the webhook .*x509/,
    ],
    [
      'RBAC',
      {
        kind: 'refused',
        status: 403,
        message:
          'profiles.kubeflow.org is forbidden: User "system:serviceaccount:x:y" cannot create resource "profiles"',
      },
      false,
      /^refused \(HTTP 403\), not by profile-guard: profiles\.kubeflow\.org is forbidden/,
    ],
    [
      "Warn mode: admitted with the rule's warning",
      {
        kind: 'admitted',
        object: SELFTEST_PROFILE,
        warnings: ['other: x', 'profile-name-format: metadata.name is not a DNS-1123 label'],
      },
      true,
      /^admitted with profile-guard's warning \(Warn mode\): profile-name-format:/,
    ],
    [
      'Audit mode: admitted, but mutated',
      {
        kind: 'admitted',
        object: {
          ...SELFTEST_PROFILE,
          metadata: { ...SELFTEST_PROFILE.metadata, labels: { team: 'a' } },
          spec: { ...SELFTEST_PROFILE.spec, resourceQuotaSpec: { hard: { cpu: '4' } } },
        },
        warnings: [],
      },
      true,
      /added metadata\.labels\["team"\], spec\.resourceQuotaSpec\.hard\["cpu"\]/,
    ],
    [
      'admitted untouched',
      { kind: 'admitted', object: SELFTEST_PROFILE, warnings: [] },
      false,
      /^admitted without any sign of profile-guard/,
    ],
  ])('%s', (_what, answer, ok, message) => {
    const verdict = judgeSelftest(answer);
    expect(verdict.ok).toBe(ok);
    expect(verdict.message).toMatch(message);
  });
});

describe('runSelftest', () => {
  const io = () => {
    const out = { stdout: '', stderr: '' };
    const cli: CliIo = {
      stdout: { write: (text: string) => (out.stdout += text) },
      stderr: { write: (text: string) => (out.stderr += text) },
      env: {},
    };
    return { out, cli };
  };

  it('sends the self-test Profile and exits 0 on the expected denial', async () => {
    const sent: unknown[] = [];
    const { out, cli } = io();
    const code = await runSelftest([], cli, {
      open: () =>
        Promise.resolve({
          create: (profile) => {
            sent.push(profile);
            return Promise.resolve({ kind: 'refused', status: 403, message: DENIED });
          },
        }),
    });
    expect(code).toBe(0);
    expect(sent).toEqual([SELFTEST_PROFILE]);
    expect(out.stdout).toMatch(/^profile-guard selftest: ok: denied by /);
  });

  it('tries again while the answer is wrong, until the timeout, then fails with the last reason', async () => {
    let clock = 0;
    const answers: ProfileDryRunAnswer[] = [
      { kind: 'refused', status: 500, message: 'failed calling webhook "x": connection refused' },
      { kind: 'refused', status: 403, message: DENIED },
    ];
    const { out, cli } = io();
    const code = await runSelftest(['--timeout', '10'], cli, {
      open: () =>
        Promise.resolve({
          create: () =>
            Promise.resolve(answers.shift() ?? { kind: 'refused', status: 1, message: '' }),
        }),
      now: () => clock,
      sleep: (ms) => {
        clock += ms;
        return Promise.resolve();
      },
    });
    expect(code).toBe(0);
    expect(clock).toBe(2000);
    expect(out.stdout).toMatch(/ok: denied/);

    clock = 0;
    const failing = io();
    const failed = await runSelftest(['--timeout', '5'], failing.cli, {
      open: () =>
        Promise.resolve({ create: () => Promise.reject(new Error('connect ECONNREFUSED')) }),
      now: () => clock,
      sleep: (ms) => {
        clock += ms;
        return Promise.resolve();
      },
    });
    expect(failed).toBe(1);
    expect(failing.out.stderr).toBe(
      'profile-guard selftest: FAIL (3 attempts): the API server cannot be reached: connect ECONNREFUSED\n',
    );
  });

  it('makes one attempt with --timeout 0', async () => {
    let calls = 0;
    const { out, cli } = io();
    const code = await runSelftest(['--timeout', '0'], cli, {
      open: () =>
        Promise.resolve({
          create: () => {
            calls += 1;
            return Promise.resolve({ kind: 'admitted', object: SELFTEST_PROFILE, warnings: [] });
          },
        }),
    });
    expect([code, calls]).toEqual([1, 1]);
    expect(out.stderr).toMatch(/^profile-guard selftest: FAIL \(1 attempt\): admitted without/);
  });

  it('exits 2 on bad flags and prints its usage with --help', async () => {
    const bad = io();
    expect(
      await runSelftest(['--timeout', 'soon'], bad.cli, {
        open: () => Promise.reject(new Error('unused')),
      }),
    ).toBe(2);
    expect(bad.out.stderr).toMatch(/invalid value for --timeout/);
    const help = io();
    expect(await runSelftest(['--help'], help.cli)).toBe(0);
    expect(help.out.stdout).toMatch(/^Usage: profile-guard selftest/);
  });

  it('exits 2 when the kubeconfig cannot be read', async () => {
    const { out, cli } = io();
    expect(await runSelftest(['--kubeconfig', '/nonexistent/kubeconfig'], cli)).toBe(2);
    expect(out.stderr).toMatch(/^profile-guard selftest: .*\/nonexistent\/kubeconfig/);
  });
});
