import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parse, parseAllDocuments } from 'yaml';

import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/run-cli.js';
import {
  DEFAULT_NAMESPACE_OPT_OUT_LABEL,
  SKIP_KUBE_CONTROLLER_MANAGER_CONDITION,
  SKIP_SYSTEM_MASTERS_CONDITION,
} from '../../src/native/generate.js';

const POLICIES = join(import.meta.dirname, '..', 'fixtures', 'check', 'policies');

async function native(args: readonly string[]) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
  };
  const code = await runCli(['native', ...args], io);
  return { code, stdout, stderr };
}

function documents(yaml: string): { kind: string; metadata: { name: string }; spec: unknown }[] {
  const parsed = parseAllDocuments(yaml);
  for (const document of parsed) expect(document.errors).toEqual([]);
  return parsed.map((document) => document.toJS() as never);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pg-native-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('profile-guard native', () => {
  it('prints the embedded default policy as multi-document YAML for kubectl apply', async () => {
    const run = await native([]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(
      /^# Native admission policies for ProfilePolicy "default" \(generation 1\), by profile-guard native\.\n/,
    );
    expect(run.stdout).toContain(
      '\n#   profile-owner-limit: counts the Profiles the owner already has',
    );
    expect(documents(run.stdout).map((doc) => `${doc.kind}/${doc.metadata.name}`)).toEqual([
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
  });

  it('never folds a CEL expression over several lines', async () => {
    const run = await native([]);
    for (const line of run.stdout.split('\n')) {
      if (line.trimStart().startsWith('expression:')) expect(line).not.toMatch(/expression: [>|]/);
    }
  });

  it('reads --policy', async () => {
    const run = await native(['--policy', join(POLICIES, 'strict-domain.yaml')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('ProfilePolicy "strict-domain" (generation 3)');
    expect(run.stdout).toContain("['corp.example']");
  });

  it('--namespace-opt-out-label names the label that takes a namespace away, "" none', async () => {
    const selectors = async (args: readonly string[]) =>
      documents((await native(args)).stdout)
        .filter(
          (doc) =>
            doc.kind === 'ValidatingAdmissionPolicyBinding' &&
            doc.metadata.name === 'profile-guard-rolebindings-enforce',
        )
        .map((doc) => doc.spec as { matchResources?: { namespaceSelector?: unknown } })
        .map((spec) => spec.matchResources?.namespaceSelector);
    const label = { 'app.kubernetes.io/part-of': 'kubeflow-profile' };
    expect(await selectors([])).toEqual([
      {
        matchLabels: label,
        matchExpressions: [{ key: 'profile-guard.io/ignore', operator: 'DoesNotExist' }],
      },
    ]);
    expect(await selectors(['--namespace-opt-out-label', 'example.com/skip'])).toEqual([
      {
        matchLabels: label,
        matchExpressions: [{ key: 'example.com/skip', operator: 'DoesNotExist' }],
      },
    ]);
    expect(await selectors(['--namespace-opt-out-label', ''])).toEqual([{ matchLabels: label }]);
  });

  it("defaults to the chart's: its opt-out label, and admins skipped on RBAC and AuthorizationPolicies", async () => {
    const values = parse(
      await readFile(
        join(import.meta.dirname, '..', '..', 'charts', 'profile-guard', 'values.yaml'),
        'utf8',
      ),
    ) as {
      namespaceOptOut: { label: string };
      matchConditions: { skipSystemMasters: boolean; skipKubeControllerManager: boolean };
    };
    expect(DEFAULT_NAMESPACE_OPT_OUT_LABEL).toBe(values.namespaceOptOut.label);
    expect(values.matchConditions.skipSystemMasters).toBe(true);
    expect(values.matchConditions.skipKubeControllerManager).toBe(true);
    const helpers = await readFile(
      join(import.meta.dirname, '..', '..', 'charts', 'profile-guard', 'templates', '_helpers.tpl'),
      'utf8',
    );
    expect(helpers).toContain(`- name: ${SKIP_SYSTEM_MASTERS_CONDITION.name}\n`);
    expect(helpers).toContain(
      `- name: ${SKIP_KUBE_CONTROLLER_MANAGER_CONDITION.name}\n  expression: ${JSON.stringify(SKIP_KUBE_CONTROLLER_MANAGER_CONDITION.expression)}\n`,
    );
  });

  it('says which rules a policy keeps in the webhook and why', async () => {
    // A pattern the webhook accepts (it matches it in linear time) that RE2 cannot express.
    const file = join(dir, 'negated-class.yaml');
    await writeFile(
      file,
      'apiVersion: profile-guard.io/v1alpha1\nkind: ProfilePolicy\nspec: {profiles: {name: {pattern: "^[\\\\Sx]"}}}\n',
    );
    const run = await native(['--policy', file]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      '#   profile-name-pattern: profiles.name.pattern "^[\\\\Sx]": a negated class escape (\\D, \\W, \\S) inside a larger class (at offset 6) cannot be expressed in RE2\n',
    );
  });

  it.each([
    ['an invalid policy', ['--policy', join(POLICIES, 'invalid.yaml')], /invalid policy/],
    ['a missing policy file', ['--policy', join(POLICIES, 'nope.yaml')], /cannot read policy file/],
    ['an unknown flag', ['--polcy', 'x'], /unknown flag --polcy/],
    ['a stray argument', ['extra'], /unexpected argument "extra"/],
    ['--policy without a value', ['--policy'], /flag --policy needs a value/],
  ])('exits 2 on %s, printing nothing on stdout', async (_case, args, message) => {
    const run = await native(args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^profile-guard native: /);
    expect(run.stderr).toMatch(message);
  });

  it('--help prints the usage and exits 0', async () => {
    const run = await native(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: profile-guard native \[--policy FILE\]/);
    expect(run.stdout).toContain('--namespace-opt-out-label KEY');
  });

  it('is listed in profile-guard --help', async () => {
    let stdout = '';
    const io: CliIo = {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: () => 0 },
      env: {},
    };
    expect(await runCli(['--help'], io)).toBe(0);
    expect(stdout).toContain('\n  native   ');
  });
});
