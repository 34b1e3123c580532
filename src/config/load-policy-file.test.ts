import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPolicyFile } from './load-policy-file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'policy-file-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

const YAML_POLICY = `# a team policy
apiVersion: profile-guard.io/v1alpha1
kind: ProfilePolicy
metadata:
  name: strict
spec:
  defaultMode: Warn
  profiles:
    quota:
      max: {cpu: 32, memory: 256Gi}
`;

describe('loadPolicyFile', () => {
  it('loads YAML with defaults filled in', async () => {
    const result = await loadPolicyFile(await file('policy.yaml', YAML_POLICY));
    if (!result.ok) throw new Error(result.errors.join('\n'));
    expect(result.policy.name).toBe('strict');
    expect(result.policy.spec.defaultMode).toBe('Warn');
    expect(result.policy.spec.profiles.quota.max).toEqual({ cpu: '32', memory: '256Gi' });
    expect(result.policy.spec.bindings.ownerOnlyRoles).toEqual(['kubeflow-admin']);
  });

  it('loads JSON', async () => {
    const json = JSON.stringify({
      apiVersion: 'profile-guard.io/v1alpha1',
      kind: 'ProfilePolicy',
      spec: { exemptions: { users: ['admin@example.com'] } },
    });
    const result = await loadPolicyFile(await file('policy.json', json));
    if (!result.ok) throw new Error(result.errors.join('\n'));
    expect(result.policy.name).toBe('default');
    expect(result.policy.spec.exemptions.users).toEqual(['admin@example.com']);
  });

  it('accepts a leading and a trailing document separator', async () => {
    const result = await loadPolicyFile(await file('p.yaml', `---\n${YAML_POLICY}---\n`));
    expect(result.ok).toBe(true);
  });

  it('refuses several documents, saying how many', async () => {
    const path = await file('multi.yaml', `${YAML_POLICY}---\n${YAML_POLICY}`);
    expect(await loadPolicyFile(path)).toEqual({
      ok: false,
      errors: [`${path}: 2 documents found; a policy file holds exactly one ProfilePolicy`],
    });
  });

  it('refuses an empty file', async () => {
    const path = await file('empty.yaml', '# nothing here\n');
    expect(await loadPolicyFile(path)).toEqual({
      ok: false,
      errors: [`${path}: no document found; a policy file holds exactly one ProfilePolicy`],
    });
  });

  it('names the path of a missing file', async () => {
    const path = join(dir, 'absent.yaml');
    expect(await loadPolicyFile(path)).toEqual({
      ok: false,
      errors: [`${path}: cannot read policy file (ENOENT: no such file or directory)`],
    });
  });

  it('reports YAML syntax errors with their line and column', async () => {
    const path = await file('bad.yaml', 'apiVersion: profile-guard.io/v1alpha1\nkind: a: b\n');
    expect(await loadPolicyFile(path)).toEqual({
      ok: false,
      errors: [`${path}:2:7: Nested mappings are not allowed in compact mappings`],
    });
  });

  it('reports duplicate keys as syntax errors', async () => {
    const path = await file('dup.yaml', `${YAML_POLICY}kind: ProfilePolicy\n`);
    const result = await loadPolicyFile(path);
    expect(result).toEqual({
      ok: false,
      errors: [`${path}:11:1: Map keys must be unique`],
    });
  });

  it('reports JSON syntax errors with their line and column', async () => {
    const json =
      '{\n  "apiVersion": "profile-guard.io/v1alpha1",\n  "kind": "ProfilePolicy",,\n}\n';
    const path = await file('bad.json', json);
    expect(await loadPolicyFile(path)).toEqual({
      ok: false,
      errors: [`${path}:3:27: Unexpected , in flow map`],
    });
  });

  it('lists the policy errors of a well-formed file', async () => {
    const path = await file(
      'invalid.yaml',
      YAML_POLICY.replace('Warn', 'Loud').replace('cpu: 32', 'cpu: lots'),
    );
    expect(await loadPolicyFile(path)).toEqual({
      ok: false,
      errors: [
        'spec.defaultMode: must be one of Enforce, Warn, Audit',
        'spec.profiles.quota.max.cpu: "lots" is not a Kubernetes quantity',
      ],
    });
  });
});
