import { execFile } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { stringify } from 'yaml';

import { waitForAdmission } from '../harness/admission.js';
import { HARNESS_DIR, REPO_DIR, loadE2eEnv, type ManagedParts } from '../harness/e2e-env.js';
import { eventually } from '../harness/eventually.js';
import { type KubeObject, getObject, kubectl, kubectlOk } from '../harness/kubectl.js';
import { ScratchDir, profile } from '../harness/manifests.js';
import { type PodNetwork, createPodNetwork } from '../harness/pod-network.js';
import { spawnRecorded, stopRecorded } from '../harness/processes.js';
import { presentedSerial } from '../harness/tls-probe.js';

/*
 * The chart in cert-manager mode with the real cert-manager: its controller and cainjector
 * (test/e2e/bin/versions.env) run against the suite's API server with only cert-manager's CRDs
 * installed (no cert-manager webhook), `helm install` puts the release in a namespace of its own,
 * and `profile-guard serve` plays the release's pod: it runs as the release's ServiceAccount with
 * the Deployment's arguments, reads the Secret the way the kubelet publishes a Secret volume, and
 * listens on a pod address in a network namespace of its own (harness/pod-network.ts), published
 * in an EndpointSlice of the release's Service. The API server resolves the Service through that
 * EndpointSlice (control-plane.sh: --enable-aggregator-routing) and checks the serving
 * certificate for <service>.<namespace>.svc against the CA that cainjector injected.
 *
 * The chart's webhook configurations have fixed names, so the suite's own (clientConfig.url) are
 * taken out while the release is installed and put back afterwards.
 */

const run = promisify(execFile);
const env = loadE2eEnv();
const managed = env.managed;
const scratch = new ScratchDir();

/** Per run: without a namespace controller a deleted Namespace stays Terminating. */
const RUN = Date.now().toString(36).slice(-5);
const NAMESPACE = `e2e-cm-${RUN}`;
/** cert-manager's --cluster-resource-namespace (its default, kube-system, is not ours to use). */
const CERT_MANAGER_NAMESPACE = `e2e-cert-manager-${RUN}`;
const RELEASE = `cm-${RUN}`;
const FULLNAME = `${RELEASE}-profile-guard`;
/** The name the API server sends (SNI) and checks: `<service>.<namespace>.svc`. */
const SERVICE_HOST = `${FULLNAME}.${NAMESPACE}.svc`;
const CERTIFICATE = `${FULLNAME}-serving`;
const SECRET = `${FULLNAME}-tls`;
const WEBHOOK_CONFIGURATIONS = ['mutatingwebhookconfiguration', 'validatingwebhookconfiguration'];
const CERT_MANAGER_CRDS = join(REPO_DIR, 'test/e2e/fixtures/crds/third-party/cert-manager.yaml');
const CRD_NAMES = [
  'certificaterequests.cert-manager.io',
  'certificates.cert-manager.io',
  'challenges.acme.cert-manager.io',
  'clusterissuers.cert-manager.io',
  'issuers.cert-manager.io',
  'orders.acme.cert-manager.io',
];
/** Names of the processes this file starts (control-plane.sh spawn; e2e-down.sh stops them too). */
const CONTROLLER = 'cert-manager-controller';
const CAINJECTOR = 'cert-manager-cainjector';
const POD = 'profile-guard-pod';

/** What was set up, for afterAll to undo whatever got done. */
const state = {
  crdsCreated: [] as string[],
  suiteWebhooksRemoved: false,
  installed: false,
  network: undefined as PodNetwork | undefined,
};

/** tls.crt, tls.key and ca.crt of a kubernetes.io/tls Secret, as PEM text. */
interface SecretPair {
  readonly crt: string;
  readonly key: string;
  readonly ca: string;
}

async function readSecretPair(): Promise<SecretPair> {
  const secret = await getObject(env, ['secret', SECRET, '-n', NAMESPACE]);
  const data = (secret?.data ?? {}) as Record<string, string | undefined>;
  const decode = (key: string) => {
    const value = data[key];
    if (value === undefined || value === '') throw new Error(`Secret ${SECRET} has no ${key}`);
    return Buffer.from(value, 'base64').toString('utf8');
  };
  return { crt: decode('tls.crt'), key: decode('tls.key'), ca: decode('ca.crt') };
}

function serialOf(pem: string): string {
  return new X509Certificate(pem).serialNumber.toUpperCase();
}

/** Publishes the pair into `dir` as the kubelet publishes a Secret volume (..data swap). */
async function publish(dir: string, pair: SecretPair, name: string): Promise<void> {
  const files = ['tls.crt', 'tls.key', 'ca.crt'].map((file) =>
    join(scratch.path, `${name}-${file}`),
  );
  const [crt, key, ca] = files as [string, string, string];
  writeFileSync(crt, pair.crt);
  writeFileSync(key, pair.key, { mode: 0o600 });
  writeFileSync(ca, pair.ca);
  await run('bash', [join(HARNESS_DIR, 'publish-serving-cert.sh'), dir, crt, key, ca]);
}

/** GET https://<host>:<port><path> with SNI `SERVICE_HOST`, trusting `ca` only: the status code. */
function httpsStatus(host: string, port: number, path: string, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host, port, path, ca, servername: SERVICE_HOST, timeout: 5000, agent: false },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * From `serve`'s /metrics: the sum of the series of `name` whose labels include `match` (a
 * metric without labels is one series, matched by an empty `match`).
 */
async function metric(host: string, port: number, name: string, match = ''): Promise<number> {
  const text = await (await fetch(`http://${host}:${port}/metrics`)).text();
  return text
    .split('\n')
    .filter(
      (line) =>
        (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) && line.includes(match),
    )
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

/** Concurrent clients of the load during the renewal, and a bound on what they send. */
const LOAD_CLIENTS = 4;
const LOAD_MAX_REQUESTS = 20000;
const DENIAL = 'admission webhook "profiles.validate.profile-guard.io" denied the request: ';

/**
 * One Profile create (dry run) as alice over the API server's REST API on a keep-alive
 * connection, as a controller or a GitOps tool sends it; undefined when the answer is the
 * expected one: a good Profile comes back 201 and mutated (a quota injected), a reserved name 403
 * with the webhook's denial.
 */
function createProfile(parts: ManagedParts, agent: Agent, i: number): Promise<string | undefined> {
  const good = i % 2 === 0;
  const body = JSON.stringify(profile(good ? `e2e-cm-${i}` : `kube-cm-${i}`, 'alice@example.com'));
  const url = new URL(parts.apiserverUrl);
  return new Promise((resolve) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: '/apis/kubeflow.org/v1/profiles?dryRun=All',
        agent,
        timeout: 30000,
        headers: {
          authorization: `Bearer ${parts.aliceToken}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const code = response.statusCode ?? 0;
          let answer: {
            message?: string;
            spec?: { resourceQuotaSpec?: { hard?: Record<string, string> } };
          } = {};
          try {
            answer = JSON.parse(text) as typeof answer;
          } catch {
            // not JSON: reported below with the text
          }
          const mutated = Object.keys(answer.spec?.resourceQuotaSpec?.hard ?? {}).length > 0;
          const denied = answer.message?.includes(`${DENIAL}profile-name-reserved: `) === true;
          if ((good && code === 201 && mutated) || (!good && code === 403 && denied)) {
            resolve(undefined);
          } else {
            resolve(`request ${i} (${good ? 'mutated' : 'denied'} expected): ${code} ${text}`);
          }
        });
        response.on('error', (error) => {
          resolve(`request ${i}: ${String(error)}`);
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 30 s')));
    req.on('error', (error) => {
      resolve(`request ${i}: ${String(error)}`);
    });
    req.end(body);
  });
}

/**
 * Throws unless the environment's kube-apiserver resolves webhook Services through their
 * EndpointSlices: without --enable-aggregator-routing it would call the Service's ClusterIP,
 * which nothing on this host routes (no kube-proxy), so the calls would leave the host.
 */
function requireEndpointRouting(parts: ManagedParts): void {
  const line = readFileSync(join(parts.stateDir, 'processes'), 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('kube-apiserver '));
  const pid = line?.split(' ')[1];
  const argv = pid === undefined ? [] : readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  if (!argv.includes('--enable-aggregator-routing=true')) {
    throw new Error(
      'the e2e kube-apiserver runs without --enable-aggregator-routing=true (an environment ' +
        'started by an older harness?): start a new one (npm run e2e:down, npm run e2e:up)',
    );
  }
}

beforeAll(async () => {
  if (managed === undefined) return;
  requireEndpointRouting(managed);
  // cert-manager's CRDs, without its webhook: they are v1 only and convert nothing.
  for (const name of CRD_NAMES) {
    if ((await getObject(env, ['crd', name])) === undefined) state.crdsCreated.push(name);
  }
  const crds = await kubectlOk(env, [
    'apply',
    '--server-side',
    '--force-conflicts',
    '-o',
    'name',
    '-f',
    CERT_MANAGER_CRDS,
  ]);
  await kubectlOk(env, [
    'wait',
    '--for=condition=Established',
    '--timeout=60s',
    ...crds.split('\n').filter(Boolean),
  ]);
  await kubectlOk(env, ['create', 'namespace', CERT_MANAGER_NAMESPACE]);

  // The controller reads --kubeconfig; cainjector only the KUBECONFIG variable. Leader election
  // (a Lease in kube-system by default) is off: one replica each.
  await spawnRecorded(managed.stateDir, CONTROLLER, [
    managed.certManagerController,
    `--kubeconfig=${env.kubeconfig}`,
    '--leader-elect=false',
    `--cluster-resource-namespace=${CERT_MANAGER_NAMESPACE}`,
    // its Prometheus listener defaults to 0.0.0.0:9402; another e2e run may hold that port
    '--metrics-listen-address=127.0.0.1:0',
  ]);
  await spawnRecorded(managed.stateDir, CAINJECTOR, [
    'env',
    `KUBECONFIG=${env.kubeconfig}`,
    managed.certManagerCainjector,
    '--leader-elect=false',
  ]);

  // The chart names its webhook configurations `profile-guard`, as the suite's are named.
  state.suiteWebhooksRemoved = true;
  await kubectlOk(env, [
    'delete',
    ...WEBHOOK_CONFIGURATIONS.map((kind) => `${kind}/profile-guard`),
    '--ignore-not-found',
  ]);
  state.installed = true;
  await run(
    managed.helm,
    [
      'install',
      RELEASE,
      join(REPO_DIR, 'charts/profile-guard'),
      '--namespace',
      NAMESPACE,
      '--create-namespace',
      '--kubeconfig',
      env.kubeconfig,
      '--kube-context',
      env.contexts.admin,
      // ProfilePolicy objects are cluster-wide: the release's would govern the suite's webhook
      // too. Without one, the embedded default (which the chart's default policy repeats) governs.
      '--set',
      'policy.create=false',
    ],
    { timeout: 120000 },
  );
}, 300000);

afterAll(async () => {
  if (managed === undefined) return;
  const errors: unknown[] = [];
  const step = async (action: () => Promise<unknown>) => {
    try {
      await action();
    } catch (error) {
      errors.push(error);
    }
  };
  await step(() => stopRecorded(managed.stateDir, POD));
  await step(async () => state.network?.close());
  if (state.installed) {
    await step(() =>
      run(managed.helm, [
        'uninstall',
        RELEASE,
        '--namespace',
        NAMESPACE,
        '--kubeconfig',
        env.kubeconfig,
        '--kube-context',
        env.contexts.admin,
      ]),
    );
  }
  await step(() => stopRecorded(managed.stateDir, CONTROLLER));
  await step(() => stopRecorded(managed.stateDir, CAINJECTOR));
  // What helm does not own: the EndpointSlice, cert-manager's Secrets and CertificateRequests
  // (no garbage collector runs here).
  await step(() =>
    kubectl(env, [
      'delete',
      '-n',
      NAMESPACE,
      'endpointslices,secrets,certificaterequests',
      '--all',
      '--ignore-not-found',
    ]),
  );
  await step(() =>
    kubectl(env, [
      'delete',
      'namespace',
      NAMESPACE,
      CERT_MANAGER_NAMESPACE,
      '--ignore-not-found',
      '--wait=false',
    ]),
  );
  if (state.suiteWebhooksRemoved) {
    await step(async () => {
      await kubectlOk(env, ['apply', '-f', managed.webhookConfigurations]);
      await waitForAdmission(env);
    });
  }
  if (state.crdsCreated.length > 0) {
    await step(() => kubectl(env, ['delete', 'crd', ...state.crdsCreated, '--wait=false']));
  }
  scratch.remove();
  if (errors.length > 0) throw new AggregateError(errors, 'cleaning up after cert-manager');
}, 300000);

const maybe = managed === undefined ? test.skip : test;

describe('the chart in cert-manager mode, with the real cert-manager', () => {
  let pair: SecretPair;
  let servingDir: string;
  let network: PodNetwork;
  let caFile: string;
  const ports = { https: 0, metrics: 0 };

  maybe(
    "the Certificate becomes Ready; its Secret holds a pair for the Service's DNS names",
    async () => {
      await kubectlOk(env, [
        'wait',
        '-n',
        NAMESPACE,
        '--for=condition=Ready',
        '--timeout=120s',
        `certificate/${CERTIFICATE}`,
      ]);
      pair = await readSecretPair();
      const serving = new X509Certificate(pair.crt);
      const ca = new X509Certificate(pair.ca);
      expect(serving.subjectAltName?.split(', ').sort()).toEqual([
        `DNS:${SERVICE_HOST}`,
        `DNS:${SERVICE_HOST}.cluster.local`,
      ]);
      expect(serving.checkPrivateKey(createPrivateKey(pair.key))).toBe(true);
      expect(serving.ca).toBe(false);
      // Signed by the chart's CA Certificate, which the self-signed Issuer issued.
      expect(ca.ca).toBe(true);
      expect(ca.subject).toBe(`CN=${FULLNAME}-ca`);
      expect(serving.checkIssued(ca)).toBe(true);
      expect(serving.verify(ca.publicKey)).toBe(true);
      caFile = join(scratch.path, 'ca.crt');
      writeFileSync(caFile, pair.ca);
    },
    180000,
  );

  maybe(
    'cainjector writes that CA into both webhook configurations, which call the Service',
    async () => {
      await eventually(
        async () => {
          for (const kind of WEBHOOK_CONFIGURATIONS) {
            const configuration = await getObject(env, [kind, 'profile-guard']);
            expect(configuration?.metadata.annotations?.['cert-manager.io/inject-ca-from']).toBe(
              `${NAMESPACE}/${CERTIFICATE}`,
            );
            const webhooks = configuration?.webhooks as {
              clientConfig: { caBundle?: string; service?: Record<string, unknown> };
            }[];
            expect(webhooks.length).toBeGreaterThan(0);
            for (const { clientConfig } of webhooks) {
              expect(clientConfig.service).toMatchObject({ name: FULLNAME, namespace: NAMESPACE });
              expect(Buffer.from(clientConfig.caBundle ?? '', 'base64').toString('utf8')).toBe(
                pair.ca,
              );
            }
          }
        },
        { timeoutMs: 60000, intervalMs: 500 },
      );
    },
    90000,
  );

  maybe(
    'serve, reading the pair as the kubelet publishes it, is called by the API server through the Service',
    async () => {
      if (managed === undefined) return;
      network = await createPodNetwork(managed, POD);
      state.network = network;

      // The Deployment's container, run as the release's pod would run it.
      const deployment = await getObject(env, ['deployment', FULLNAME, '-n', NAMESPACE]);
      const container = podContainer(deployment);
      const mountPath = container.volumeMounts.find((mount) => mount.name === 'certs')?.mountPath;
      ports.https = containerPort(container, 'https');
      ports.metrics = containerPort(container, 'metrics');
      servingDir = join(scratch.path, 'pod-certs');
      await publish(servingDir, pair, 'first');
      const args = container.args.map((arg) => (arg === mountPath ? servingDir : arg));
      expect(args).toContain(servingDir);

      const token = (
        await kubectlOk(env, ['create', 'token', FULLNAME, '-n', NAMESPACE, '--duration=1h'])
      ).trim();
      const kubeconfig = join(scratch.path, 'pod-kubeconfig');
      writeFileSync(kubeconfig, podKubeconfig(managed, network, token), { mode: 0o600 });
      await spawnRecorded(managed.stateDir, POD, [
        ...network.enter,
        process.execPath,
        join(REPO_DIR, 'dist/cli/bin.js'),
        ...args,
        '--host',
        network.podIp,
        '--kubeconfig',
        kubeconfig,
      ]);
      // Ready first, then an endpoint: what the endpoint controller does for a ready pod.
      await eventually(
        async () => {
          expect(await httpsStatus(network.podIp, ports.https, '/readyz', pair.ca)).toBe(200);
        },
        { timeoutMs: 60000, intervalMs: 500 },
      );
      await kubectlOk(env, ['apply', '-f', '-'], {
        input: JSON.stringify(endpointSlice(network.podIp, container)),
      });

      // Only the release's webhook configurations are registered: every answer below comes
      // through the Service, from this serve.
      const denied = () =>
        metric(
          network.podIp,
          ports.metrics,
          'profile_guard_admission_requests_total',
          'decision="denied"',
        );
      const deniedBefore = await denied();
      await waitForAdmission(env);
      expect(await denied()).toBeGreaterThan(deniedBefore);

      const name = `e2e-cm-created-${RUN}`;
      try {
        await kubectlOk(env, ['create', '-f', '-'], {
          as: 'alice',
          input: JSON.stringify(profile(name, 'alice@example.com')),
        });
        const stored = await getObject(env, ['profile', name]);
        const hard = (stored?.spec as { resourceQuotaSpec?: { hard?: Record<string, string> } })
          .resourceQuotaSpec?.hard;
        expect(Object.keys(hard ?? {}).length).toBeGreaterThan(0);
      } finally {
        await kubectl(env, ['delete', 'profile', name, '--ignore-not-found', '--wait=false']);
      }
      expect(
        await metric(
          network.podIp,
          ports.metrics,
          'profile_guard_admission_requests_total',
          'decision="patched"',
        ),
      ).toBeGreaterThan(0);
    },
    180000,
  );

  maybe(
    'a renewal (cmctl renew) rotates the pair under load: no failed request, the new certificate served',
    async () => {
      if (managed === undefined) return;
      const probe = () =>
        presentedSerial(ports.https, caFile, { host: network.podIp, servername: SERVICE_HOST });
      const oldSerial = serialOf(pair.crt);
      expect(await probe()).toBe(oldSerial);
      const before = await getObject(env, ['certificate', CERTIFICATE, '-n', NAMESPACE]);
      const revisionBefore = (before?.status as { revision?: number }).revision ?? 0;

      const failures: string[] = [];
      let completed = 0;
      let completedAfterSwap = 0;
      let swapped = false;
      let stop = false;
      const agent = new Agent({ keepAlive: true, ca: readFileSync(managed.apiserverCaFile) });
      const client = async (offset: number) => {
        for (let i = offset; !stop && i < LOAD_MAX_REQUESTS; i += LOAD_CLIENTS) {
          const failure = await createProfile(managed, agent, i);
          if (failure !== undefined) failures.push(failure);
          completed += 1;
          if (swapped) completedAfterSwap += 1;
        }
      };
      // The kubelet's part: publish the Secret again whenever its content changes.
      let published = pair.crt;
      const kubelet = async () => {
        let n = 0;
        while (!stop) {
          const current = await readSecretPair();
          if (current.crt !== published) {
            n += 1;
            await publish(servingDir, current, `renewed-${n}`);
            published = current.crt;
          }
          await sleep(1000);
        }
      };
      const loops = [...Array.from({ length: LOAD_CLIENTS }, (_, i) => client(i)), kubelet()];
      try {
        await sleep(2000);
        // What `cmctl renew` does: the Issuing condition, True, reason ManuallyTriggered (an
        // update of the status at the resourceVersion read; on a conflict, read and try again).
        await eventually(async () => {
          const current = await getObject(env, ['certificate', CERTIFICATE, '-n', NAMESPACE]);
          await kubectlOk(env, [
            'patch',
            'certificate',
            CERTIFICATE,
            '-n',
            NAMESPACE,
            '--subresource=status',
            '--type=json',
            '-p',
            JSON.stringify(issuingPatch(current)),
          ]);
        });
        await eventually(
          async () => {
            const certificate = await getObject(env, ['certificate', CERTIFICATE, '-n', NAMESPACE]);
            const status = certificate?.status as {
              revision?: number;
              conditions?: { type: string; status: string }[];
            };
            expect(status.revision).toBe(revisionBefore + 1);
            expect(status.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
            expect(status.conditions?.some((c) => c.type === 'Issuing')).toBe(false);
          },
          { timeoutMs: 90000, intervalMs: 500 },
        );
        const renewed = await readSecretPair();
        expect(serialOf(renewed.crt)).not.toBe(oldSerial);
        expect(renewed.key).not.toBe(pair.key); // privateKey.rotationPolicy: Always
        expect(renewed.ca).toBe(pair.ca); // the CA stays: the injected bundle stays valid
        await eventually(
          async () => {
            expect(await probe()).toBe(serialOf(renewed.crt));
          },
          { timeoutMs: 60000, intervalMs: 500 },
        );
        swapped = true;
        // The CA stayed, so the bundle cainjector injected is the same and stays valid.
        for (const kind of WEBHOOK_CONFIGURATIONS) {
          const configuration = await getObject(env, [kind, 'profile-guard']);
          for (const webhook of configuration?.webhooks as {
            clientConfig: { caBundle: string };
          }[]) {
            expect(Buffer.from(webhook.clientConfig.caBundle, 'base64').toString('utf8')).toBe(
              pair.ca,
            );
          }
        }
        await eventually(
          () => {
            expect(completedAfterSwap).toBeGreaterThanOrEqual(100);
            return Promise.resolve();
          },
          { timeoutMs: 60000 },
        );
        expect(
          await metric(
            network.podIp,
            ports.metrics,
            'profile_guard_tls_certificate_expiry_timestamp_seconds',
          ),
        ).toBe(Math.floor(new Date(new X509Certificate(renewed.crt).validTo).getTime() / 1000));
        pair = renewed;
      } finally {
        stop = true;
        await Promise.all(loops);
        agent.destroy();
      }
      expect(failures).toEqual([]);
      expect(completed).toBeGreaterThan(completedAfterSwap);
    },
    240000,
  );
});

interface Container {
  readonly args: string[];
  readonly ports: { name: string; containerPort: number; protocol?: string }[];
  readonly volumeMounts: { name: string; mountPath: string }[];
}

function podContainer(deployment: KubeObject | undefined): Container {
  const spec = deployment?.spec as { template: { spec: { containers: Container[] } } } | undefined;
  const container = spec?.template.spec.containers[0];
  if (container === undefined) throw new Error(`Deployment ${FULLNAME} has no container`);
  return container;
}

function containerPort(container: Container, name: string): number {
  const port = container.ports.find((p) => p.name === name)?.containerPort;
  if (port === undefined) throw new Error(`the container has no port named ${name}`);
  return port;
}

/** The EndpointSlice the endpoint controller would write for one ready pod of the Service. */
function endpointSlice(podIp: string, container: Container): Record<string, unknown> {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `${FULLNAME}-e2e`,
      namespace: NAMESPACE,
      labels: {
        'kubernetes.io/service-name': FULLNAME,
        'endpointslice.kubernetes.io/managed-by': 'e2e.profile-guard.io',
      },
    },
    addressType: 'IPv4',
    ports: container.ports.map((p) => ({
      name: p.name,
      port: p.containerPort,
      protocol: p.protocol ?? 'TCP',
    })),
    endpoints: [{ addresses: [podIp], conditions: { ready: true, serving: true } }],
  };
}

/** A kubeconfig for the pod: the release's ServiceAccount token, the API server via the relay. */
function podKubeconfig(parts: ManagedParts, network: PodNetwork, token: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'e2e',
        cluster: {
          server: network.apiServerUrl,
          'certificate-authority': parts.apiserverCaFile,
          'tls-server-name': 'kubernetes.default.svc',
        },
      },
    ],
    users: [{ name: FULLNAME, user: { token } }],
    contexts: [{ name: 'pod', context: { cluster: 'e2e', user: FULLNAME } }],
    'current-context': 'pod',
  });
}

/**
 * The JSON patch `cmctl renew` amounts to: add the condition Issuing=True (reason
 * ManuallyTriggered) to the Certificate's status; the controller then issues a new certificate
 * and removes the condition.
 */
function issuingPatch(certificate: KubeObject | undefined): unknown[] {
  const generation = certificate?.metadata.generation as number | undefined;
  return [
    { op: 'test', path: '/metadata/resourceVersion', value: certificate?.metadata.resourceVersion },
    {
      op: 'add',
      path: '/status/conditions/-',
      value: {
        type: 'Issuing',
        status: 'True',
        reason: 'ManuallyTriggered',
        message: 'Certificate re-issuance manually triggered',
        lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        ...(generation === undefined ? {} : { observedGeneration: generation }),
      },
    },
  ];
}
