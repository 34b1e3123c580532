import { X509Certificate } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';

import type { CliIo } from '../../src/cli/io.js';
import { clusterMode, runServe } from '../../src/cli/serve/run-serve.js';
import type { RunningProfileGuard } from '../../src/app/start-profile-guard.js';
import { eventually, httpGet, httpsCall, profileReview } from './cli-support.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pg-serve-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Started {
  running: RunningProfileGuard;
  signals: EventEmitter;
  exit: Promise<number>;
  out: { stdout: string; stderr: string };
  logs: () => Record<string, unknown>[];
}

/** Runs `serve` in-process on free ports with a fake signal source. */
async function serve(args: readonly string[], env: Record<string, string> = {}): Promise<Started> {
  const out = { stdout: '', stderr: '' };
  const io: CliIo = {
    stdout: { write: (text: string) => (out.stdout += text) },
    stderr: { write: (text: string) => (out.stderr += text) },
    env: { TMPDIR: dir, HOME: join(dir, 'home'), ...env },
  };
  const signals = new EventEmitter();
  let started: (running: RunningProfileGuard) => void = () => undefined;
  const ready = new Promise<RunningProfileGuard>((resolve) => (started = resolve));
  const exit = runServe(['--port', '0', '--metrics-port', '0', ...args], io, {
    signals,
    onStarted: started,
  });
  const running = await Promise.race([
    ready,
    exit.then((code) => {
      throw new Error(`serve exited with ${code}: ${out.stderr}`);
    }),
  ]);
  const logs = () =>
    out.stdout
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { running, signals, exit, out, logs };
}

async function stop(started: Started): Promise<number> {
  started.signals.emit('SIGTERM');
  return started.exit;
}

async function run(args: readonly string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const code = await runServe(args, {
    stdout: { write: () => true },
    stderr: { write: (text: string) => (stderr += text) },
    env: { TMPDIR: dir, HOME: join(dir, 'home') },
  });
  return { code, stderr };
}

describe('profile-guard serve (no flags but free ports, no cluster configured)', () => {
  it('starts on the embedded default policy with a self-signed pair and stops cleanly on SIGTERM', async () => {
    const started = await serve([]);
    const { running } = started;
    const caPath = join(dir, `profile-guard-${running.port}`, 'ca.crt');
    expect(running.caPath).toBe(caPath);
    const ca = await readFile(caPath, 'utf8');
    expect(ca).toBe(running.caPem);
    expect(new X509Certificate(ca).ca).toBe(true);
    expect(started.out.stderr).toBe(
      [
        `profile-guard: serving https://localhost:${running.port} (metrics: http://localhost:${running.metricsPort}/metrics)`,
        `profile-guard: self-signed certificate; CA written to ${caPath}`,
        `profile-guard: try: curl --cacert ${caPath} https://localhost:${running.port}/healthz`,
        '',
      ].join('\n'),
    );

    const health = await httpsCall(running.port, ca, { path: '/healthz' });
    expect(health).toMatchObject({ status: 200, body: 'ok' });
    for (const host of ['127.0.0.1', '::1']) {
      expect((await httpsCall(running.port, ca, { path: '/healthz', host })).status).toBe(200);
    }
    const ready = await httpsCall(running.port, ca, { path: '/readyz' });
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({ ready: true, reasons: [] });

    const denied = await httpsCall(running.port, ca, {
      method: 'POST',
      path: '/validate',
      body: JSON.stringify(profileReview('kube-system')),
    });
    expect(denied.status).toBe(200);
    expect(JSON.parse(denied.body)).toMatchObject({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: {
        uid: 'uid-kube-system',
        allowed: false,
        status: {
          code: 403,
          reason: 'Forbidden',
          // Posted straight to /validate: the Profile also lacks what /mutate injects.
          message: expect.stringMatching(
            /^profile-name-reserved: metadata\.name "kube-system" is a reserved name; profile-defaults-applied: metadata\.labels lacks /,
          ) as unknown,
        },
      },
    });
    const mutated = await httpsCall(running.port, ca, {
      method: 'POST',
      path: '/mutate',
      body: JSON.stringify(profileReview('alice')),
    });
    expect(JSON.parse(mutated.body)).toMatchObject({
      response: { uid: 'uid-alice', allowed: true, patchType: 'JSONPatch' },
    });

    const metrics = await httpGet(running.metricsPort, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('profile_guard_policy_info{name="default",generation="1"} 1');
    expect(metrics.body).toContain('profile_guard_policy_reloads_total{result="success"} 1');
    // Present from the start, so that the chart's ProfileGuardPolicyReloadFailing (increase())
    // fires on the first failure.
    expect(metrics.body).toContain('profile_guard_policy_reloads_total{result="failure"} 0');
    expect(metrics.body).toContain('profile_guard_cache_synced 1');
    expect(metrics.body).toContain(
      'profile_guard_admission_requests_total{webhook="validate",kind="Profile",operation="CREATE",decision="denied"} 1',
    );
    expect(metrics.body).toMatch(/profile_guard_tls_certificate_expiry_timestamp_seconds \d{10}/);

    const messages = started.logs().map((line) => line.msg);
    expect(messages).toContain('cluster lookups off');
    expect(started.logs().find((line) => line.msg === 'cluster lookups off')?.reason).toMatch(
      /^no Kubernetes configuration found/,
    );
    expect(await stop(started)).toBe(0);
    expect(started.logs().at(-1)?.msg).toBe('stopped');
    await expect(httpsCall(running.port, ca, { path: '/healthz' })).rejects.toThrow(/ECONNREFUSED/);
  });

  it('writes the CA to --ca-out, and reports not ready while shutting down', async () => {
    const caOut = join(dir, 'out', 'my-ca.pem');
    const started = await serve(['--ca-out', caOut, '--host', '127.0.0.1']);
    expect(started.running.caPath).toBe(caOut);
    expect(await readFile(caOut, 'utf8')).toBe(started.running.caPem);
    expect(started.running.readiness()).toEqual({ ready: true, reasons: [] });
    const exit = stop(started);
    expect(started.running.readiness()).toEqual({ ready: false, reasons: ['shutting down'] });
    expect(await exit).toBe(0);
  });

  it('a signal that arrives while starting stops the server once it is up, with exit 0', async () => {
    const signals = new EventEmitter();
    let stderr = '';
    let started = false;
    const exit = runServe(
      ['--port', '0', '--metrics-port', '0', '--no-cluster'],
      {
        stdout: { write: () => true },
        stderr: { write: (text: string) => (stderr += text) },
        env: { TMPDIR: dir },
      },
      { signals, onStarted: () => (started = true) },
    );
    signals.emit('SIGTERM');
    expect(await exit).toBe(0);
    expect(started).toBe(true);
    expect(stderr).toMatch(/^profile-guard: SIGTERM: shutting down\nprofile-guard: serving https/);
    expect(signals.listenerCount('SIGTERM') + signals.listenerCount('SIGINT')).toBe(0);
  });

  it('stops on SIGINT too', async () => {
    const started = await serve(['--no-cluster']);
    started.signals.emit('SIGINT');
    expect(await started.exit).toBe(0);
    expect(started.out.stderr).toContain('profile-guard: SIGINT: shutting down\n');
  });
});

describe('profile-guard serve --offload-bytes', () => {
  /** A Profile review carrying `count` labels (about 12 bytes each). */
  const labelled = (uid: string, count: number) => {
    const review = profileReview('kube-system', 'alice@example.com', uid);
    const labels = Object.fromEntries(Array.from({ length: count }, (_, i) => [`l${i}`, 'v']));
    (review.request.object.metadata as Record<string, unknown>).labels = labels;
    return JSON.stringify(review);
  };

  /** The decision log lines about `uid`, without what differs from run to run. */
  const decisionLines = (started: Started, uid: string) =>
    started
      .logs()
      .filter((line) => line.uid === uid)
      .map(({ time: _t, pid: _p, hostname: _h, durationSeconds: _d, ...line }) => line);

  it('decides bodies above the threshold on the decision worker, answering as inline', async () => {
    const started = await serve(['--offload-bytes', '4096']);
    const { running } = started;
    const ca = running.caPem ?? '';
    const call = (path: string, body: string) =>
      httpsCall(running.port, ca, { method: 'POST', path, body });
    const small = labelled('uid-small', 10);
    const large = labelled('uid-large', 1000);
    expect(Buffer.byteLength(small)).toBeLessThan(4096);
    expect(Buffer.byteLength(large)).toBeGreaterThan(4096);
    const answers = {
      smallValidate: await call('/validate', small),
      largeValidate: await call('/validate', large),
      largeMutate: await call('/mutate', large),
      notAReview: await call('/validate', JSON.stringify({ pad: 'x'.repeat(5000) })),
    };
    expect(await stop(started)).toBe(0);

    // The same bodies, all decided inline.
    const inline = await serve(['--offload-bytes', '0']);
    const inlineCa = inline.running.caPem ?? '';
    const inlineCall = (path: string, body: string) =>
      httpsCall(inline.running.port, inlineCa, { method: 'POST', path, body });
    expect((await inlineCall('/validate', large)).body).toBe(answers.largeValidate.body);
    expect((await inlineCall('/mutate', large)).body).toBe(answers.largeMutate.body);
    const rejected = await inlineCall('/validate', JSON.stringify({ pad: 'x'.repeat(5000) }));
    expect([answers.notAReview.status, answers.notAReview.body]).toEqual([
      rejected.status,
      rejected.body,
    ]);
    const inlineLines = decisionLines(inline, 'uid-large');
    const inlineMetrics = await httpGet(inline.running.metricsPort, '/metrics');
    expect(inlineMetrics.body).not.toMatch(/profile_guard_offload_requests_total\{/);
    expect(await stop(inline)).toBe(0);

    expect(JSON.parse(answers.largeValidate.body).response).toMatchObject({
      uid: 'uid-large',
      allowed: false,
      status: { code: 403 },
    });
    expect(JSON.parse(answers.largeMutate.body).response).toMatchObject({
      uid: 'uid-large',
      allowed: true,
      patchType: 'JSONPatch',
    });
    // Observed as inline decisions are: the same decision log lines.
    expect(inlineLines.length).toBeGreaterThan(0);
    expect(decisionLines(started, 'uid-large')).toEqual(inlineLines);
  });

  it('counts what the decision worker decided', async () => {
    const started = await serve(['--offload-bytes', '4096']);
    const { running } = started;
    await httpsCall(running.port, running.caPem ?? '', {
      method: 'POST',
      path: '/validate',
      body: labelled('uid-large', 1000),
    });
    const metrics = await httpGet(running.metricsPort, '/metrics');
    expect(metrics.body).toContain(
      'profile_guard_offload_requests_total{webhook="validate",result="decided"} 1',
    );
    expect(metrics.body).toContain(
      'profile_guard_admission_requests_total{webhook="validate",kind="Profile",operation="CREATE",decision="denied"} 1',
    );
    expect(metrics.body).toContain('profile_guard_offload_queue_depth 0');
    expect(await stop(started)).toBe(0);
  });

  it('runs the decision worker --offload-nice levels below the main thread', async () => {
    const main = getPriority(0);
    const started = await serve(['--offload-bytes', '4096', '--offload-nice', '5']);
    const startedLines = () =>
      started.logs().filter((line) => line.msg === 'decision worker started');
    await eventually(() => startedLines().length > 0);
    expect(startedLines()).toEqual([
      expect.objectContaining({ nice: 5, priority: Math.min(19, main + 5) }),
    ]);
    expect(getPriority(0)).toBe(main);
    expect(await stop(started)).toBe(0);
  });

  it('refuses an --offload-nice outside 0-19', async () => {
    const { code, stderr } = await run(['--offload-nice', '20']);
    expect(code).toBe(2);
    expect(stderr).toContain('invalid value for --offload-nice: 20 (expected 0 to 19)');
    expect((await run(['--offload-nice', '-1'])).code).toBe(2);
  });

  it('refuses a threshold that is not a whole number', async () => {
    const { code, stderr } = await run(['--offload-bytes', '256k']);
    expect(code).toBe(2);
    expect(stderr).toContain('invalid value for --offload-bytes');
  });
});

describe('profile-guard serve --policy', () => {
  const policy = (name: string, generation: number, reserved: string) =>
    [
      'apiVersion: profile-guard.io/v1alpha1',
      'kind: ProfilePolicy',
      `metadata: {name: ${name}, generation: ${generation}}`,
      'spec:',
      '  profiles:',
      `    name: {reserved: [${reserved}]}`,
      '',
    ].join('\n');

  it('serves the file policy and reloads it on change, keeping the last good one on a bad edit', async () => {
    const file = join(dir, 'policy.yaml');
    await writeFile(file, policy('file-policy', 1, 'forbidden-one'));
    const started = await serve(['--policy', file, '--no-cluster']);
    const { port, caPem, metricsPort } = started.running;
    const verdict = async (name: string) => {
      const answer = await httpsCall(port, caPem!, {
        method: 'POST',
        path: '/validate',
        body: JSON.stringify(profileReview(name)),
      });
      return (JSON.parse(answer.body) as { response: { allowed: boolean } }).response.allowed;
    };
    const metrics = async () => (await httpGet(metricsPort, '/metrics')).body;
    try {
      expect(await verdict('forbidden-one')).toBe(false);
      expect(await verdict('forbidden-two')).toBe(true);
      expect(await metrics()).toContain(
        'profile_guard_policy_info{name="file-policy",generation="1"} 1',
      );
      expect(await metrics()).toContain('profile_guard_policy_reloads_total{result="failure"} 0');

      await writeFile(file, policy('file-policy', 2, 'forbidden-two'));
      await eventually(async () => (await metrics()).includes('generation="2"'));
      expect(await verdict('forbidden-one')).toBe(true);
      expect(await verdict('forbidden-two')).toBe(false);
      expect(await metrics()).toContain('profile_guard_policy_reloads_total{result="success"} 2');

      await writeFile(file, 'spec: {defaultMode: Sometimes}\n');
      await eventually(async () => (await metrics()).includes('result="failure"} 1'));
      expect(await verdict('forbidden-two')).toBe(false);
      expect(await metrics()).toContain(
        'profile_guard_policy_info{name="file-policy",generation="2"} 1',
      );
      const failure = started
        .logs()
        .find((line) => line.msg?.toString().startsWith('policy file is invalid'));
      expect(failure).toMatchObject({ level: 'error', path: file });
    } finally {
      expect(await stop(started)).toBe(0);
    }
  });
});

describe('profile-guard serve: startup failures', () => {
  it.each([
    [['--bogus'], 'profile-guard serve: unknown flag --bogus\n'],
    [
      ['--port', 'http'],
      'profile-guard serve: invalid value for --port: "http" (expected 0-65535)\n',
    ],
    [
      ['--port', '70000'],
      'profile-guard serve: invalid value for --port: "70000" (expected 0-65535)\n',
    ],
    [['--metrics-port'], 'profile-guard serve: flag --metrics-port needs a value\n'],
    [['--no-cluster=false'], 'profile-guard serve: flag --no-cluster takes no value\n'],
    [
      ['--log-level', 'loud'],
      'profile-guard serve: invalid value for --log-level: "loud" (expected trace or debug or info or warn or error or fatal or silent)\n',
    ],
    [
      ['--port', '9000', '--metrics-port', '9000'],
      'profile-guard serve: --port and --metrics-port must differ (both 9000)\n',
    ],
    [
      ['--no-cluster', '--kubeconfig', 'x'],
      'profile-guard serve: --kubeconfig and --no-cluster exclude each other\n',
    ],
    [['extra'], 'profile-guard serve: unexpected argument "extra"\n'],
    [
      ['--native-policies', 'yes'],
      'profile-guard serve: invalid value for --native-policies: "yes" (expected on or off)\n',
    ],
    [['--native-prefix', 'pg'], 'profile-guard serve: --native-prefix needs --native-policies\n'],
    [
      ['--native-policies', 'on', '--native-prefix', 'Profile_Guard'],
      'profile-guard serve: invalid value for --native-prefix: "Profile_Guard" is not a DNS label (at most 63 characters)\n',
    ],
    [
      ['--native-policies', 'on', '--no-cluster'],
      'profile-guard serve: --native-policies and --no-cluster exclude each other\n',
    ],
    [
      ['--native-policies', 'off', '--port', '0', '--metrics-port', '0'],
      'profile-guard serve: --native-policies needs cluster lookups (a kubeconfig or the in-cluster service account)\n',
    ],
  ])('bad flags %j exit 2', async (args, message) => {
    expect(await run(args)).toEqual({ code: 2, stderr: message });
  });

  it('exits 2 on a bad policy, listing every error', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(
      file,
      'apiVersion: profile-guard.io/v1alpha1\nkind: ProfilePolicy\nspec:\n  defaultMode: Sometimes\n  bogus: 1\n',
    );
    expect(
      await run(['--policy', file, '--no-cluster', '--port', '0', '--metrics-port', '0']),
    ).toEqual({
      code: 2,
      stderr: [
        `profile-guard serve: invalid policy ${file}:`,
        '  spec.bogus: unknown field',
        '  spec.defaultMode: must be one of Enforce, Warn, Audit',
        '',
      ].join('\n'),
    });
  });

  it('exits 2 on an unusable --cert-dir', async () => {
    const result = await run([
      '--cert-dir',
      dir,
      '--no-cluster',
      '--port',
      '0',
      '--metrics-port',
      '0',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `profile-guard serve: --cert-dir cannot read ${join(dir, 'tls.crt')}: ENOENT: no such file or directory\n`,
    );
  });

  it('exits 1 when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const result = await run(['--no-cluster', '--port', String(port), '--metrics-port', '0']);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^profile-guard serve: port in use: .*EADDRINUSE/);
    } finally {
      blocker.close();
    }
  });

  it('prints its help', async () => {
    let stdout = '';
    const code = await runServe(['--help'], {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: () => true },
      env: {},
    });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: profile-guard serve \[flags\]/);
    for (const flag of [
      '--policy',
      '--cert-dir',
      '--port',
      '--metrics-port',
      '--kubeconfig',
      '--no-cluster',
      '--ca-out',
      '--host',
      '--log-level',
    ]) {
      expect(stdout).toContain(flag);
    }
  });
});

describe('clusterMode', () => {
  const none = () => false;
  it('is off with --no-cluster, or when nothing configures a cluster', () => {
    expect(clusterMode(true, undefined, { KUBECONFIG: '/k' }, '/home/u', () => true)).toEqual({
      mode: 'off',
      reason: '--no-cluster',
    });
    expect(clusterMode(false, undefined, {}, '/home/u', none)).toMatchObject({ mode: 'off' });
    expect(clusterMode(false, undefined, { KUBECONFIG: '' }, '/home/u', none)).toMatchObject({
      mode: 'off',
    });
  });

  it('is on with --kubeconfig, KUBECONFIG, in a pod, or with ~/.kube/config', () => {
    expect(clusterMode(false, '/k', {}, '/home/u', none)).toEqual({ mode: 'on', kubeconfig: '/k' });
    const on = { mode: 'on', kubeconfig: undefined };
    expect(clusterMode(false, undefined, { KUBECONFIG: '/k' }, '/home/u', none)).toEqual(on);
    expect(
      clusterMode(false, undefined, { KUBERNETES_SERVICE_HOST: '10.0.0.1' }, '/h', none),
    ).toEqual(on);
    const seen: string[] = [];
    const exists = (path: string) => {
      seen.push(path);
      return true;
    };
    expect(clusterMode(false, undefined, {}, '/home/u', exists)).toEqual(on);
    expect(seen).toEqual([join('/home/u', '.kube', 'config')]);
  });
});
