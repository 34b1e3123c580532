import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfigError, loadKubeConfig } from './kube-config.js';

const kubeconfig = (cluster: string, server: string, current = cluster) => `apiVersion: v1
kind: Config
clusters:
  - name: ${cluster}
    cluster: {server: ${server}}
users:
  - name: ${cluster}-user
    user: {token: abc}
contexts:
  - name: ${cluster}
    context: {cluster: ${cluster}, user: ${cluster}-user}
current-context: "${current}"
`;

describe('loadKubeConfig', () => {
  let dir: string;
  const none = () => false;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pg-kubeconfig-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const write = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('prefers --kubeconfig over KUBECONFIG', () => {
    const flag = write('flag.yaml', kubeconfig('flag', 'https://flag.example:6443'));
    const env = write('env.yaml', kubeconfig('env', 'https://env.example:6443'));
    const loaded = loadKubeConfig({ kubeconfig: flag, env: { KUBECONFIG: env }, fileExists: none });
    expect(loaded).toMatchObject({
      source: 'flag',
      location: flag,
      server: 'https://flag.example:6443',
    });
  });

  it('reads KUBECONFIG as a path list; the first current context wins', () => {
    const first = write('a.yaml', kubeconfig('a', 'https://a.example', ''));
    const second = write('b.yaml', kubeconfig('b', 'https://b.example'));
    const loaded = loadKubeConfig({
      env: { KUBECONFIG: `${first}${delimiter}${second}` },
      fileExists: none,
      homeDir: dir,
    });
    expect(loaded.source).toBe('env');
    expect(loaded.server).toBe('https://b.example');
    expect(loaded.config.getClusters().map((c) => c.name)).toEqual(['a', 'b']);
  });

  it('falls back to ~/.kube/config', () => {
    mkdirSync(join(dir, '.kube'));
    write('.kube/config', kubeconfig('home', 'https://home.example'));
    const loaded = loadKubeConfig({ env: {}, homeDir: dir });
    expect(loaded).toMatchObject({ source: 'default', server: 'https://home.example' });
  });

  it('uses the in-cluster service account before ~/.kube/config', () => {
    mkdirSync(join(dir, '.kube'));
    write('.kube/config', kubeconfig('home', 'https://home.example'));
    const saved = {
      host: process.env.KUBERNETES_SERVICE_HOST,
      port: process.env.KUBERNETES_SERVICE_PORT,
    };
    process.env.KUBERNETES_SERVICE_HOST = '10.0.0.1';
    process.env.KUBERNETES_SERVICE_PORT = '443';
    try {
      const loaded = loadKubeConfig({
        env: process.env,
        homeDir: dir,
        fileExists: (path) => path.endsWith('/serviceaccount/token'),
      });
      expect(loaded).toMatchObject({ source: 'in-cluster', server: 'https://10.0.0.1:443' });
    } finally {
      if (saved.host === undefined) delete process.env.KUBERNETES_SERVICE_HOST;
      else process.env.KUBERNETES_SERVICE_HOST = saved.host;
      if (saved.port === undefined) delete process.env.KUBERNETES_SERVICE_PORT;
      else process.env.KUBERNETES_SERVICE_PORT = saved.port;
    }
  });

  it('fails clearly when there is no configuration at all', () => {
    expect(() => loadKubeConfig({ env: {}, homeDir: dir, fileExists: none })).toThrow(
      new KubeConfigError(
        'no Kubernetes configuration found: pass --kubeconfig PATH, set KUBECONFIG, run inside a ' +
          `cluster, or create ${join(dir, '.kube', 'config')}; use --no-cluster to run without ` +
          'cluster lookups',
      ),
    );
  });

  it('fails clearly on an unreadable file', () => {
    const missing = join(dir, 'missing.yaml');
    expect(() => loadKubeConfig({ kubeconfig: missing })).toThrow(
      new RegExp(`^cannot read kubeconfig ${missing} \\(--kubeconfig\\): `),
    );
  });

  it('fails clearly when the current context names no cluster', () => {
    const path = write('nocontext.yaml', kubeconfig('c', 'https://c.example', 'other'));
    expect(() => loadKubeConfig({ kubeconfig: path })).toThrow(
      `kubeconfig ${path}: the current context "other" names no cluster with a server address`,
    );
  });
});
