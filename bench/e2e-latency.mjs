// `npm run bench:e2e` (after `npm run build`): what profile-guard adds to a Profile create as the
// API server sees it. Prints figures, asserts nothing.
//
// Starts the e2e environment (test/e2e/harness/e2e-up.sh: etcd + kube-apiserver + profile-guard
// serve with the chart's webhook configurations), then, in one run, lets 16 concurrent clients
// create 1 000 Profiles over the API server's REST API (node:https, keep-alive, bearer token) in
// seven modes, interleaved (--rounds rounds, each creating count/rounds Profiles per mode in a
// rotating order, so that drift over the run favours no mode; with 7 rounds each mode takes each
// place in the order once):
//   none      no admission (the webhook configurations deleted, no admission policy);
//   webhook   profile-guard's webhook configurations as the chart ships them (mutate + validate);
//   vap       a hand-written ValidatingAdmissionPolicy (CEL) + binding for the stateless name and
//             owner rules (profile-name-format, -reserved, profile-owner-required, -format);
//   native    the native admission policies `profile-guard native` generates from the embedded
//             default policy, with their bindings (for Profiles: every stateless rule in its mode,
//             the ratcheting warnings and the defaults MutatingAdmissionPolicy; the RoleBinding,
//             ClusterRoleBinding and AuthorizationPolicy ones match no Profile); no webhook;
//   backstop  the native policies and the webhooks together, the Profile webhooks failing open
//             (failurePolicy Ignore), as the chart installs them with native.backstop;
//   backstop1 the same without the Profile mutating webhook (native.backstop with
//             webhooks.mutate.profiles.enabled false): the MutatingAdmissionPolicy alone applies
//             the defaults, one webhook call per create;
//   defaults  a reference, not a way to run profile-guard: the cheapest MutatingAdmissionPolicy
//             that stores what the native set stores, a constant JSON Patch adding the defaults of
//             the embedded default policy (its quota and labels; the bench's Profiles have
//             neither), and nothing to validate. What it adds over `none` is the floor of any
//             native set that applies the defaults (a mutating policy's fixed cost, and storing the
//             larger object: schema validation, etcd, the watch cache, the response). When it alone
//             adds more than 1.5x what the hand-written VAP adds, the native-only target cannot be
//             met by any translation of the rules, however cheap.
// Each switch into a mode is waited out before its creates are measured: installing admission
// policies makes kube-apiserver compile their CEL in the background (seconds of CPU for the native
// set, after the policies already act), which would otherwise be charged to the next creates; that
// CPU is reported on its own.
// For each mode: client-observed p50/p99/mean create latency and throughput; the added latency and
// the added CPU per create of every mode against `none` (difference of the percentiles, and the
// differences of the means and of the CPU per create paired within each round, with their
// medians: rounds are short and the machine's other work, e.g. a Go GC cycle of kube-apiserver or
// another process, falls on one mode's batch or another's); the targets of the native modes
// (native adds at most 1.5x what the hand-written VAP adds; backstop adds at most 10 % more than
// the webhooks), judged on the added CPU per create, median of the paired rounds (on saturated
// cores latency is CPU per create x clients / cores plus other work, so CPU is the steadier
// figure; the latency figures are printed next to it), with the spread: in how many rounds the
// pairing meets the target, and whether the reference's added CPU is above the noise (a ratio to
// a reference that adds ~0 means nothing); the floor of the native-only target (`defaults`
// against the same 1.5x); and
// the API server's own apiserver_admission_webhook_admission_duration_seconds for our webhooks
// during the measured creates: count, mean (sum/count) and p50/p99 interpolated in its buckets
// (coarse: 5 ms, 25 ms, ...). (The API server records
// apiserver_validating_admission_policy_check_duration_seconds only for denials, so the VAP has
// no server-side figure here.) Target: webhook p99 added < 5 ms.
// The admin token is exempt from the non-structural rules in both the webhook and the VAP.
//
// To tell where a webhook call's time goes, also per mode, over the measured creates only: the
// CPU time of etcd, kube-apiserver, profile-guard serve and this client (Linux /proc; ms per
// create, the share of the CPUs they kept busy, and of the whole host's from /proc/stat), the TCP
// connections the host accepted (/proc/net/snmp PassiveOpens: 0 in the webhook mode means the
// API server reused its connections to the webhook and made no TLS handshake), and, for the
// webhook mode, serve's own profile_guard_admission_duration_seconds (the handler's time, from
// its metrics port): the API server's figure minus this one is transport, HTTP, TLS,
// (de)serialisation in the API server and waiting for a CPU.
//
// Flags: --count N (default 1000), --concurrency N (default 16), --warmup N (default 1000:
//        creates in the webhook mode before measuring; a freshly started serve spends about twice
//        the CPU per call during its first ~2 000 calls, while V8 compiles its hot paths),
//        --rounds N (default 7, one per mode),
//        --serve-args "FLAGS" (appended to the command line of the profile-guard serve this starts,
//        e.g. "--log-level warn"; default: none, i.e. the chart's defaults),
//        --user admin|alice (default admin: the admin token; alice is not exempt from any rule),
//        --state-dir DIR (use the running environment of e2e-up.sh there, e.g. .e2e, and leave it
//        running; default: start one in a temporary directory and stop it at the end),
//        --json (one JSON document instead of the table).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { Agent } from 'node:https';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { apiClient } from './api-client.mjs';
import {
  constantDefaultsMutatingPolicy,
  handWrittenValidatingAdmissionPolicy,
} from './reference-policies.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const HARNESS = join(ROOT, 'test', 'e2e', 'harness');
const OUR_WEBHOOKS = ['profiles.mutate.profile-guard.io', 'profiles.validate.profile-guard.io'];
const VAP_NAME = 'profile-guard-bench-stateless';
const RUN_LABEL = 'bench.profile-guard.io/run';

/** The processes e2e-up.sh records in STATE_DIR/processes, as they are named there. */
const PROCESSES = ['etcd', 'kube-apiserver', 'profile-guard'];
const CLIENT = 'client (this script)';

const { values: flags } = parseArgs({
  options: {
    count: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '16' },
    warmup: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '7' },
    'serve-args': { type: 'string' },
    user: { type: 'string', default: 'admin' },
    'state-dir': { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const COUNT = positive('count');
const CONCURRENCY = positive('concurrency');
const WARMUP = Number(flags.warmup);
const ROUNDS = positive('rounds');
if (!['admin', 'alice'].includes(flags.user)) fail('--user must be admin or alice');

function positive(name) {
  const value = Number(flags[name]);
  if (!Number.isInteger(value) || value < 1) fail(`--${name} must be a positive integer`);
  return value;
}

function fail(message) {
  process.stderr.write(`bench:e2e: ${message}\n`);
  process.exit(2);
}

function progress(message) {
  process.stderr.write(`[bench:e2e] ${message}\n`);
}

// ---------------------------------------------------------------------------------------------
// the environment

function readShellEnv(file) {
  const raw = execFileSync('bash', ['-c', 'set -a; source "$1"; env -0', 'read-env', file], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  });
  return Object.fromEntries(
    raw
      .split('\0')
      .filter((entry) => entry.includes('='))
      .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
  );
}

function startEnvironment(stateDir, logFile) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'bash',
      ['-c', 'exec "$0" "$1" 2>>"$2" >/dev/null', join(HARNESS, 'e2e-up.sh'), stateDir, logFile],
      {
        stdio: 'ignore',
        env: { ...process.env, PG_E2E_SERVE_EXTRA_ARGS: flags['serve-args'] ?? '' },
      },
    );
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`e2e-up.sh exited ${code}:\n${tail(logFile)}`));
    });
  });
}

function tail(file) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '';
  }
}

function stopEnvironment(stateDir) {
  execFileSync('bash', [join(HARNESS, 'e2e-down.sh'), stateDir], { stdio: 'ignore' });
}

// ---------------------------------------------------------------------------------------------
// the API server over HTTPS

let api;

function connect(vars, user, stateDir) {
  const url = new URL(vars.PG_E2E_APISERVER_URL);
  api = {
    pids: recordedPids(stateDir),
    serveMetricsPort: Number(vars.PG_E2E_METRICS_PORT),
    userToken: user === 'alice' ? vars.PG_E2E_ALICE_TOKEN : vars.PG_E2E_ADMIN_TOKEN,
    client: apiClient({
      host: url.hostname,
      port: Number(url.port),
      ca: readFileSync(vars.PG_E2E_CA_FILE),
      agent: new Agent({ keepAlive: true, maxSockets: CONCURRENCY + 4 }),
      token: vars.PG_E2E_ADMIN_TOKEN,
    }),
  };
}

/** One HTTPS request to the API server as the admin (or `options.token`); see apiClient. */
const call = (method, path, options) => api.client.call(method, path, options);

/** As {@link call}, resolving with the body; rejects on an HTTP error status. */
const ok = (method, path, options) => api.client.ok(method, path, options);

const PROFILES = '/apis/kubeflow.org/v1/profiles';

function profile(name, mode) {
  return {
    apiVersion: 'kubeflow.org/v1',
    kind: 'Profile',
    metadata: { name, labels: { [RUN_LABEL]: mode } },
    spec: { owner: { kind: 'User', name: `${name}@example.com` } },
  };
}

/** `count` creates by `concurrency` clients; latencies in ms. */
async function createMany(mode, count) {
  const latencies = [];
  const errors = [];
  let next = 0;
  const started = performance.now();
  const client = async () => {
    for (;;) {
      const i = next;
      next += 1;
      if (i >= count) return;
      const t0 = performance.now();
      const result = await call('POST', PROFILES, {
        body: profile(`bench-${mode}-${i}`, mode),
        token: api.userToken,
      });
      const elapsed = performance.now() - t0;
      if (result.status === 201) latencies.push(elapsed);
      else errors.push(`HTTP ${result.status}: ${result.body.slice(0, 200)}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, client));
  return { latencies, errors, seconds: (performance.now() - started) / 1000 };
}

async function deleteRun(mode) {
  await ok('DELETE', `${PROFILES}?labelSelector=${encodeURIComponent(`${RUN_LABEL}=${mode}`)}`);
  for (let i = 0; i < 200; i += 1) {
    const list = JSON.parse(
      await ok(
        'GET',
        `${PROFILES}?labelSelector=${encodeURIComponent(`${RUN_LABEL}=${mode}`)}&limit=1`,
      ),
    );
    if (list.items.length === 0) return;
    await sleep(100);
  }
  throw new Error(`the ${mode} Profiles were not deleted`);
}

// ---------------------------------------------------------------------------------------------
// CPU, connections and serve's own metrics

/**
 * PIDs of the environment's processes from STATE_DIR/processes (`<name> <pid> <start time>` per
 * line, the last line of a name wins), kept only while /proc shows that very process.
 */
function recordedPids(stateDir) {
  const pids = {};
  let text;
  try {
    text = readFileSync(join(stateDir, 'processes'), 'utf8');
  } catch {
    return pids;
  }
  for (const line of text.split('\n')) {
    const [name, pid, start] = line.trim().split(/\s+/);
    if (PROCESSES.includes(name) && procStat(pid)?.[19] === start) pids[name] = Number(pid);
  }
  return pids;
}

/** The fields of /proc/PID/stat after the command name (field 3 first), or undefined. */
function procStat(pid) {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  } catch {
    return undefined;
  }
}

const CLOCK_TICKS = 100; // USER_HZ on Linux
/** Above this share of the host's CPUs busy with other work, the figures carry a note. */
const OTHER_WORK_NOTICE = 0.15;

/** CPU seconds used so far by each recorded process and by this one. */
function cpuNow() {
  const seconds = {};
  for (const [name, pid] of Object.entries(api.pids)) {
    const fields = procStat(pid);
    if (fields !== undefined)
      seconds[name] = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  }
  const own = process.cpuUsage();
  seconds[CLIENT] = (own.user + own.system) / 1e6;
  return seconds;
}

/** Jiffies of all CPUs so far from /proc/stat: {busy, total}, or undefined off Linux. */
function machineTicks() {
  try {
    const fields = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]
      .trim()
      .split(/\s+/)
      .slice(1, 9);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = fields.map(Number);
    const busy = user + nice + system + irq + softirq + steal;
    return { busy, total: busy + idle + iowait };
  } catch {
    return undefined;
  }
}

/** TCP connections this host has accepted so far (all listeners), or undefined off Linux. */
function tcpAccepts() {
  try {
    const lines = readFileSync('/proc/net/snmp', 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('Tcp:'));
    const names = lines[0].split(/\s+/);
    return Number(lines[1].split(/\s+/)[names.indexOf('PassiveOpens')]);
  } catch {
    return undefined;
  }
}

/** serve's /metrics (plain HTTP on its metrics port), parsed; [] if it cannot be reached. */
function scrapeServe() {
  return new Promise((resolve) => {
    const req = httpGet(
      { host: '127.0.0.1', port: api.serveMetricsPort, path: '/metrics', timeout: 5000 },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve(res.statusCode === 200 ? parseMetrics(text) : []));
        res.on('error', () => resolve([]));
      },
    );
    req.on('error', () => resolve([]));
    req.on('timeout', () => req.destroy());
  });
}

const SERVE_METRIC = 'profile_guard_admission_duration_seconds';

function serveSide(before, after) {
  const result = {};
  for (const webhook of ['mutate', 'validate']) {
    const filter = (labels) => labels.webhook === webhook && labels.kind === 'Profile';
    result[webhook] = histogramDelta(
      histogram(after, SERVE_METRIC, filter),
      histogram(before, SERVE_METRIC, filter),
    );
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// the API server's metrics

/** Parses Prometheus text into [{name, labels, value}]. */
function parseMetrics(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? ([^ ]+)/.exec(line);
    if (match === null) continue;
    const labels = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1]] = pair[2];
    }
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** Sums a histogram's series matching `filter`: {buckets: Map(le -> count), sum, count}. */
function histogram(samples, base, filter) {
  const buckets = new Map();
  let sum = 0;
  let count = 0;
  for (const sample of samples) {
    if (!filter(sample.labels)) continue;
    if (sample.name === `${base}_bucket`) {
      const le = sample.labels.le === '+Inf' ? Infinity : Number(sample.labels.le);
      buckets.set(le, (buckets.get(le) ?? 0) + sample.value);
    } else if (sample.name === `${base}_sum`) sum += sample.value;
    else if (sample.name === `${base}_count`) count += sample.value;
  }
  return { buckets, sum, count };
}

function histogramDelta(after, before) {
  const buckets = new Map();
  for (const [le, value] of after.buckets) buckets.set(le, value - (before.buckets.get(le) ?? 0));
  return { buckets, sum: after.sum - before.sum, count: after.count - before.count };
}

/** The q-quantile by linear interpolation inside the cumulative bucket, as histogram_quantile. */
function bucketQuantile(h, q) {
  if (h.count <= 0) return undefined;
  const bounds = [...h.buckets.keys()].sort((a, b) => a - b);
  const rank = q * h.count;
  let lower = 0;
  let below = 0;
  for (const le of bounds) {
    const cumulative = h.buckets.get(le) ?? 0;
    if (cumulative >= rank) {
      if (le === Infinity) return lower;
      const inBucket = cumulative - below;
      return inBucket <= 0 ? le : lower + ((le - lower) * (rank - below)) / inBucket;
    }
    lower = le;
    below = cumulative;
  }
  return lower;
}

async function scrape() {
  return parseMetrics(await ok('GET', '/metrics'));
}

const WEBHOOK_METRIC = 'apiserver_admission_webhook_admission_duration_seconds';

function serverSide(before, after) {
  const result = {};
  for (const name of OUR_WEBHOOKS) {
    const filter = (labels) => labels.name === name && labels.operation === 'CREATE';
    result[name] = histogramDelta(
      histogram(after, WEBHOOK_METRIC, filter),
      histogram(before, WEBHOOK_METRIC, filter),
    );
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// modes

const ADMISSION = '/apis/admissionregistration.k8s.io/v1';

const WEBHOOK_KINDS = ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations'];

/** The webhook configurations e2e-up.sh registered, to put back after the runs without them. */
async function captureWebhooks() {
  const saved = [];
  for (const kind of WEBHOOK_KINDS) {
    const object = JSON.parse(await ok('GET', `${ADMISSION}/${kind}/profile-guard`));
    const {
      resourceVersion: _rv,
      uid: _uid,
      creationTimestamp: _ct,
      managedFields: _mf,
      generation: _g,
      ...metadata
    } = object.metadata;
    saved.push([kind, { ...object, metadata }]);
  }
  return saved;
}

const { EMBEDDED_DEFAULT_POLICY } = await import('../dist/config/default-policy.js');

async function installVap() {
  await ok('POST', `${ADMISSION}/validatingadmissionpolicies`, {
    body: handWrittenValidatingAdmissionPolicy(EMBEDDED_DEFAULT_POLICY, VAP_NAME),
  });
  await ok('POST', `${ADMISSION}/validatingadmissionpolicybindings`, {
    body: {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: VAP_NAME },
      spec: { policyName: VAP_NAME, validationActions: ['Deny'] },
    },
  });
}

async function removeVap() {
  await call('DELETE', `${ADMISSION}/validatingadmissionpolicybindings/${VAP_NAME}`);
  await call('DELETE', `${ADMISSION}/validatingadmissionpolicies/${VAP_NAME}`);
}

// The native policies: what `profile-guard native` prints for the embedded default policy (the
// policy serve enforces here), under a name prefix of the bench's own.
const { generateNativePolicies } = await import('../dist/native/generate.js');
const NATIVE_PREFIX = 'profile-guard-bench';
const NATIVE_OBJECTS = generateNativePolicies(EMBEDDED_DEFAULT_POLICY, {
  namePrefix: NATIVE_PREFIX,
}).objects;
const NATIVE_ENFORCE = `${NATIVE_PREFIX}-profiles-enforce`;
const NATIVE_PLURALS = {
  ValidatingAdmissionPolicy: 'validatingadmissionpolicies',
  ValidatingAdmissionPolicyBinding: 'validatingadmissionpolicybindings',
  MutatingAdmissionPolicy: 'mutatingadmissionpolicies',
  MutatingAdmissionPolicyBinding: 'mutatingadmissionpolicybindings',
};
const nativePath = (object) =>
  `${ADMISSION}/${NATIVE_PLURALS[object.kind]}/${object.metadata.name}`;

async function installNative() {
  // Generated in apply order: each policy before its binding.
  for (const object of NATIVE_OBJECTS) {
    await ok('POST', `${ADMISSION}/${NATIVE_PLURALS[object.kind]}`, { body: object });
  }
}

async function removeNative() {
  // Bindings first, so no binding is ever left pointing at a policy being deleted.
  for (const object of [...NATIVE_OBJECTS].reverse()) await call('DELETE', nativePath(object));
}

// The reference `defaults`: the defaults of the embedded default policy added by a constant JSON
// Patch (the bench's Profiles carry one label of their own, no quota and no annotations).
const CONSTANT_DEFAULTS = 'profile-guard-bench-constant-defaults';

async function installConstantDefaults() {
  await ok('POST', `${ADMISSION}/mutatingadmissionpolicies`, {
    body: constantDefaultsMutatingPolicy(EMBEDDED_DEFAULT_POLICY, CONSTANT_DEFAULTS),
  });
  await ok('POST', `${ADMISSION}/mutatingadmissionpolicybindings`, {
    body: {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingAdmissionPolicyBinding',
      metadata: { name: CONSTANT_DEFAULTS },
      spec: { policyName: CONSTANT_DEFAULTS },
    },
  });
}

async function removeConstantDefaults() {
  await call('DELETE', `${ADMISSION}/mutatingadmissionpolicybindings/${CONSTANT_DEFAULTS}`);
  await call('DELETE', `${ADMISSION}/mutatingadmissionpolicies/${CONSTANT_DEFAULTS}`);
}

/**
 * The webhook configurations of backstop mode: the chart's with native.backstop, i.e. the Profile
 * webhooks failing open (the native policies keep enforcing the stateless rules meanwhile).
 */
function backstopWebhooks(savedWebhooks) {
  return savedWebhooks.map(([kind, object]) => [
    kind,
    {
      ...object,
      webhooks: object.webhooks.map((webhook) =>
        webhook.name.startsWith('profiles.') ? { ...webhook, failurePolicy: 'Ignore' } : webhook,
      ),
    },
  ]);
}

/**
 * The webhook configurations of the backstop without the Profile mutating webhook (the chart with
 * native.backstop and webhooks.mutate.profiles.enabled false): the MutatingAdmissionPolicy alone
 * applies the defaults, one webhook call per Profile write.
 */
function backstopValidateOnlyWebhooks(savedWebhooks) {
  return backstopWebhooks(savedWebhooks)
    .map(([kind, object]) => [
      kind,
      {
        ...object,
        webhooks: object.webhooks.filter((webhook) => webhook.name !== OUR_WEBHOOKS[0]),
      },
    ])
    .filter(([, object]) => object.webhooks.length > 0);
}

/**
 * What each mode installs: webhook configurations (which), the hand-written VAP, the native set,
 * the constant defaults MutatingAdmissionPolicy.
 */
const MODE_PARTS = {
  none: { webhooks: undefined, vap: false, native: false, defaults: false },
  webhook: { webhooks: 'chart', vap: false, native: false, defaults: false },
  vap: { webhooks: undefined, vap: true, native: false, defaults: false },
  native: { webhooks: undefined, vap: false, native: true, defaults: false },
  backstop: { webhooks: 'backstop', vap: false, native: true, defaults: false },
  backstop1: { webhooks: 'backstop1', vap: false, native: true, defaults: false },
  defaults: { webhooks: undefined, vap: false, native: false, defaults: true },
};

/** What is installed now (e2e-up.sh registers the chart's webhooks and nothing else). */
const installed = { webhooks: 'chart', vap: false, native: false, defaults: false };

/** Removes what an interrupted run against a reused environment may have left behind. */
async function removeLeftovers() {
  await removeVap();
  await removeNative();
  await removeConstantDefaults();
}

/** serve's count of Profile validations, from its metrics port (0 if it cannot be reached). */
async function profileValidations() {
  return (await scrapeServe())
    .filter(
      (sample) =>
        sample.name === 'profile_guard_admission_requests_total' &&
        sample.labels.webhook === 'validate' &&
        sample.labels.kind === 'Profile',
    )
    .reduce((sum, sample) => sum + sample.value, 0);
}

/**
 * Puts the cluster into `mode` and waits until the API server acts on it, with two dry-run
 * probes as the measured user:
 * - a Profile whose name is not a DNS label (refused, for every caller, by the webhook, the VAP
 *   and the native policies, which run before the validating webhooks) is refused by the policy
 *   the mode installs, or, for `none`, admitted;
 * - a valid Profile calls the webhook (serve's count of Profile validations rises) exactly when
 *   the mode has the webhooks, and comes back with the default quota exactly when something
 *   mutates (the webhook or the MutatingAdmissionPolicy).
 */
async function setMode(mode, savedWebhooks) {
  const want = MODE_PARTS[mode];
  if (installed.webhooks !== want.webhooks) {
    if (installed.webhooks !== undefined) {
      // A mode may have left one of the two out (backstop1, when only the Profile webhook mutates).
      for (const kind of WEBHOOK_KINDS) {
        const result = await call('DELETE', `${ADMISSION}/${kind}/profile-guard`);
        if (result.status >= 300 && result.status !== 404) {
          throw new Error(`DELETE ${kind}/profile-guard: HTTP ${result.status}: ${result.body}`);
        }
      }
    }
    installed.webhooks = undefined;
    if (want.webhooks !== undefined) {
      const objects =
        want.webhooks === 'backstop'
          ? backstopWebhooks(savedWebhooks)
          : want.webhooks === 'backstop1'
            ? backstopValidateOnlyWebhooks(savedWebhooks)
            : savedWebhooks;
      for (const [kind, object] of objects) {
        await ok('POST', `${ADMISSION}/${kind}`, { body: object });
      }
    }
    installed.webhooks = want.webhooks;
  }
  if (installed.vap !== want.vap) {
    if (want.vap) await installVap();
    else await removeVap();
    installed.vap = want.vap;
  }
  if (installed.native !== want.native) {
    if (want.native) await installNative();
    else await removeNative();
    installed.native = want.native;
  }
  if (installed.defaults !== want.defaults) {
    if (want.defaults) await installConstantDefaults();
    else await removeConstantDefaults();
    installed.defaults = want.defaults;
  }

  // The policy whose name a denial of the invalid name carries (none: it is admitted).
  const refusedBy = {
    none: undefined,
    webhook: OUR_WEBHOOKS[1],
    vap: VAP_NAME,
    native: NATIVE_ENFORCE,
    backstop: NATIVE_ENFORCE,
    backstop1: NATIVE_ENFORCE,
    defaults: undefined,
  }[mode];
  const refusedRight = (result) =>
    refusedBy === undefined
      ? result.status === 201
      : result.status >= 400 && result.body.includes(refusedBy);
  const mutates = mode !== 'none' && mode !== 'vap';
  let last = 'no probe answered';
  for (let i = 0; i < 300; i += 1) {
    const bad = await call('POST', `${PROFILES}?dryRun=All`, {
      body: profile('bench.not-a-label', 'probe'),
      token: api.userToken,
    });
    if (refusedRight(bad)) {
      const before = await profileValidations();
      const good = await call('POST', `${PROFILES}?dryRun=All`, {
        body: profile('bench-probe', 'probe'),
        token: api.userToken,
      });
      const called = (await profileValidations()) > before;
      const mutated =
        good.status === 201 && JSON.parse(good.body).spec?.resourceQuotaSpec?.hard !== undefined;
      if (good.status === 201 && called === (want.webhooks !== undefined) && mutated === mutates) {
        return;
      }
      last = `valid Profile: HTTP ${good.status}, webhook called ${called}, mutated ${mutated}`;
    } else {
      last = `invalid name: HTTP ${bad.status}: ${bad.body.slice(0, 300)}`;
    }
    await sleep(100);
  }
  throw new Error(`the API server did not switch to mode ${mode} (last probe: ${last})`);
}

/** Above this share of one core, kube-apiserver is still busy with a switch (see quiesce). */
const QUIET_SHARE = 0.1;
const QUIET_WINDOW_MS = 500;

/**
 * Waits until kube-apiserver is idle again after a mode switch (its CPU over 0.5 s below 10 %
 * of a core; at most 60 s) and returns the CPU seconds it spent since `since`. Installing an
 * admission policy makes the API server compile its CEL (seconds of CPU for the native set); the
 * compilation runs in the background after the policy already acts, so without this wait it
 * would be charged to the creates measured next.
 */
async function quiesce(since) {
  const pid = api.pids['kube-apiserver'];
  if (pid === undefined) return undefined;
  const now = () => {
    const fields = procStat(pid);
    return fields === undefined ? 0 : (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  };
  for (let i = 0; i < 120; i += 1) {
    const before = now();
    await sleep(QUIET_WINDOW_MS);
    if (now() - before < (QUIET_SHARE * QUIET_WINDOW_MS) / 1000) break;
  }
  return now() - since;
}

/** One measured batch: creates, the API server's histograms around them, then clean-up. */
async function batch(mode, label, count) {
  const before = await scrape();
  const serveBefore = mode === 'webhook' ? await scrapeServe() : [];
  const acceptsBefore = tcpAccepts();
  const machineBefore = machineTicks();
  const cpuBefore = cpuNow();
  const run = await createMany(label, count);
  const cpuAfter = cpuNow();
  const machineAfter = machineTicks();
  const acceptsAfter = tcpAccepts();
  const serveAfter = mode === 'webhook' ? await scrapeServe() : [];
  const after = await scrape();
  await deleteRun(label);
  if (run.errors.length > 0) {
    progress(`${mode}: ${run.errors.length} failed creates, e.g. ${run.errors[0]}`);
  }
  const cpu = {};
  for (const name of Object.keys(cpuAfter)) {
    if (cpuBefore[name] !== undefined) cpu[name] = cpuAfter[name] - cpuBefore[name];
  }
  return {
    ...run,
    server: serverSide(before, after),
    serve: serveSide(serveBefore, serveAfter),
    cpu,
    machine:
      machineBefore === undefined || machineAfter === undefined
        ? { busy: 0, total: 0 }
        : {
            busy: machineAfter.busy - machineBefore.busy,
            total: machineAfter.total - machineBefore.total,
          },
    accepts:
      acceptsBefore === undefined || acceptsAfter === undefined
        ? undefined
        : acceptsAfter - acceptsBefore,
  };
}

function mergeHistograms(a, b) {
  const buckets = new Map(a.buckets);
  for (const [le, value] of b.buckets) buckets.set(le, (buckets.get(le) ?? 0) + value);
  return { buckets, sum: a.sum + b.sum, count: a.count + b.count };
}

function emptyRun() {
  const empty = { buckets: new Map(), sum: 0, count: 0 };
  return {
    latencies: [],
    errors: [],
    seconds: 0,
    server: Object.fromEntries(OUR_WEBHOOKS.map((key) => [key, empty])),
    serve: { mutate: empty, validate: empty },
    cpu: {},
    machine: { busy: 0, total: 0 },
    accepts: 0,
  };
}

function accumulate(total, run) {
  total.latencies.push(...run.latencies);
  total.errors.push(...run.errors);
  total.seconds += run.seconds;
  for (const key of Object.keys(total.server)) {
    total.server[key] = mergeHistograms(total.server[key], run.server[key]);
  }
  for (const key of Object.keys(total.serve)) {
    total.serve[key] = mergeHistograms(total.serve[key], run.serve[key]);
  }
  for (const [name, seconds] of Object.entries(run.cpu)) {
    total.cpu[name] = (total.cpu[name] ?? 0) + seconds;
  }
  total.machine.busy += run.machine.busy;
  total.machine.total += run.machine.total;
  if (total.accepts !== undefined) {
    total.accepts = run.accepts === undefined ? undefined : total.accepts + run.accepts;
  }
}

const MODES = ['none', 'webhook', 'vap', 'native', 'backstop', 'backstop1', 'defaults'];
/** The modes compared with `none`. */
const ADDED_MODES = MODES.filter((mode) => mode !== 'none');

/**
 * The targets: the native policies alone add at most 1.5x what the hand-written VAP adds; the
 * backstop (native + webhooks) at most 10 % more than the webhooks alone.
 */
const TARGETS = [
  { mode: 'native', reference: 'vap', factor: 1.5 },
  { mode: 'backstop', reference: 'webhook', factor: 1.1 },
  { mode: 'backstop1', reference: 'webhook', factor: 1.1 },
];
/**
 * The floor of the native-only target: the defaults added by a constant MutatingAdmissionPolicy
 * (`defaults`) judged against the same 1.5x of the hand-written VAP. When the floor is not met, no
 * native set that applies the defaults can meet the target, whatever its policies cost.
 */
const FLOOR = { mode: 'defaults', reference: 'vap', factor: 1.5 };
/**
 * The added figures a target is shown on. The verdict is the first one: the added CPU per create
 * (etcd + kube-apiserver + serve), paired within each round (the mode's batch minus the `none`
 * batch of the same round) and the median taken over the rounds. On a machine whose cores are
 * saturated (16 closed-loop clients on 2 cores) latency is CPU per create times clients / cores
 * plus whatever else runs there, so the CPU figure measures the same thing with less noise; the
 * pairing cancels drift and the median one disturbed round. The latency figures are shown too.
 */
const TARGET_FIGURES = [
  { key: 'cpuMedianOfRounds', title: 'CPU per create, median of rounds (the verdict)' },
  { key: 'cpu', title: 'CPU per create, whole run' },
  { key: 'meanMedianOfRounds', title: 'mean latency, median of rounds' },
  { key: 'mean', title: 'mean latency, whole run' },
];
/** The figure a target's verdict is taken from. */
const VERDICT = TARGET_FIGURES[0].key;

/**
 * One target judged on each figure: met when the mode adds at most `factor` times what the
 * reference adds (a reference adding nothing, or less than nothing by noise, counts as 0).
 */
function judge(target, added) {
  const result = { ...target, rounds: roundsJudged(target, added) };
  for (const { key } of TARGET_FIGURES) {
    const value = added[target.mode][key];
    const reference = added[target.reference][key];
    result[key] = {
      added: value,
      reference,
      ratio: reference > 0 ? value / reference : undefined,
      met: value <= target.factor * Math.max(reference, 0),
    };
  }
  result.met = result[VERDICT].met;
  return result;
}

/**
 * The spread of a target's verdict: in how many rounds the pairing meets it (the mode's added CPU
 * in that round <= factor x the reference's in the same round), and the range of both added
 * figures over the rounds.
 */
function roundsJudged(target, added) {
  const mode = added[target.mode].cpuByRound;
  const reference = added[target.reference].cpuByRound;
  const met = mode.filter((value, i) => value <= target.factor * Math.max(reference[i], 0)).length;
  return {
    met,
    of: mode.length,
    mode: { min: Math.min(...mode), max: Math.max(...mode) },
    reference: { min: Math.min(...reference), max: Math.max(...reference) },
  };
}

/** Warm-up, then ROUNDS rounds of every mode in rotating order. */
async function measureAll() {
  const savedWebhooks = await captureWebhooks();
  const totals = Object.fromEntries(MODES.map((mode) => [mode, emptyRun()]));
  /** Per round, each mode's mean latency: the added latency paired within a round. */
  const rounds = [];
  /** Per round, each mode's CPU per create (etcd + kube-apiserver + serve, ms). */
  const cpuRounds = [];
  /** Per mode, kube-apiserver's CPU seconds for each switch into it, until it was idle again. */
  const switchCpus = Object.fromEntries(MODES.map((mode) => [mode, []]));
  try {
    await removeLeftovers();
    await setMode('webhook', savedWebhooks);
    if (WARMUP > 0) {
      progress(`warm-up: ${WARMUP} creates`);
      await createMany('warmup', WARMUP);
      await deleteRun('warmup');
    }
    const perRound = Math.floor(COUNT / ROUNDS);
    for (let round = 0; round < ROUNDS; round += 1) {
      const count = round === ROUNDS - 1 ? COUNT - perRound * (ROUNDS - 1) : perRound;
      const means = {};
      const cpuPerCreate = {};
      for (let k = 0; k < MODES.length; k += 1) {
        const mode = MODES[(round + k) % MODES.length];
        progress(`round ${round + 1}/${ROUNDS}: ${mode}, ${count} creates`);
        const switchStart = cpuNow()['kube-apiserver'];
        await setMode(mode, savedWebhooks);
        const switchCpu = switchStart === undefined ? undefined : await quiesce(switchStart);
        const run = await batch(mode, `${mode}-${round}`, count);
        means[mode] = run.latencies.reduce((a, b) => a + b, 0) / Math.max(1, run.latencies.length);
        cpuPerCreate[mode] = serverCpuMs(run);
        if (switchCpu !== undefined) switchCpus[mode].push(switchCpu);
        accumulate(totals[mode], run);
      }
      rounds.push(means);
      cpuRounds.push(cpuPerCreate);
    }
  } finally {
    await setMode('webhook', savedWebhooks);
  }
  return { totals, rounds, cpuRounds, switchCpus };
}

/** CPU ms per create of etcd, kube-apiserver and serve in one batch. */
function serverCpuMs(run) {
  const seconds = PROCESSES.reduce((sum, name) => sum + (run.cpu[name] ?? 0), 0);
  return (seconds * 1000) / Math.max(1, run.latencies.length);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

// ---------------------------------------------------------------------------------------------
// figures

function percentile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function summary(run) {
  const sorted = [...run.latencies].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length);
  const creates = Math.max(1, sorted.length);
  const cpuMsPerCreate = Object.fromEntries(
    Object.entries(run.cpu).map(([name, seconds]) => [name, (seconds * 1000) / creates]),
  );
  const cpuSeconds = Object.values(run.cpu).reduce((a, b) => a + b, 0);
  const serverCpuSeconds = PROCESSES.reduce((sum, name) => sum + (run.cpu[name] ?? 0), 0);
  return {
    creates: sorted.length,
    errors: run.errors.length,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    mean,
    perSecond: sorted.length / run.seconds,
    cpuMsPerCreate,
    cpuMsPerCreateTotal: (cpuSeconds * 1000) / creates,
    serverCpuMsPerCreate: (serverCpuSeconds * 1000) / creates,
    coresBusy: cpuSeconds / run.seconds / cpus().length,
    machineBusy: run.machine.total > 0 ? run.machine.busy / run.machine.total : undefined,
    tcpAccepts: run.accepts,
  };
}

function histogramFigures(h) {
  const ms = (seconds) => (seconds === undefined ? undefined : seconds * 1000);
  return {
    count: h.count,
    mean: h.count > 0 ? (h.sum / h.count) * 1000 : undefined,
    p50: ms(bucketQuantile(h, 0.5)),
    p99: ms(bucketQuantile(h, 0.99)),
  };
}

const f = (value, width = 9) =>
  (value === undefined || Number.isNaN(value) ? '-' : value.toFixed(2)).padStart(width);
const signed = (value) => `${value >= 0 ? '+' : ''}${value.toFixed(2)}`.padStart(9);

function print(result) {
  const { modes, server, meta } = result;
  const W = 44;
  const titles = {
    none: 'no admission',
    webhook: 'profile-guard webhooks (mutate + validate)',
    vap: 'hand-written ValidatingAdmissionPolicy',
    native: 'native policies only',
    backstop: 'native + webhooks (backstop)',
    backstop1: 'backstop without the Profile /mutate',
    defaults: 'constant MutatingAdmissionPolicy, the defaults',
  };
  const lines = [
    `Profile creates through kube-apiserver ${meta.kubernetes}: ${meta.count} per mode in ${meta.rounds} interleaved rounds,`,
    `${meta.concurrency} concurrent clients, user ${meta.user}, ${meta.cpus} CPUs${meta.serveArgs === '' ? '' : `, serve ${meta.serveArgs}`}`,
    '',
    `${'create latency, client-observed'.padEnd(W)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'mean ms'.padStart(9)}${'creates/s'.padStart(11)}${'errors'.padStart(8)}`,
  ];
  for (const mode of MODES) {
    const m = modes[mode];
    lines.push(
      `${titles[mode].padEnd(W)}${f(m.p50)}${f(m.p99)}${f(m.mean)}${f(m.perSecond, 11)}${String(m.errors).padStart(8)}`,
    );
  }
  lines.push(
    '',
    'added per create vs. no admission (differences of the figures above; CPU: etcd + apiserver + serve):',
    `${''.padEnd(W)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'mean ms'.padStart(9)}${'CPU ms'.padStart(9)}`,
  );
  for (const mode of ADDED_MODES) {
    const a = result.added[mode];
    lines.push(
      `${titles[mode].padEnd(W)}${signed(a.p50)}${signed(a.p99)}${signed(a.mean)}${signed(a.cpu)}`,
    );
  }
  lines.push('added mean per round (same round, the mode minus no admission), and their median:');
  for (const mode of ADDED_MODES) {
    const a = result.added[mode];
    lines.push(
      `${titles[mode].padEnd(W)}${a.meanByRound.map((value) => signed(value)).join('')}   median ${a.meanMedianOfRounds.toFixed(2)}`,
    );
  }
  lines.push('added CPU per create per round (etcd + apiserver + serve, ms), and their median:');
  for (const mode of ADDED_MODES) {
    const a = result.added[mode];
    lines.push(
      `${titles[mode].padEnd(W)}${a.cpuByRound.map((value) => signed(value)).join('')}   median ${a.cpuMedianOfRounds.toFixed(2)}`,
    );
  }
  lines.push(
    '',
    "kube-apiserver's CPU for a switch into the mode (installing its objects, compiling their CEL), median, s:",
    MODES.map((mode) => `${mode} ${f(result.switchCpuSeconds[mode], 0)}`).join(', '),
    '(waited out before measuring: not in the figures above)',
  );
  lines.push(
    '',
    'targets (added by the mode <= factor x added by the reference mode):',
    `noise: the batches without admission vary by ${result.noise.toFixed(2)} ms CPU per create between rounds (max - min)`,
  );
  const judged = (target) => {
    const cells = TARGET_FIGURES.map(({ key, title }) => {
      const t = target[key];
      const ratio = t.ratio === undefined ? 'reference adds <= 0' : `${t.ratio.toFixed(2)}x`;
      return `${title} ${signed(t.added).trim()} vs ${signed(t.reference).trim()} ms (${ratio}): ${t.met ? 'met' : 'not met'}`;
    });
    const { rounds } = target;
    const reference = target[VERDICT].reference;
    return [
      `${titles[target.mode]} <= ${target.factor} x ${titles[target.reference]}: ${target.met ? 'MET' : 'NOT MET'}`,
      ...cells.map((cell) => `  ${cell}`),
      `  spread: met in ${rounds.met} of ${rounds.of} rounds (paired); added CPU per round ${signed(rounds.mode.min).trim()} to ${signed(rounds.mode.max).trim()} ms, reference ${signed(rounds.reference.min).trim()} to ${signed(rounds.reference.max).trim()} ms; the reference's median is ${reference > result.noise ? 'above' : 'WITHIN'} the noise (${result.noise.toFixed(2)} ms)`,
    ];
  };
  for (const target of result.targets) lines.push(...judged(target));
  lines.push(
    'the floor of the native-only target: the defaults added by a constant MutatingAdmissionPolicy,',
    'nothing validated',
    '(when it alone is over 1.5x the VAP, no native set that applies the defaults can meet the target):',
    ...judged(result.floor),
  );
  lines.push(
    '',
    "kube-apiserver's own histograms for the measured creates (p50/p99 interpolated in its buckets):",
    `${''.padEnd(W)}${'count'.padStart(9)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'mean ms'.padStart(9)}`,
  );
  const row = (title, h) =>
    `${title.padEnd(W)}${String(h.count).padStart(9)}${f(h.p50)}${f(h.p99)}${f(h.mean)}`;
  lines.push(WEBHOOK_METRIC);
  for (const name of OUR_WEBHOOKS) lines.push(row(`  ${name}`, server.webhook[name]));
  lines.push(row('  both, per create', server.webhookPerCreate));

  const serveRow = (title, h) => `${title.padEnd(W)}${String(h.count).padStart(9)}${f(h.mean)}`;
  lines.push(
    '',
    "profile-guard's own histogram for the same creates (the handler: parse, decide, answer):",
    `${''.padEnd(W)}${'count'.padStart(9)}${'mean ms'.padStart(9)}`,
    SERVE_METRIC,
  );
  lines.push(
    serveRow('  mutate', result.serve.mutate),
    serveRow('  validate', result.serve.validate),
  );
  const rest = OUR_WEBHOOKS.map((name, i) => {
    const handler = result.serve[['mutate', 'validate'][i]].mean;
    const apiserver = server.webhook[name].mean;
    return apiserver === undefined || handler === undefined ? NaN : apiserver - handler;
  });
  lines.push(
    `API server's mean per call minus the handler's (transport, TLS, HTTP, (de)serialisation,`,
    `waiting for a CPU): mutate ${f(rest[0], 0)} ms, validate ${f(rest[1], 0)} ms`,
  );

  const names = [...PROCESSES, CLIENT].filter((name) =>
    MODES.some((mode) => modes[mode].cpuMsPerCreate[name] !== undefined),
  );
  const short = {
    etcd: 'etcd',
    'kube-apiserver': 'apiserver',
    'profile-guard': 'serve',
    [CLIENT]: 'client',
  };
  lines.push(
    '',
    'CPU per create in ms, measured creates only (busy: these processes / wall time / CPUs;',
    'host: all CPUs of the machine busy, /proc/stat; accepts: TCP connections the host accepted):',
    `${''.padEnd(W)}${names.map((name) => short[name].padStart(10)).join('')}${'total'.padStart(8)}${'busy'.padStart(7)}${'host'.padStart(7)}${'accepts'.padStart(9)}`,
  );
  for (const mode of MODES) {
    const m = modes[mode];
    const cells = names.map((name) => f(m.cpuMsPerCreate[name], 10)).join('');
    const percent = (share) =>
      (share === undefined ? '-' : `${Math.round(share * 100)} %`).padStart(7);
    const accepts = String(m.tcpAccepts ?? '-').padStart(9);
    lines.push(
      `${titles[mode].padEnd(W)}${cells}${f(m.cpuMsPerCreateTotal, 8)}${percent(m.coresBusy)}${percent(m.machineBusy)}${accepts}`,
    );
  }
  const others = Math.max(
    ...MODES.map((mode) => (modes[mode].machineBusy ?? 0) - modes[mode].coresBusy),
  );
  if (others > OTHER_WORK_NOTICE) {
    lines.push(
      `note: up to ${Math.round(others * 100)} % of the host's CPUs went to other work (other processes, interrupts) during a mode's creates; its figures are disturbed by that`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const reuse = flags['state-dir'];
  const workDir = mkdtempSync(join(tmpdir(), 'profile-guard-bench-'));
  const stateDir = reuse ?? join(workDir, 'env');
  let started = false;
  const stop = () => {
    if (started) {
      started = false;
      try {
        stopEnvironment(stateDir);
      } catch {
        progress(
          `could not stop the environment in ${stateDir}; run test/e2e/harness/e2e-down.sh ${stateDir}`,
        );
      }
    }
    rmSync(workDir, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      stop();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
  try {
    if (reuse === undefined) {
      progress(
        `starting etcd, kube-apiserver and profile-guard serve (log: ${join(workDir, 'up.log')})`,
      );
      started = true;
      await startEnvironment(stateDir, join(workDir, 'up.log'));
    } else if (!existsSync(join(reuse, 'e2e.env'))) {
      fail(`${reuse} holds no e2e environment (run npm run e2e:up first)`);
    }
    const vars = readShellEnv(join(stateDir, 'e2e.env'));
    connect(vars, flags.user, stateDir);
    const kubernetes = JSON.parse(await ok('GET', '/version')).gitVersion;

    const { totals, rounds, cpuRounds, switchCpus } = await measureAll();
    const { webhook } = totals;

    const modes = Object.fromEntries(MODES.map((mode) => [mode, summary(totals[mode])]));
    const added = {};
    for (const mode of ADDED_MODES) {
      added[mode] = {
        p50: modes[mode].p50 - modes.none.p50,
        p99: modes[mode].p99 - modes.none.p99,
        mean: modes[mode].mean - modes.none.mean,
        meanByRound: rounds.map((means) => means[mode] - means.none),
        cpu: modes[mode].serverCpuMsPerCreate - modes.none.serverCpuMsPerCreate,
        cpuByRound: cpuRounds.map((cpu) => cpu[mode] - cpu.none),
      };
      added[mode].meanMedianOfRounds = median(added[mode].meanByRound);
      added[mode].cpuMedianOfRounds = median(added[mode].cpuByRound);
    }
    const webhookServer = Object.fromEntries(
      OUR_WEBHOOKS.map((name) => [name, histogramFigures(webhook.server[name])]),
    );
    const totalSum = OUR_WEBHOOKS.reduce((sum, name) => sum + webhook.server[name].sum, 0);
    // The noise of the CPU figures: how much the batches without admission vary between rounds
    // (max - min of their CPU per create). A reference adding less than that is not measured.
    const noneCpu = cpuRounds.map((cpu) => cpu.none);
    const result = {
      noise: Math.max(...noneCpu) - Math.min(...noneCpu),
      meta: {
        kubernetes,
        count: COUNT,
        concurrency: CONCURRENCY,
        rounds: ROUNDS,
        serveArgs: reuse === undefined ? (flags['serve-args'] ?? '') : '',
        user: flags.user,
        cpus: cpus().length,
      },
      modes,
      added,
      switchCpuSeconds: Object.fromEntries(
        MODES.map((mode) => [
          mode,
          switchCpus[mode].length === 0 ? undefined : median(switchCpus[mode]),
        ]),
      ),
      targets: TARGETS.map((target) => judge(target, added)),
      floor: judge(FLOOR, added),
      server: {
        webhook: webhookServer,
        webhookPerCreate: {
          count: modes.webhook.creates,
          mean: (totalSum / Math.max(1, modes.webhook.creates)) * 1000,
        },
      },
      serve: {
        mutate: histogramFigures(webhook.serve.mutate),
        validate: histogramFigures(webhook.serve.validate),
      },
    };
    if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else print(result);
  } finally {
    api?.client.agent.destroy();
    stop();
  }
}

main().catch((error) => {
  process.stderr.write(`bench:e2e: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
