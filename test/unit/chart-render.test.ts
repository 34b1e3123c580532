/**
 * Renders the chart with helm (test/chart/render.sh) and checks the manifests' safety properties.
 * Needs a helm binary: $HELM, or the pinned one test/e2e/bin/ensure-binaries.sh caches; without
 * one the suite is skipped outside CI (the values schema is checked without helm in
 * chart-values.test.ts); with CI=true it fails instead.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { SELFTEST_USAGE } from '../../src/cli/selftest/run-selftest.js';
import { SERVE_USAGE } from '../../src/cli/serve/run-serve.js';
import { servedNativeObjects } from '../../src/app/native-policies.js';
import { generateNativePolicies } from '../../src/native/generate.js';
import { testPolicy } from '../../src/policy/test-support/test-policy.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHART = join(ROOT, 'charts', 'profile-guard');
const NS = 'profile-guard';
const FULLNAME = 'profile-guard';
const SA = `system:serviceaccount:${NS}:${FULLNAME}`;

function findHelm(): string | undefined {
  if (process.env.HELM) return process.env.HELM;
  const versions = readFileSync(join(ROOT, 'test', 'e2e', 'bin', 'versions.env'), 'utf8');
  const version = /^HELM_VERSION=(\S+)/m.exec(versions)?.[1];
  if (version === undefined) return undefined;
  const cache =
    process.env.PROFILE_GUARD_BIN_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'profile-guard', 'bin');
  const helm = join(cache, `helm-${version}`, 'helm');
  return existsSync(helm) ? helm : undefined;
}

const HELM = findHelm();
const VERSIONS_ENV = readFileSync(join(ROOT, 'test', 'e2e', 'bin', 'versions.env'), 'utf8');
/** The kubectl the e2e suite runs (KUBERNETES_VERSION of versions.env). */
const KUBECTL_VERSION = /^KUBERNETES_VERSION=(\S+)/m.exec(VERSIONS_ENV)?.[1] ?? 'unknown';
const CHART_VERSION = /^appVersion: (\S+)/m.exec(
  readFileSync(join(CHART, 'Chart.yaml'), 'utf8'),
)?.[1];
/** The values files of test/chart-values/, by name. */
const VARIANTS = ['default', 'ha', 'certs-scripts', 'monitoring', 'hooks', 'native'] as const;

/** The `helm.sh/hook` annotation of an object, if any. */
function hookAnnotation(obj: Readonly<Record<string, unknown>>): string | undefined {
  const metadata = obj.metadata as { annotations?: Record<string, string> } | undefined;
  return metadata?.annotations?.['helm.sh/hook'];
}
// In CI (which builds helm before the unit tests) a missing helm is a failure, never a skip.
const describeWithHelm = HELM === undefined && process.env.CI !== 'true' ? describe.skip : describe;

/** The container args the default values render (the contract's serve flags). */
const DEFAULT_ARGS = [
  'serve',
  '--cert-dir',
  '/certs',
  '--port',
  '8443',
  '--metrics-port',
  '9090',
  '--log-level',
  'info',
  '--shutdown-timeout',
  '25',
  '--offload-bytes',
  '262144',
  '--offload-budget-ms',
  '3000',
  '--offload-queue',
  '8',
  '--offload-nice',
  '10',
  '--no-reports',
  '--native-policies',
  'off',
  '--native-prefix',
  FULLNAME,
];

/** A parsed manifest; read with {@link at} and {@link list}. */
type Obj = Readonly<Record<string, unknown>>;

/** The value at a dotted path (`spec.template.spec`; list indices as numbers), or undefined. */
function at(node: unknown, path: string): unknown {
  let current = node;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** The list at a dotted path (fails the test when it is not a list). */
function list(node: unknown, path: string): Obj[] {
  const value = at(node, path);
  if (!Array.isArray(value))
    throw new Error(`${path}: expected a list, got ${JSON.stringify(value)}`);
  return value as Obj[];
}

const text = (node: unknown, path: string): string => String(at(node, path));

function load(file: string): Obj[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((doc) => doc.toJS() as Obj | null)
    .filter((obj): obj is Obj => obj !== null);
}

function one(objects: Obj[], kind: string, name?: string): Obj {
  const found = objects.filter(
    (o) => o.kind === kind && (name === undefined || at(o, 'metadata.name') === name),
  );
  if (found.length !== 1)
    throw new Error(`expected one ${kind} ${name ?? ''}, found ${found.length}`);
  return found[0]!;
}

const kinds = (objects: Obj[]) => objects.map((o) => String(o.kind)).sort();

function webhooksOf(objects: Obj[]): Map<string, Obj> {
  const out = new Map<string, Obj>();
  for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
    for (const hook of list(one(objects, kind, 'profile-guard'), 'webhooks'))
      out.set(text(hook, 'name'), hook);
  }
  return out;
}

function helmTemplate(...args: string[]): { status: number | null; stderr: string } {
  const result = spawnSync(
    HELM ?? 'helm',
    ['template', FULLNAME, CHART, '--namespace', NS, ...args],
    {
      encoding: 'utf8',
    },
  );
  return { status: result.status, stderr: result.stderr };
}

/** `helm template` with extra arguments, parsed (fails the test when helm fails). */
function helmTemplateObjects(...args: string[]): Obj[] {
  const result = spawnSync(
    HELM ?? 'helm',
    ['template', FULLNAME, CHART, '--namespace', NS, ...args],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`helm template ${args.join(' ')}: ${result.stderr}`);
  return parseAllDocuments(result.stdout)
    .map((doc) => doc.toJS() as Obj | null)
    .filter((obj): obj is Obj => obj !== null);
}

describeWithHelm('helm chart (rendered by test/chart/render.sh)', () => {
  let out: string;
  const rendered: Record<string, Obj[]> = {};
  /** The release's own objects of a variant (Helm hooks and tests are in {@link hooksOf}). */
  const variant = (name: string): Obj[] =>
    (rendered[name] ?? []).filter((obj) => hookAnnotation(obj) === undefined);
  /** The hook and test objects of a variant. */
  const hooksOf = (name: string): Obj[] =>
    (rendered[name] ?? []).filter((obj) => hookAnnotation(obj) !== undefined);

  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'chart-render-'));
    const stdout = execFileSync(join(ROOT, 'test', 'chart', 'render.sh'), ['--out', out], {
      env: { ...process.env, HELM },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(stdout.trim()).toBe(out);
    for (const name of VARIANTS) rendered[name] = load(join(out, `${name}.yaml`));
  }, 120_000);

  afterAll(() => {
    rmSync(out, { recursive: true, force: true });
  });

  it('renders the default variant to exactly these objects', () => {
    expect(kinds(variant('default'))).toEqual([
      'Certificate',
      'Certificate',
      'ClusterRole',
      'ClusterRoleBinding',
      'Deployment',
      'Issuer',
      'Issuer',
      'MutatingWebhookConfiguration',
      'PodDisruptionBudget',
      'ProfilePolicy',
      'Service',
      'ServiceAccount',
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicyBinding',
      'ValidatingWebhookConfiguration',
    ]);
    for (const obj of variant('default')) {
      expect(at(obj, 'metadata.labels')).toMatchObject({
        'app.kubernetes.io/name': 'profile-guard',
        'app.kubernetes.io/instance': FULLNAME,
        'app.kubernetes.io/managed-by': 'Helm',
      });
    }
  });

  it('names the webhooks as the contract does, with the safe per-webhook defaults', () => {
    const hooks = webhooksOf(variant('default'));
    const summary = [...hooks.values()].map((hook) => ({
      name: hook.name,
      path: at(hook, 'clientConfig.service.path'),
      failurePolicy: hook.failurePolicy,
      rules: list(hook, 'rules').map(
        (r) =>
          `${String(r.apiGroups)}/${String(r.apiVersions)}/${String(r.resources)}:${String(r.operations)}`,
      ),
    }));
    expect(summary).toEqual([
      {
        name: 'profiles.mutate.profile-guard.io',
        path: '/mutate',
        failurePolicy: 'Ignore',
        rules: ['kubeflow.org/v1,v1beta1/profiles:CREATE,UPDATE'],
      },
      {
        name: 'namespaces.mutate.profile-guard.io',
        path: '/mutate',
        failurePolicy: 'Ignore',
        rules: ['/v1/namespaces:CREATE,UPDATE'],
      },
      {
        name: 'profiles.validate.profile-guard.io',
        path: '/validate',
        failurePolicy: 'Fail',
        rules: ['kubeflow.org/v1,v1beta1/profiles:CREATE,UPDATE'],
      },
      {
        name: 'bindings.validate.profile-guard.io',
        path: '/validate',
        failurePolicy: 'Fail',
        rules: ['rbac.authorization.k8s.io/v1/rolebindings:CREATE,UPDATE,DELETE'],
      },
      {
        name: 'clusterrolebindings.validate.profile-guard.io',
        path: '/validate',
        failurePolicy: 'Fail',
        rules: ['rbac.authorization.k8s.io/v1/clusterrolebindings:CREATE,UPDATE'],
      },
      {
        name: 'authorizationpolicies.validate.profile-guard.io',
        path: '/validate',
        failurePolicy: 'Fail',
        rules: ['security.istio.io/v1,v1beta1/authorizationpolicies:CREATE,UPDATE,DELETE'],
      },
    ]);
    for (const hook of hooks.values()) {
      expect(hook).toMatchObject({
        admissionReviewVersions: ['v1'],
        sideEffects: 'NoneOnDryRun',
        matchPolicy: 'Equivalent',
        timeoutSeconds: 5,
        clientConfig: { service: { name: FULLNAME, namespace: NS, port: 443 } },
      });
      expect(at(hook, 'clientConfig.caBundle')).toBeUndefined();
    }
  });

  it('keeps kube-system and its own namespace away from every namespaced webhook', () => {
    const hooks = webhooksOf(variant('default'));
    const notIn = {
      key: 'kubernetes.io/metadata.name',
      operator: 'NotIn',
      values: ['kube-system', NS],
    };
    const optOut = { key: 'profile-guard.io/ignore', operator: 'DoesNotExist' };
    for (const name of [
      'bindings.validate.profile-guard.io',
      'authorizationpolicies.validate.profile-guard.io',
    ]) {
      expect(at(hooks.get(name), 'namespaceSelector')).toEqual({
        matchLabels: { 'app.kubernetes.io/part-of': 'kubeflow-profile' },
        matchExpressions: [notIn, optOut],
      });
    }
    const namespaces = hooks.get('namespaces.mutate.profile-guard.io');
    expect(at(namespaces, 'namespaceSelector')).toEqual({ matchExpressions: [notIn, optOut] });
    expect(at(namespaces, 'matchConditions.0')).toEqual({
      name: 'not-excluded-namespace',
      expression: `!(object.metadata.name in ['kube-system', '${NS}'])`,
    });
  });

  it('skips its own service account and kube-system controllers everywhere, admins and kube-controller-manager on RBAC and AuthorizationPolicies', () => {
    const common = [
      { name: 'not-profile-guard-itself', expression: `request.userInfo.username != '${SA}'` },
      {
        name: 'not-kube-system-controllers',
        expression: "!request.userInfo.username.startsWith('system:serviceaccount:kube-system:')",
      },
    ];
    const masters = {
      name: 'not-system-masters',
      expression: "!('system:masters' in request.userInfo.groups)",
    };
    const controllerManager = {
      name: 'not-kube-controller-manager',
      expression: "request.userInfo.username != 'system:kube-controller-manager'",
    };
    const conditions = new Map(
      [...webhooksOf(variant('default')).entries()].map(([name, hook]) => [
        name,
        list(hook, 'matchConditions').filter(
          (c) => c.name !== 'not-excluded-namespace' && c.name !== 'binds-a-profile-role',
        ),
      ]),
    );
    expect(Object.fromEntries(conditions)).toEqual({
      'profiles.mutate.profile-guard.io': common,
      'namespaces.mutate.profile-guard.io': common,
      'profiles.validate.profile-guard.io': common,
      'bindings.validate.profile-guard.io': [...common, masters, controllerManager],
      'clusterrolebindings.validate.profile-guard.io': [...common, masters, controllerManager],
      'authorizationpolicies.validate.profile-guard.io': [...common, masters, controllerManager],
    });
    const noMasters = helmTemplateObjects('--set', 'matchConditions.skipSystemMasters=false');
    for (const hook of webhooksOf(noMasters).values()) {
      expect(JSON.stringify(hook.matchConditions)).not.toContain('system:masters');
    }
    const noControllerManager = helmTemplateObjects(
      '--set',
      'matchConditions.skipKubeControllerManager=false',
    );
    for (const hook of webhooksOf(noControllerManager).values()) {
      expect(JSON.stringify(hook.matchConditions)).not.toContain('kube-controller-manager');
    }
    // With every user condition off, the RBAC webhooks render no empty matchConditions.
    const none = webhooksOf(
      helmTemplateObjects(
        '--set',
        'matchConditions.skipSelf=false',
        '--set',
        'matchConditions.skipKubeSystemServiceAccounts=false',
        '--set',
        'matchConditions.skipSystemMasters=false',
        '--set',
        'matchConditions.skipKubeControllerManager=false',
      ),
    );
    expect(none.get('bindings.validate.profile-guard.io')?.matchConditions).toBeUndefined();
    expect(
      list(none.get('clusterrolebindings.validate.profile-guard.io'), 'matchConditions').map(
        (c) => c.name,
      ),
    ).toEqual(['binds-a-profile-role']);
  });

  it("sends only ClusterRoleBindings of the policy's allowedRoles, whatever the operation", () => {
    const condition = (objects: Obj[]) =>
      list(
        webhooksOf(objects).get('clusterrolebindings.validate.profile-guard.io'),
        'matchConditions',
      ).find((c) => c.name === 'binds-a-profile-role');
    const expression = (roles: string) =>
      `(request.operation == 'DELETE' ? oldObject : object).roleRef.name in ${roles}`;
    expect(condition(variant('default'))).toEqual({
      name: 'binds-a-profile-role',
      expression: expression('["kubeflow-admin","kubeflow-edit","kubeflow-view"]'),
    });
    // From the policy the chart installs, from its policy file, the contract's default without
    // one, and roleNames when set (a role name cannot break out of the CEL string literal).
    expect(
      condition(helmTemplateObjects('--set', 'policy.spec.bindings.allowedRoles={team-admin}')),
    ).toEqual({ name: 'binds-a-profile-role', expression: expression('["team-admin"]') });
    expect(
      condition(
        helmTemplateObjects(
          '--set',
          'policy.file.enabled=true',
          '--set',
          'policy.file.content.spec.bindings.allowedRoles={kubeflow-edit,file-role}',
        ),
      )?.expression,
    ).toBe(expression('["kubeflow-edit","file-role"]'));
    expect(condition(helmTemplateObjects('--set', 'policy.create=false'))?.expression).toBe(
      expression('["kubeflow-admin","kubeflow-edit","kubeflow-view"]'),
    );
    expect(
      condition(
        helmTemplateObjects(
          '--set',
          'webhooks.validate.clusterRoleBindings.roleNames={kubeflow-admin,kubeflow-edit,kubeflow-view,x"y}',
        ),
      )?.expression,
    ).toBe(expression('["kubeflow-admin","kubeflow-edit","kubeflow-view","x\\"y"]'));
  });

  it('keeps every commonName within the 64 characters cert-manager allows, whatever the names', () => {
    // The longest names Helm and Kubernetes allow: a 53-character release, a 63-character namespace.
    const release = 'r'.repeat(53);
    const namespace = 'n'.repeat(63);
    const result = spawnSync(
      HELM ?? 'helm',
      [
        'template',
        release,
        CHART,
        '--namespace',
        namespace,
        '--show-only',
        'templates/certificates.yaml',
      ],
      { encoding: 'utf8' },
    );
    expect(result.stderr).toBe('');
    const certificates = parseAllDocuments(result.stdout)
      .map((doc) => doc.toJS() as Obj | null)
      .filter((obj): obj is Obj => obj?.kind === 'Certificate');
    expect(certificates).toHaveLength(2);
    for (const certificate of certificates) {
      const commonName = at(certificate, 'spec.commonName');
      expect(typeof commonName === 'string' ? commonName.length : 0).toBeLessThanOrEqual(64);
    }
    const serving = certificates.find((c) => text(c, 'metadata.name').endsWith('-serving'));
    expect(at(serving, 'spec.dnsNames')).toEqual([
      expect.stringMatching(new RegExp(`\\.${namespace}\\.svc$`)),
      expect.stringMatching(new RegExp(`\\.${namespace}\\.svc\\.cluster\\.local$`)),
    ]);
  });

  it('injects the CA of the serving Certificate, which names the Service', () => {
    const objects = variant('default');
    for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
      expect(at(one(objects, kind), 'metadata.annotations')).toEqual({
        'cert-manager.io/inject-ca-from': `${NS}/${FULLNAME}-serving`,
      });
    }
    expect(at(one(objects, 'Certificate', `${FULLNAME}-serving`), 'spec')).toMatchObject({
      secretName: `${FULLNAME}-tls`,
      dnsNames: [`${FULLNAME}.${NS}.svc`, `${FULLNAME}.${NS}.svc.cluster.local`],
      duration: '2160h',
      renewBefore: '720h',
      privateKey: { rotationPolicy: 'Always' },
      issuerRef: { kind: 'Issuer', name: `${FULLNAME}-ca` },
    });
    expect(at(one(objects, 'Certificate', `${FULLNAME}-serving`), 'spec.commonName')).toBe(
      undefined,
    );
    expect(at(one(objects, 'Certificate', `${FULLNAME}-ca`), 'spec')).toMatchObject({
      isCA: true,
      secretName: `${FULLNAME}-ca`,
      issuerRef: { kind: 'Issuer', name: `${FULLNAME}-selfsigned` },
    });
    expect(at(one(objects, 'Issuer', `${FULLNAME}-ca`), 'spec')).toEqual({
      ca: { secretName: `${FULLNAME}-ca` },
    });
    expect(at(one(objects, 'Issuer', `${FULLNAME}-selfsigned`), 'spec')).toEqual({
      selfSigned: {},
    });
  });

  it('runs the pod under restricted Pod Security with the contract CLI flags and probes', () => {
    const deployment = one(variant('default'), 'Deployment');
    const pod = at(deployment, 'spec.template.spec');
    const container = at(pod, 'containers.0');
    expect(at(deployment, 'spec.replicas')).toBe(2);
    expect(at(pod, 'securityContext')).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65532,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(at(container, 'securityContext')).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65532,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(at(container, 'args')).toEqual(DEFAULT_ARGS);
    expect(at(container, 'ports')).toEqual([
      { name: 'https', containerPort: 8443, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
    ]);
    for (const [probe, path] of [
      ['startupProbe', '/healthz'],
      ['livenessProbe', '/healthz'],
      ['readinessProbe', '/readyz'],
    ] as const) {
      expect(at(container, `${probe}.httpGet`)).toEqual({ path, port: 'https', scheme: 'HTTPS' });
    }
    expect(at(container, 'resources.requests')).toEqual({ cpu: '100m', memory: '128Mi' });
    expect(at(container, 'resources.limits.memory')).toBe('512Mi');
    expect(at(pod, 'terminationGracePeriodSeconds')).toBe(30);
    expect(at(container, 'lifecycle.preStop.exec.command')).toEqual([
      'node',
      '-e',
      'setTimeout(() => {}, 5000)',
    ]);
    expect(at(container, 'volumeMounts')).toEqual([
      { name: 'certs', mountPath: '/certs', readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
    ]);
    expect(at(pod, 'volumes.0')).toEqual({
      name: 'certs',
      secret: { secretName: `${FULLNAME}-tls` },
    });
    expect(at(pod, 'serviceAccountName')).toBe(FULLNAME);
    expect(at(pod, 'automountServiceAccountToken')).toBe(true);
    expect(at(pod, 'priorityClassName')).toBeUndefined();
    expect(at(pod, 'topologySpreadConstraints')).toEqual([
      {
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: at(deployment, 'spec.selector.matchLabels') },
      },
    ]);
    expect(
      list(pod, 'affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution'),
    ).toHaveLength(1);
    expect(at(one(variant('default'), 'PodDisruptionBudget'), 'spec.minAvailable')).toBe(1);
    expect(at(one(variant('default'), 'Service'), 'spec.ports')).toEqual([
      { name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' },
      { name: 'metrics', port: 9090, targetPort: 'metrics', protocol: 'TCP' },
    ]);
  });

  it('renders every container argument as a string, as the API server reads YAML (1.1: off is a bool)', () => {
    for (const name of ['default', 'ha', 'certs-scripts', 'monitoring', 'native']) {
      const deployment = parseAllDocuments(readFileSync(join(out, `${name}.yaml`), 'utf8'), {
        version: '1.1',
      })
        .map((doc) => doc.toJS() as Obj | null)
        .find((obj) => obj?.kind === 'Deployment');
      const args = list(deployment, 'spec.template.spec.containers.0.args');
      expect(args.filter((arg) => typeof arg !== 'string')).toEqual([]);
    }
  });

  it('passes only flags that profile-guard serve knows', () => {
    for (const name of VARIANTS) {
      const args = list(one(variant(name), 'Deployment'), 'spec.template.spec.containers.0.args');
      expect(args[0]).toBe('serve');
      for (const flag of args.map(String).filter((arg) => arg.startsWith('--'))) {
        expect(SERVE_USAGE).toContain(`${flag} `);
      }
    }
  });

  it('grants the least privilege, LimitRanges by name, reports only when enabled and only of the API(s) written', () => {
    const rules = (objects: Obj[]) =>
      list(one(objects, 'ClusterRole', FULLNAME), 'rules').map(
        (r) =>
          `${String(r.apiGroups)}/${String(r.resources)}:${String(r.verbs)}` +
          (Array.isArray(r.resourceNames) ? ` only ${r.resourceNames.map(String).join(',')}` : ''),
      );
    const base = [
      'kubeflow.org/profiles:list,watch',
      '/namespaces:list,watch',
      'rbac.authorization.k8s.io/rolebindings:list,watch',
      'profile-guard.io/profilepolicies:list,watch',
      'profile-guard.io/profilepolicies/status:update,patch',
      '/events:create,patch',
      'events.k8s.io/events:create,patch',
      '/limitranges:list,watch',
      '/limitranges:create,patch,delete only profile-guard-defaults',
      'admissionregistration.k8s.io/validatingadmissionpolicies,mutatingadmissionpolicies:list',
      'admissionregistration.k8s.io/validatingadmissionpolicies:delete only profile-guard-profiles-enforce,profile-guard-profiles-ratcheted,profile-guard-profiles-warn,profile-guard-profiles-audit',
      'admissionregistration.k8s.io/mutatingadmissionpolicies:delete only profile-guard-profiles-defaults',
    ];
    expect(rules(variant('default'))).toEqual(base);
    const withoutLimitRanges = helmTemplateObjects('--set', 'limitRanges.enabled=false');
    expect(rules(withoutLimitRanges)).toEqual(base.filter((rule) => !rule.includes('limitranges')));
    expect(
      list(one(withoutLimitRanges, 'Deployment'), 'spec.template.spec.containers.0.args'),
    ).toContain('--no-limit-ranges');
    expect(
      list(one(variant('default'), 'Deployment'), 'spec.template.spec.containers.0.args'),
    ).not.toContain('--no-limit-ranges');
    const openreports = 'openreports.io/reports,clusterreports:get,create,update';
    const wgpolicy = 'wgpolicyk8s.io/policyreports,clusterpolicyreports:get,create,update';
    // reports.api auto (ha): both groups, since it writes whichever the cluster serves.
    expect(rules(variant('ha'))).toEqual([...base, openreports, wgpolicy]);
    const args = (objects: Obj[]) =>
      list(one(objects, 'Deployment'), 'spec.template.spec.containers.0.args').map(String);
    expect(args(variant('default'))).toContain('--no-reports');
    expect(args(variant('default'))).not.toContain('--reports');
    expect(args(variant('ha'))).not.toContain('--no-reports');
    expect(args(variant('ha')).join(' ')).toContain('--reports auto');
    for (const [api, granted] of [
      ['openreports', openreports],
      ['wgpolicy', wgpolicy],
    ] as const) {
      const objects = helmTemplateObjects(
        '--set',
        'reports.enabled=true',
        '--set',
        `reports.api=${api}`,
      );
      expect(rules(objects)).toEqual([...base, granted]);
      expect(args(objects).join(' ')).toContain(`--reports ${api}`);
    }
    expect(helmTemplate('--set', 'reports.api=kyverno').stderr).toContain("at '/reports/api'");
    expect(at(one(variant('default'), 'ClusterRoleBinding'), 'subjects')).toEqual([
      { kind: 'ServiceAccount', name: FULLNAME, namespace: NS },
    ]);
  });

  describe('native policies (native.enabled, native.backstop)', () => {
    /**
     * Every object serve can keep under the chart's prefix, with the generator's bindings for
     * them: from a policy with every rule Enforce, one with every rule Warn, one with every rule
     * Audit (the same names whatever the policy's values: one object per mode, the ratcheting
     * warnings, the defaults).
     */
    const generated = (['Enforce', 'Warn', 'Audit'] as const).flatMap((defaultMode) => {
      const objects = generateNativePolicies(testPolicy({ defaultMode, ruleModes: {} }), {
        namePrefix: FULLNAME,
      }).objects as Obj[];
      const kept = new Set(
        servedNativeObjects(objects, FULLNAME).map((o) => text(o, 'metadata.name')),
      );
      return objects.filter((o) => kept.has(text(o, 'metadata.name')));
    });
    const byKind = (kind: string) => [
      ...new Map(
        generated.filter((o) => o.kind === kind).map((o) => [text(o, 'metadata.name'), o]),
      ).values(),
    ];
    const names = (objects: Obj[]) => objects.map((o) => text(o, 'metadata.name')).sort();

    it('binds exactly the policies the generator makes, with its actions, to Profile writes only', () => {
      const native = variant('native');
      for (const kind of ['ValidatingAdmissionPolicyBinding', 'MutatingAdmissionPolicyBinding']) {
        // What native.enabled adds: the chart's other bindings (the namespace opt-out guard) are
        // rendered without it too.
        const others = new Set(
          variant('default')
            .filter((o) => o.kind === kind)
            .map((o) => text(o, 'metadata.name')),
        );
        const chart = native.filter(
          (o) => o.kind === kind && !others.has(text(o, 'metadata.name')),
        );
        expect(names(chart)).toEqual(names(byKind(kind)));
        for (const binding of byKind(kind)) {
          const ours = one(native, kind, text(binding, 'metadata.name'));
          expect(at(ours, 'spec.policyName')).toBe(at(binding, 'spec.policyName'));
          expect(at(ours, 'spec.validationActions')).toEqual(at(binding, 'spec.validationActions'));
          expect(at(ours, 'spec.matchResources')).toEqual({
            resourceRules: [
              {
                apiGroups: ['kubeflow.org'],
                apiVersions: ['v1', 'v1beta1'],
                operations: ['CREATE', 'UPDATE'],
                resources: ['profiles'],
                scope: 'Cluster',
              },
            ],
          });
        }
      }
      // Each policy's own scope lies within its binding's.
      for (const policy of [
        ...byKind('ValidatingAdmissionPolicy'),
        ...byKind('MutatingAdmissionPolicy'),
      ]) {
        for (const rule of list(policy, 'spec.matchConstraints.resourceRules')) {
          expect(rule).toMatchObject({ apiGroups: ['kubeflow.org'], resources: ['profiles'] });
        }
      }
      const nativeNames = new Set(generated.map((o) => text(o, 'metadata.name')));
      expect(
        variant('default').filter(
          (o) =>
            String(o.kind).endsWith('PolicyBinding') && nativeNames.has(text(o, 'metadata.name')),
        ),
      ).toEqual([]);
    });

    it('lets the server write those policies by name only, never their bindings', () => {
      const rules = list(one(variant('native'), 'ClusterRole'), 'rules').filter(
        (rule) => at(rule, 'apiGroups.0') === 'admissionregistration.k8s.io',
      );
      const sorted = (rule: Obj) =>
        rule.resourceNames === undefined
          ? rule
          : { ...rule, resourceNames: list(rule, 'resourceNames').map(String).sort() };
      expect(rules.map(sorted)).toEqual([
        {
          apiGroups: ['admissionregistration.k8s.io'],
          resources: ['validatingadmissionpolicies', 'mutatingadmissionpolicies'],
          verbs: ['list'],
        },
        {
          apiGroups: ['admissionregistration.k8s.io'],
          resources: ['validatingadmissionpolicies'],
          verbs: ['create', 'patch', 'delete'],
          resourceNames: names(byKind('ValidatingAdmissionPolicy')),
        },
        {
          apiGroups: ['admissionregistration.k8s.io'],
          resources: ['mutatingadmissionpolicies'],
          verbs: ['create', 'patch', 'delete'],
          resourceNames: names(byKind('MutatingAdmissionPolicy')),
        },
      ]);
      const args = list(
        one(variant('native'), 'Deployment'),
        'spec.template.spec.containers.0.args',
      );
      expect(args.map(String).join(' ')).toContain(
        `--native-policies on --native-prefix ${FULLNAME}`,
      );
    });

    it('backstop: the Profile webhooks fail open, every other webhook keeps its policy', () => {
      const failure = (objects: Obj[]) =>
        Object.fromEntries(
          [...webhooksOf(objects)].map(([name, hook]) => [name, at(hook, 'failurePolicy')]),
        );
      expect(failure(variant('native'))).toEqual({
        ...failure(variant('default')),
        'profiles.mutate.profile-guard.io': 'Ignore',
        'profiles.validate.profile-guard.io': 'Ignore',
      });
      expect(failure(variant('default'))['profiles.validate.profile-guard.io']).toBe('Fail');
    });
  });

  it('creates the default ProfilePolicy from values', () => {
    const policy = one(variant('default'), 'ProfilePolicy', 'default');
    expect(policy.apiVersion).toBe('profile-guard.io/v1alpha1');
    expect(at(policy, 'spec.defaultMode')).toBe('Enforce');
    expect(at(policy, 'spec.exemptions.groups')).toEqual([
      'system:masters',
      'system:serviceaccounts:kube-system',
    ]);
    expect(at(policy, 'spec.exemptions.users')).toEqual(['system:kube-controller-manager']);
    expect(at(one(variant('ha'), 'ProfilePolicy'), 'spec.defaultMode')).toBe('Warn');
  });

  it('certs-scripts mode: caBundle on every webhook, no cert-manager objects, a policy file', () => {
    const objects = variant('certs-scripts');
    expect(kinds(objects)).toEqual([
      'ClusterRole',
      'ClusterRoleBinding',
      'ConfigMap',
      'Deployment',
      'MutatingWebhookConfiguration',
      'Service',
      'ServiceAccount',
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicyBinding',
      'ValidatingWebhookConfiguration',
    ]);
    for (const hook of webhooksOf(objects).values()) {
      expect(text(hook, 'clientConfig.caBundle')).toMatch(/^LS0tLS1CRUdJTi/);
      expect(hook.matchConditions).toBeUndefined();
    }
    for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
      expect(at(one(objects, kind), 'metadata.annotations')).toBeUndefined();
    }
    const pod = at(one(objects, 'Deployment'), 'spec.template.spec');
    expect(at(pod, 'containers.0.args')).toEqual([
      ...DEFAULT_ARGS,
      '--policy',
      '/etc/profile-guard/policy.yaml',
    ]);
    expect(list(pod, 'volumes')).toContainEqual({
      name: 'certs',
      secret: { secretName: 'profile-guard-certs' },
    });
    const configMap = one(objects, 'ConfigMap', `${FULLNAME}-policy`);
    expect(String((at(configMap, 'data') as Obj)['policy.yaml'])).toContain('name: from-file');
  });

  it('ha: strict spread, hard anti-affinity, a priority class, a NetworkPolicy', () => {
    const objects = variant('ha');
    const pod = at(one(objects, 'Deployment'), 'spec.template.spec');
    expect(at(pod, 'priorityClassName')).toBe('system-cluster-critical');
    expect(at(pod, 'topologySpreadConstraints.0')).toMatchObject({
      topologyKey: 'topology.kubernetes.io/zone',
      whenUnsatisfiable: 'DoNotSchedule',
    });
    expect(
      list(pod, 'affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution'),
    ).toHaveLength(1);
    expect(at(one(objects, 'PodDisruptionBudget'), 'spec.minAvailable')).toBe(2);
    const policy = one(objects, 'NetworkPolicy');
    expect(at(policy, 'spec.policyTypes')).toEqual(['Ingress']);
    expect(at(policy, 'spec.ingress')).toEqual([
      {
        ports: [{ port: 'https', protocol: 'TCP' }],
        from: [{ ipBlock: { cidr: '10.0.0.0/8' } }],
      },
      {
        ports: [{ port: 'metrics', protocol: 'TCP' }],
        from: [
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
        ],
      },
    ]);
    const hooks = webhooksOf(objects);
    expect(at(hooks.get('profiles.mutate.profile-guard.io'), 'reinvocationPolicy')).toBe(
      'IfNeeded',
    );
    const bindings = hooks.get('bindings.validate.profile-guard.io');
    expect(at(bindings, 'timeoutSeconds')).toBe(10);
    expect(at(bindings, 'namespaceSelector.matchExpressions.0.values')).toEqual([
      'kube-system',
      NS,
      'kubeflow',
      'istio-system',
    ]);
  });

  it('monitoring: ServiceMonitor, alerts on the contract metrics, a dashboard, an external issuer', () => {
    const objects = variant('monitoring');
    const monitor = one(objects, 'ServiceMonitor');
    expect(at(monitor, 'metadata.labels.release')).toBe('kube-prometheus-stack');
    expect(at(monitor, 'spec.endpoints')).toEqual([
      { port: 'metrics', path: '/metrics', scheme: 'http', interval: '30s', scrapeTimeout: '10s' },
    ]);
    const alerts = list(one(objects, 'PrometheusRule'), 'spec.groups.0.rules');
    expect(alerts.map((a) => a.alert)).toEqual([
      'ProfileGuardWebhookErrors',
      'ProfileGuardHighLatency',
      'ProfileGuardCertificateExpiring',
      'ProfileGuardPolicyReloadFailing',
      'ProfileGuardCacheNotSynced',
    ]);
    const alert = (name: string): Obj => alerts.find((a) => a.alert === name) ?? {};
    const expr = (name: string) => text(alert(name), 'expr').replace(/\s+/g, ' ').trim();
    expect(expr('ProfileGuardWebhookErrors')).toContain(
      'profile_guard_admission_requests_total{decision="error"}',
    );
    expect(expr('ProfileGuardWebhookErrors')).toMatch(/> 0\.01$/);
    expect(expr('ProfileGuardHighLatency')).toBe(
      'histogram_quantile(0.99, sum by (le, webhook) (rate(profile_guard_admission_duration_seconds_bucket[5m]))) > 0.5',
    );
    expect(expr('ProfileGuardCertificateExpiring')).toBe(
      'profile_guard_tls_certificate_expiry_timestamp_seconds - time() < 14 * 86400',
    );
    expect(expr('ProfileGuardPolicyReloadFailing')).toBe(
      'increase(profile_guard_policy_reloads_total{result="failure"}[15m]) > 0',
    );
    expect(expr('ProfileGuardCacheNotSynced')).toBe('profile_guard_cache_synced == 0');
    expect(alert('ProfileGuardCacheNotSynced').for).toBe('5m');
    for (const a of alerts)
      expect(text(a, 'annotations.description')).toMatch(/\{\{ \$(labels|value)/);

    const dashboard = one(objects, 'ConfigMap', `${FULLNAME}-dashboard`);
    expect(at(dashboard, 'metadata.namespace')).toBe('monitoring');
    expect(at(dashboard, 'metadata.labels.grafana_dashboard')).toBe('1');
    const json: unknown = JSON.parse(String((at(dashboard, 'data') as Obj)['profile-guard.json']));
    const exprs = list(json, 'panels').flatMap((p) =>
      list(p, 'targets').map((t) => text(t, 'expr')),
    );
    for (const metric of [
      'profile_guard_admission_requests_total',
      'profile_guard_rule_violations_total',
      'profile_guard_admission_duration_seconds_bucket',
      'profile_guard_cache_synced',
      'profile_guard_tls_certificate_expiry_timestamp_seconds',
    ]) {
      expect(exprs.some((e) => e.includes(metric))).toBe(true);
    }
    expect(objects.filter((o) => o.kind === 'Issuer')).toEqual([]);
    expect(at(one(objects, 'Certificate'), 'spec.issuerRef')).toEqual({
      group: 'cert-manager.io',
      kind: 'ClusterIssuer',
      name: 'cluster-ca',
    });
  });

  it.each<[string, string[], string]>([
    ['certs-scripts without a caBundle', ['--set', 'certs.mode=certs-scripts'], 'certs.caBundle'],
    [
      'profile namespace labels that differ between the policy and the webhooks',
      ['--set', 'profileNamespaces.label.team=a'],
      'policy.spec.profileNamespaces.label and profileNamespaces.label must be equal',
    ],
    [
      'a policy propagating a custom namespace opt-out label from Profiles',
      [
        '--set',
        'namespaceOptOut.label=example.com/skip',
        '--set',
        'policy.spec.profiles.namespaceLabels.propagate={team,example.com/skip}',
      ],
      'propagate lists namespaceOptOut.label "example.com/skip"',
    ],
    [
      'a policy file propagating the namespace opt-out label from Profiles',
      [
        '--set',
        'policy.file.enabled=true',
        '--set',
        'policy.file.content.spec.profiles.namespaceLabels.propagate={profile-guard.io/ignore}',
      ],
      'propagate lists namespaceOptOut.label "profile-guard.io/ignore"',
    ],
    ['a policy file without content', ['--set', 'policy.file.enabled=true'], 'policy.file.content'],
    [
      'a preStop pause that leaves no time for the graceful shutdown',
      ['--set', 'terminationGracePeriodSeconds=5'],
      'terminationGracePeriodSeconds must be greater than preStopSleepSeconds',
    ],
    ['a misspelt value', ['--set', 'replica=3'], "additional properties 'replica' not allowed"],
    [
      'ClusterRoleBinding role names that miss one of the policy allowedRoles',
      ['--set', 'webhooks.validate.clusterRoleBindings.roleNames={kubeflow-admin}'],
      'missing "kubeflow-edit"',
    ],
    [
      "ClusterRoleBinding role names that miss one of the policy file's allowedRoles",
      [
        '--set',
        'policy.file.enabled=true',
        '--set',
        'policy.file.content.spec.bindings.allowedRoles={team-admin}',
        '--set',
        'webhooks.validate.clusterRoleBindings.roleNames={kubeflow-admin}',
      ],
      'missing "team-admin"',
    ],
    [
      'ClusterRoleBinding role names without matchConditions',
      [
        '--set',
        'matchConditions.enabled=false',
        '--set',
        'webhooks.validate.clusterRoleBindings.roleNames={kubeflow-admin,kubeflow-edit,kubeflow-view}',
      ],
      'roleNames needs matchConditions.enabled',
    ],
    [
      'backstop mode without the native policies',
      ['--set', 'native.backstop=true'],
      'native.backstop needs native.enabled',
    ],
    [
      'a failurePolicy outside Fail|Ignore',
      ['--set', 'webhooks.mutate.namespaces.failurePolicy=Never'],
      'failurePolicy',
    ],
  ])('refuses to render %s', (_what, args, message) => {
    const result = helmTemplate(...args);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(message);
  });

  it('renders no PodDisruptionBudget for one replica and no matchConditions when disabled', () => {
    const dir = join(out, 'one-replica');
    const result = spawnSync(
      HELM ?? 'helm',
      [
        'template',
        FULLNAME,
        CHART,
        '--namespace',
        NS,
        '--set',
        'replicas=1',
        '--set',
        'matchConditions.enabled=false',
        '--output-dir',
        dir,
      ],
      { encoding: 'utf8' },
    );
    expect(result.status).toBe(0);
    const templates = join(dir, 'profile-guard', 'templates');
    expect(existsSync(join(templates, 'deployment.yaml'))).toBe(true);
    expect(existsSync(join(templates, 'poddisruptionbudget.yaml'))).toBe(false);
    const [validating] = load(join(templates, 'validatingwebhookconfiguration.yaml'));
    for (const hook of list(validating, 'webhooks')) expect(hook.matchConditions).toBeUndefined();
  });

  it("annotates both webhook configurations with webhookAnnotations, keeping cert-manager's", () => {
    for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
      expect(at(one(variant('hooks'), kind), 'metadata.annotations')).toEqual({
        'example.com/owner': 'platform-team',
        'cert-manager.io/inject-ca-from': `${NS}/${FULLNAME}-serving`,
      });
      const forged = helmTemplateObjects(
        '--set',
        'webhookAnnotations.cert-manager\\.io/inject-ca-from=elsewhere/other',
      );
      expect(at(one(forged, kind), 'metadata.annotations')).toEqual({
        'cert-manager.io/inject-ca-from': `${NS}/${FULLNAME}-serving`,
      });
    }
    const pod = at(one(variant('hooks'), 'Deployment'), 'spec.template.metadata.annotations');
    expect(pod).toEqual({ 'example.com/scrape': 'true' });
    for (const hookPod of podsOf(hooksOf('hooks'))) {
      expect(at(hookPod, 'metadata.annotations')).toMatchObject({ 'example.com/scrape': 'true' });
    }
  });

  it('takes a namespace labelled namespaceOptOut.label out of every namespaced webhook', () => {
    const hooks = webhooksOf(variant('hooks'));
    for (const name of [
      'bindings.validate.profile-guard.io',
      'authorizationpolicies.validate.profile-guard.io',
      'namespaces.mutate.profile-guard.io',
    ]) {
      expect(list(hooks.get(name), 'namespaceSelector.matchExpressions')).toContainEqual({
        key: 'example.com/no-profile-guard',
        operator: 'DoesNotExist',
      });
    }
    // Cluster-scoped kinds have no namespace to opt out.
    for (const name of ['profiles.validate.profile-guard.io', 'profiles.mutate.profile-guard.io']) {
      expect(at(hooks.get(name), 'namespaceSelector')).toBeUndefined();
    }
    const off = webhooksOf(helmTemplateObjects('--set', 'namespaceOptOut.label='));
    expect(
      list(off.get('bindings.validate.profile-guard.io'), 'namespaceSelector.matchExpressions'),
    ).toEqual([
      { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', NS] },
    ]);
  });

  it('guards the opt-out label with a ValidatingAdmissionPolicy: only the listed callers set it', () => {
    const policy = one(variant('hooks'), 'ValidatingAdmissionPolicy');
    expect(at(policy, 'spec.matchConstraints.resourceRules')).toEqual([
      {
        apiGroups: [''],
        apiVersions: ['v1'],
        operations: ['CREATE', 'UPDATE'],
        resources: ['namespaces'],
      },
    ]);
    expect(at(policy, 'spec.failurePolicy')).toBe('Fail');
    const label = 'example.com/no-profile-guard';
    expect(list(policy, 'spec.variables')).toEqual([
      {
        name: 'before',
        expression: `oldObject != null && has(oldObject.metadata.labels) && '${label}' in oldObject.metadata.labels ? oldObject.metadata.labels['${label}'] : '<absent>'`,
      },
      {
        name: 'after',
        expression: `has(object.metadata.labels) && '${label}' in object.metadata.labels ? object.metadata.labels['${label}'] : '<absent>'`,
      },
    ]);
    expect(at(policy, 'spec.validations.0.expression')).toBe(
      'variables.before == variables.after || request.userInfo.groups.exists(g, g in ["system:masters"]) || request.userInfo.username in ["system:serviceaccount:argocd:argocd-application-controller"]',
    );
    const binding = one(variant('hooks'), 'ValidatingAdmissionPolicyBinding');
    expect(at(binding, 'spec')).toEqual({
      policyName: at(policy, 'metadata.name'),
      validationActions: ['Deny'],
    });
    expect(
      helmTemplateObjects('--set', 'namespaceOptOut.guard.enabled=false').map((o) => o.kind),
    ).not.toContain('ValidatingAdmissionPolicy');
    expect(helmTemplate('--kube-version', 'v1.29.0').stderr).toContain(
      'namespaceOptOut.guard needs ValidatingAdmissionPolicy',
    );
  });

  it('autoscaling: a HorizontalPodAutoscaler owns the replica count; the PDB follows minReplicas', () => {
    const objects = variant('hooks');
    expect(at(one(objects, 'Deployment'), 'spec.replicas')).toBeUndefined();
    expect(at(one(objects, 'HorizontalPodAutoscaler'), 'spec')).toMatchObject({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: FULLNAME },
      minReplicas: 3,
      maxReplicas: 8,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } },
        },
        {
          type: 'Resource',
          resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } },
        },
      ],
    });
    expect(one(objects, 'PodDisruptionBudget')).toBeDefined();
    expect(variant('default').map((o) => o.kind)).not.toContain('HorizontalPodAutoscaler');
    expect(at(one(variant('default'), 'Deployment'), 'spec.replicas')).toBe(2);
    const single = helmTemplateObjects(
      '--set',
      'autoscaling.enabled=true',
      '--set',
      'autoscaling.minReplicas=1',
    );
    expect(single.map((o) => o.kind)).not.toContain('PodDisruptionBudget');
    for (const [args, message] of [
      [
        ['autoscaling.minReplicas=9'],
        'autoscaling.minReplicas must not exceed autoscaling.maxReplicas',
      ],
      [['resources.requests=null'], 'autoscaling needs resources.requests.cpu'],
    ] as const) {
      const result = helmTemplate(
        '--set',
        'autoscaling.enabled=true',
        ...args.flatMap((a) => ['--set', a]),
      );
      expect(result.stderr).toContain(message);
    }
  });

  it('upgrades the CRDs before an upgrade: a pre-upgrade Job server-side applies exactly crds/', () => {
    const hooks = hooksOf('default');
    const upgrade = hooks.filter((o) => hookAnnotation(o) === 'pre-upgrade');
    expect(upgrade.map((o) => `${String(o.kind)}/${text(o, 'metadata.name')}`).sort()).toEqual([
      `ClusterRole/${FULLNAME}-crds`,
      `ClusterRoleBinding/${FULLNAME}-crds`,
      `ConfigMap/${FULLNAME}-crds`,
      `Job/${FULLNAME}-crds`,
      `ServiceAccount/${FULLNAME}-crds`,
    ]);
    const configMap = one(upgrade, 'ConfigMap');
    expect(at(configMap, 'data')).toEqual({
      'profilepolicy.yaml': readFileSync(join(CHART, 'crds', 'profilepolicy.yaml'), 'utf8'),
    });
    const job = one(upgrade, 'Job');
    const container = at(job, 'spec.template.spec.containers.0') as Obj;
    expect(container.image).toBe(`registry.k8s.io/kubectl:${KUBECTL_VERSION}`);
    expect([container.command, container.args]).toEqual([
      ['kubectl'],
      [
        'apply',
        '--server-side',
        '--force-conflicts',
        '--field-manager=profile-guard-crds',
        '--filename=/crds/',
      ],
    ]);
    expect(at(job, 'spec.template.spec.serviceAccountName')).toBe(`${FULLNAME}-crds`);
    expect(list(one(upgrade, 'ClusterRole'), 'rules')).toEqual([
      {
        apiGroups: ['apiextensions.k8s.io'],
        resources: ['customresourcedefinitions'],
        resourceNames: ['profilepolicies.profile-guard.io'],
        verbs: ['get', 'create', 'patch'],
      },
    ]);
    // Hooks run before the release's objects exist: each hook object carries its own weight.
    for (const obj of upgrade) {
      expect(at(obj, 'metadata.annotations')).toMatchObject({
        'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded',
        'helm.sh/hook-weight': obj.kind === 'Job' ? '0' : '-5',
      });
    }
    expect(
      helmTemplateObjects('--set', 'crds.upgradeJob.enabled=false').filter(
        (o) => hookAnnotation(o) === 'pre-upgrade',
      ),
    ).toEqual([]);
  });

  it('cleanup (off by default): pre-delete removes the webhook configurations, post-delete the LimitRanges, each by name', () => {
    expect(hooksOf('default').filter((o) => String(hookAnnotation(o)).includes('delete'))).toEqual(
      [],
    );
    const hooks = hooksOf('hooks');
    const jobs = hooks.filter((o) => o.kind === 'Job' && hookAnnotation(o) !== 'pre-upgrade');
    expect(
      jobs.map((job) => [
        hookAnnotation(job),
        (at(job, 'spec.template.spec.containers.0.args') as string[]).join(' '),
      ]),
    ).toEqual([
      [
        'pre-delete',
        'delete validatingwebhookconfiguration/profile-guard mutatingwebhookconfiguration/profile-guard --ignore-not-found',
      ],
      [
        'post-delete',
        'delete limitranges --all-namespaces --selector=app.kubernetes.io/managed-by=profile-guard --field-selector=metadata.name=profile-guard-defaults --ignore-not-found',
      ],
    ]);
    const rules = (name: string) => list(one(hooks, 'ClusterRole', `${FULLNAME}-${name}`), 'rules');
    expect(rules('cleanup-webhooks')).toEqual([
      {
        apiGroups: ['admissionregistration.k8s.io'],
        resources: ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations'],
        resourceNames: ['profile-guard'],
        verbs: ['get', 'delete'],
      },
    ]);
    expect(rules('cleanup-limitranges')).toEqual([
      { apiGroups: [''], resources: ['limitranges'], verbs: ['list'] },
      {
        apiGroups: [''],
        resources: ['limitranges'],
        resourceNames: ['profile-guard-defaults'],
        verbs: ['delete'],
      },
    ]);
    const withoutLimitRanges = helmTemplateObjects(
      '--set',
      'cleanup.enabled=true',
      '--set',
      'cleanup.limitRanges=false',
    );
    expect(withoutLimitRanges.filter((o) => hookAnnotation(o) === 'post-delete')).toEqual([]);
  });

  it("helm test: profile-guard selftest in the chart's image, as a ServiceAccount the webhooks do not skip", () => {
    const tests = hooksOf('default').filter((o) => hookAnnotation(o) === 'test');
    const pod = one(tests, 'Pod');
    const container = at(pod, 'spec.containers.0') as Obj;
    expect(container.image).toBe(`ghcr.io/profile-guard/profile-guard:${CHART_VERSION}`);
    expect(container.args).toEqual(['selftest', '--timeout', '60']);
    for (const flag of (container.args as string[]).filter((arg) => arg.startsWith('--'))) {
      expect(SELFTEST_USAGE).toContain(`${flag} `);
    }
    const account = text(pod, 'spec.serviceAccountName');
    expect(account).toBe(`${FULLNAME}-selftest`);
    expect(`system:serviceaccount:${NS}:${account}`).not.toBe(SA);
    expect(list(one(tests, 'ClusterRole'), 'rules')).toEqual([
      { apiGroups: ['kubeflow.org'], resources: ['profiles'], verbs: ['create'] },
    ]);
    expect(at(pod, 'spec.restartPolicy')).toBe('Never');
    expect(at(container, 'securityContext')).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
    });
    expect(
      helmTemplateObjects('--set', 'test.enabled=false').filter(
        (o) => hookAnnotation(o) === 'test',
      ),
    ).toEqual([]);
  });

  it('never lets a hook or test pod match the webhook Service, PDB or NetworkPolicy selector', () => {
    for (const name of VARIANTS) {
      const selector = at(one(variant(name), 'Service'), 'spec.selector') as Record<string, string>;
      for (const pod of podsOf(hooksOf(name))) {
        const labels = (at(pod, 'metadata.labels') ?? {}) as Record<string, string>;
        const matches = Object.entries(selector).every(([key, value]) => labels[key] === value);
        expect([name, text(pod, 'metadata.name'), matches]).toEqual([
          name,
          text(pod, 'metadata.name'),
          false,
        ]);
      }
    }
  });

  it('pins the hook image to the kubectl version the tests run with', () => {
    const values = readFileSync(join(CHART, 'values.yaml'), 'utf8');
    expect(values).toContain(`    tag: ${KUBECTL_VERSION}\n`);
  });
});

/** The pod templates (Jobs) and pods among objects, as pod-shaped objects with metadata. */
function podsOf(objects: Obj[]): Obj[] {
  return objects.flatMap((o): Obj[] => {
    if (o.kind === 'Pod') return [o];
    if (o.kind === 'Job') return [(at(o, 'spec.template') ?? {}) as Obj];
    return [];
  });
}
