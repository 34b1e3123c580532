// Worst-case benchmark: the slowest of a set of adversarial AdmissionReviews (long quantities,
// 3 MiB bodies, 10 000-deep nesting, 100 000 subjects / labels / AuthorizationPolicy rules, and
// UPDATEs of them; the slowest AuthorizationPolicy and binding list shapes), each sent alone over HTTPS to `profile-guard serve --no-cluster` (one process,
// so one core does the work), and /healthz latency measured meanwhile by a probe in its own
// process (bench/healthz-probe.mjs). Baseline, in the same run: the typical Profile CREATE of the
// other benchmarks (bench/http-review.mjs), served the same way with the same probe.
// Next to the HTTPS times (wall clock, which a loaded machine stretches), the CPU time of each
// input is measured in this process: the real handlers (as `serve` builds them, with the metrics
// and decision-log observers) decoding the body bytes, deciding and encoding the answer, timed
// with process.cpuUsage (the fastest of the repetitions; serve's own CPU use cannot be read
// from another process). Beside it, the decode floor of the same bytes (decodeReviewBytes alone:
// UTF-8 and JSON.parse, which no deciding can avoid), measured the same way just before, and the
// deciding part (total − decode).
// Targets (CONTRACT, bounded work): every input answered within 100 ms; /healthz p99 < 10 ms
// while they are served. Prints figures and ratios; asserts nothing.
//
// Inputs whose whole body is over the contract's 3 MiB (the API server never sends them) are
// listed apart and not judged. `--cpu-only` measures the CPU column alone (no server).
// `--offload-bytes N` is passed to serve (0 decides every body on the main thread).
//
// Runs the built package: `npm run build && node bench/worst-case.mjs [--reps N] [--json]
// [--cpu-only] [--offload-bytes N]`, or as section 4 of `npm run bench`.

import { fork, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { profileReview } from './http-review.mjs';
import { Writable } from 'node:stream';

const HERE = dirname(fileURLToPath(import.meta.url));
const BIN = join(HERE, '..', 'dist', 'cli', 'bin.js');
// The bound on a body's JSON tokens, from the build: over it a body is denied without being
// decoded, whatever its shape (`denied (bound)` in the tables).
const { MAX_REVIEW_TOKENS, TOO_MANY_TOKENS } = await import('../dist/admission/review-codec.js');
/** True for the message of a body denied by the JSON token bound. */
const isBoundDenial = (message) => message === TOO_MANY_TOKENS;
export const INPUT_TARGET_MS = 100;
export const HEALTHZ_P99_TARGET_MS = 10;
/**
 * The contract's bound on a body (the API server's own limit): the targets are judged over the
 * inputs up to this size; larger ones are shown apart, for information.
 */
export const CONTRACT_BODY_BYTES = 3 * 1024 * 1024;
/** Stop repeating an input once its requests took this long in all (a slow input stays slow). */
const INPUT_BUDGET_MS = 5000;
const rbac = 'rbac.authorization.k8s.io';

/** JSON text of a review whose object (and oldObject) are given as JSON text. */
function reviewText({ kind, group, resource, operation, object, oldObject, namespace, name }) {
  const request = {
    uid: 'worst-case-0000-0000-0000-000000000000',
    kind: { group, version: 'v1', kind },
    resource: { group, version: 'v1', resource },
    name,
    ...(namespace ? { namespace } : {}),
    operation,
    userInfo: { username: 'alice@example.com', groups: ['system:authenticated'] },
    object: '@OBJECT@',
    oldObject: '@OLD@',
    dryRun: false,
  };
  return JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request })
    .replace('"@OBJECT@"', object ?? 'null')
    .replace('"@OLD@"', oldObject ?? 'null');
}

const profileKind = { kind: 'Profile', group: 'kubeflow.org', resource: 'profiles' };
const bindingKind = { kind: 'RoleBinding', group: rbac, resource: 'rolebindings' };
const authzKind = {
  kind: 'AuthorizationPolicy',
  group: 'security.istio.io',
  resource: 'authorizationpolicies',
};

/** A Profile as JSON text; `spec` and `metadataExtra` are JSON text fragments. */
function profileText({ spec = '', metadataExtra = '', owner = '"alice@example.com"' } = {}) {
  return (
    `{"apiVersion":"kubeflow.org/v1","kind":"Profile","metadata":{"name":"worst"${metadataExtra}},` +
    `"spec":{"owner":{"kind":"User","name":${owner}}${spec}}}`
  );
}
const nested = (depth) => `${'{"a":'.repeat(depth)}{}${'}'.repeat(depth)}`;
const manyLabels = (count) =>
  `,"labels":{${Array.from({ length: count }, (_, i) => `"l${i}":"v"`).join(',')}}`;

/** `hard` of a ResourceQuota spec, from `"name":"value"` entries. */
const hardOf = (entries) => `,"resourceQuotaSpec":{"hard":{${entries.join(',')}}}`;
const resources = (count) =>
  Array.from({ length: count }, (_, i) => `"count/r${i}.example.com":"${i % 10}"`);
/** Pod scopes over a cpu quota: every BestEffort entry is refused with it. */
const scopes = (count) =>
  `,"resourceQuotaSpec":{"hard":{"cpu":"1"},"scopes":[${Array.from({ length: count }, (_, i) =>
    i % 2 ? '"BestEffort"' : '"NotTerminating"',
  ).join(',')}]}`;
const longLabels = (count) =>
  `,"labels":{${Array.from(
    { length: count },
    (_, i) => `"example.com/label-${String(i).padStart(6, '0')}":"value-${'v'.repeat(22)}"`,
  ).join(',')}}`;

function bindingText(subjects) {
  return (
    `{"apiVersion":"${rbac}/v1","kind":"RoleBinding","metadata":{"name":"worst","namespace":"alice"},` +
    `"roleRef":{"apiGroup":"${rbac}","kind":"ClusterRole","name":"kubeflow-edit"},` +
    `"subjects":[${subjects.join(',')}]}`
  );
}
const users = (count) => Array.from({ length: count }, (_, i) => `{"kind":"User","name":"u${i}"}`);

function authzText(rules) {
  return (
    '{"apiVersion":"security.istio.io/v1","kind":"AuthorizationPolicy",' +
    `"metadata":{"name":"worst","namespace":"alice"},"spec":{"rules":[${rules.join(',')}]}}`
  );
}
/** `count` copies of a JSON text fragment. */
const repeat = (count, text) => Array.from({ length: count }, () => text);
const principalRule = (principal) => `{"from":[{"source":{"principals":["${principal}"]}}]}`;
/** `count` principals of as many other namespaces, as JSON texts joined by commas. */
const foreignPrincipals = (count) =>
  Array.from({ length: count }, (_, i) => `"cluster.local/ns/n${i}/sa/x"`).join(',');
/** A rule of one `when` condition; `values` are JSON texts. */
const condition = (key, values) => `{"when":[{"key":"${key}","values":[${values.join(',')}]}]}`;
const clusterBindingKind = {
  kind: 'ClusterRoleBinding',
  group: rbac,
  resource: 'clusterrolebindings',
};
function clusterBindingText(subjects) {
  return (
    `{"apiVersion":"${rbac}/v1","kind":"ClusterRoleBinding","metadata":{"name":"worst"},` +
    `"roleRef":{"apiGroup":"${rbac}","kind":"ClusterRole","name":"kubeflow-edit"},` +
    `"subjects":[${subjects.join(',')}]}`
  );
}
const ownRules = (count) =>
  Array.from({ length: count }, (_, i) => `{"from":[{"source":{"namespaces":["alice","n${i}"]}}]}`);

/** The adversarial inputs: name and review body (JSON text). */
export function adversarialInputs() {
  const longCpu = `"1${'0'.repeat(100000)}"`;
  const quota = (value) => `,"resourceQuotaSpec":{"hard":{"cpu":${value}}}`;
  const deepPlugin = (depth) =>
    `,"plugins":[{"kind":"WorkloadIdentity","spec":{"gcpServiceAccount":"sa@p.iam.gserviceaccount.com","x":${nested(depth)}}}]`;
  const bigAnnotation = `,"annotations":{"big":"${'x'.repeat(3 * 1024 * 1024 - 1024)}"}`;
  const profile = (object, oldObject, operation = oldObject ? 'UPDATE' : 'CREATE') =>
    reviewText({ ...profileKind, operation, name: 'worst', object, oldObject });
  const binding = (object, oldObject) =>
    reviewText({
      ...bindingKind,
      operation: oldObject ? 'UPDATE' : 'CREATE',
      namespace: 'alice',
      name: 'worst',
      object,
      oldObject,
    });
  const authz = (object, oldObject) =>
    reviewText({
      ...authzKind,
      operation: oldObject ? 'UPDATE' : 'CREATE',
      namespace: 'alice',
      name: 'worst',
      object,
      oldObject,
    });
  const hundredK = users(100000);
  const rules = ownRules(50000);
  // The largest of each shape whose whole body stays within the contract's 3 MiB.
  const contractSubjects = users(98000);
  const halfSubjects = users(49000);
  const halfRules = ownRules(28000);
  const deep = profileText({ spec: deepPlugin(10000) });
  return [
    ['quantity "1"+"0"×100000', profile(profileText({ spec: quota(longCpu) }))],
    [
      'quantity "0."+"0"×100000+"1"',
      profile(profileText({ spec: quota(`"0.${'0'.repeat(100000)}1"`) })),
    ],
    [
      'UPDATE of a 100 000-digit quantity',
      profile(profileText({ spec: quota(longCpu) }), profileText({ spec: quota(longCpu) })),
    ],
    ['3 MiB body (one annotation)', profile(profileText({ metadataExtra: bigAnnotation }))],
    [
      '3 MiB owner name',
      profile(profileText({ owner: `"${'a'.repeat(3 * 1024 * 1024 - 1024)}@x"` })),
    ],
    ['10 000-deep spec.plugins[0].spec', profile(deep)],
    ['UPDATE of a 10 000-deep plugin spec', profile(deep, deep)],
    ['10 000-deep quota value', profile(profileText({ spec: quota(nested(10000)) }))],
    ['100 000 labels', profile(profileText({ metadataExtra: manyLabels(100000) }))],
    // Profile shapes: the largest maps and lists of the quota and label rules and mutations under
    // the JSON token bound (two tokens a map member, one a list entry), within 3 MiB.
    ['49 000 quota resources', profile(profileText({ spec: hardOf(resources(49000)) }))],
    [
      'UPDATE of 24 000 quota resources, reversed',
      profile(
        profileText({ spec: hardOf([...resources(24000)].reverse()) }),
        profileText({ spec: hardOf(resources(24000)) }),
      ),
    ],
    ['99 000 quota scopes', profile(profileText({ spec: scopes(99000) }))],
    ['49 000 long labels (3 MiB)', profile(profileText({ metadataExtra: longLabels(49000) }))],
    [
      '49 000 labels and one \\u0041',
      profile(profileText({ metadataExtra: `${manyLabels(49000)},"annotations":{"a":"\\u0041"}` })),
    ],
    ['98 000 subjects', binding(bindingText(contractSubjects))],
    [
      'UPDATE of 49 000 subjects, reversed',
      binding(bindingText([...halfSubjects].reverse()), bindingText(halfSubjects)),
    ],
    ['50 000 AuthorizationPolicy rules', authz(authzText(rules))],
    [
      'UPDATE of 28 000 rules, reversed',
      authz(authzText([...halfRules].reverse()), authzText(halfRules)),
    ],
    [
      '1 MiB principal',
      authz(authzText([`{"from":[{"source":{"principals":["${'a'.repeat(1024 * 1024)}"]}}]}`])),
    ],
    // AuthorizationPolicy and binding list shapes, each the largest of its kind within 3 MiB and
    // the JSON token bound, from a sweep of every list field the authz and binding rules read:
    // the costliest to decide have long strings per token (principals parsed, matched against
    // the gateways), then many rules of one principal, long condition value lists, and a
    // ClusterRoleBinding whose every subject fails.
    [
      'one rule of 99 000 foreign principals',
      authz(authzText([`{"from":[{"source":{"principals":[${foreignPrincipals(99000)}]}}]}`])),
    ],
    [
      'a condition of 99 000 workload principals',
      authz(
        authzText([condition('source.principal', repeat(99000, '"cluster.local/ns/alice/sa/x"'))]),
      ),
    ],
    [
      '27 000 principals of 50-part trust domains',
      authz(
        authzText([
          `{"from":[{"source":{"principals":[${repeat(27000, `"${'a/'.repeat(50)}ns/alice/sa/x"`).join(',')}]}}]}`,
        ]),
      ),
    ],
    [
      '11 000 rules of one workload principal',
      authz(authzText(repeat(11000, principalRule('cluster.local/ns/alice/sa/default-editor')))),
    ],
    [
      'a condition of 99 000 wildcard user ids',
      authz(
        authzText([
          `{"from":[{"source":{"namespaces":["alice"]}}],"when":[{"key":"request.headers[kubeflow-userid]","values":[${Array.from({ length: 99000 }, (_, i) => `"u${i}*"`).join(',')}]}]}`,
        ]),
      ),
    ],
    [
      'ClusterRoleBinding of kubeflow-edit, 19 900 users',
      reviewText({
        ...clusterBindingKind,
        operation: 'CREATE',
        name: 'worst',
        object: clusterBindingText(users(19900)),
      }),
    ],
    // Beyond the contract (bodies over 3 MiB, which the API server does not send): informational.
    ['100 000 subjects', binding(bindingText(hundredK))],
    [
      'UPDATE of 100 000 subjects, reversed',
      binding(bindingText([...hundredK].reverse()), bindingText(hundredK)),
    ],
    ['UPDATE of 50 000 rules, reversed', authz(authzText([...rules].reverse()), authzText(rules))],
  ];
}

function percentile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
const round = (value) => Math.round(value * 100) / 100;
const median = (values) =>
  percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );

/** One POST over the keep-alive agent; resolves with the time to the whole answer (ms). */
function post(port, agent, path, body) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json' },
        timeout: 60000,
      },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => {
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          const text = Buffer.concat(chunks).toString('utf8');
          let allowed;
          let message;
          try {
            const response = JSON.parse(text).response;
            allowed = response?.allowed;
            message = response?.status?.message;
          } catch {
            allowed = undefined;
          }
          resolve({ ms, status: res.statusCode, allowed, bounded: isBoundDenial(message) });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${path}: no answer within 60 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Starts serve (with `extraArgs`); resolves with {child, port} once it announces its port. */
function startServe(certDir, extraArgs = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        BIN,
        'serve',
        '--no-cluster',
        '--cert-dir',
        certDir,
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        '--metrics-port',
        '0',
        '--log-level',
        'warn',
        ...extraArgs,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let text = '';
    child.stderr.on('data', (chunk) => {
      text += chunk;
      const match = /serving https:\/\/localhost:(\d+)/.exec(text);
      if (match) resolve({ child, port: Number(match[1]) });
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${text}`)));
  });
}

function run(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(err))));
  });
}

/** Talks to the probe process. */
function probeClient(child) {
  const next = () => new Promise((resolve) => child.once('message', resolve));
  return {
    async start() {
      const reply = next();
      child.send({ cmd: 'start' });
      await reply;
    },
    async stop() {
      const reply = next();
      child.send({ cmd: 'stop' });
      return reply;
    },
  };
}

function healthzSummary({ latenciesMs, failures }) {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return {
    probes: sorted.length,
    failures,
    p50: round(percentile(sorted, 0.5)),
    p99: round(percentile(sorted, 0.99)),
    max: round(sorted.at(-1) ?? NaN),
  };
}

/**
 * The real /mutate and /validate handlers of this process, and `cpu(handler, body, reps)`: the
 * least CPU time (ms, user + system) of `reps` whole answers (decode, handle, encode, serialise).
 */
async function inProcessHandlers() {
  const { Registry } = await import('prom-client');
  const { createAdmissionHandlers } = await import('../dist/admission/admission-handlers.js');
  const { EMBEDDED_DEFAULT_POLICY } = await import('../dist/config/default-policy.js');
  const { staticPolicyProvider } = await import('../dist/policy/policy-provider.js');
  const { NO_CLUSTER } = await import('../dist/policy/cluster-snapshot.js');
  const { createMetrics } = await import('../dist/observability/metrics.js');
  const { createLogger, createDecisionLogger } = await import('../dist/observability/logger.js');
  const { decodeReviewBytes, encodeReviewResponse } =
    await import('../dist/admission/review-codec.js');
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  const handlers = createAdmissionHandlers({
    policies: staticPolicyProvider(EMBEDDED_DEFAULT_POLICY),
    snapshot: () => NO_CLUSTER,
    observers: [
      createMetrics(new Registry(), { processMetrics: false }),
      createDecisionLogger(createLogger({ level: 'info', destination: sink })),
    ],
  });
  const answer = (handler, bytes) => {
    const decoded = decodeReviewBytes(bytes);
    return JSON.stringify(
      decoded.ok ? encodeReviewResponse(handler.handle(decoded.review)) : decoded.body,
    );
  };
  const handlerOf = (path) => (path === '/mutate' ? handlers.mutating : handlers.validating);
  /** The least CPU ms of `reps` runs of `work`, after one discarded warm-up run. */
  const leastCpuMs = (work, reps) => {
    work(); // warm-up of this shape, discarded
    let least = Infinity;
    for (let i = 0; i < reps; i++) {
      const before = process.cpuUsage();
      work();
      const used = process.cpuUsage(before);
      least = Math.min(least, (used.user + used.system) / 1000);
    }
    return least;
  };
  /**
   * For one body, each the least CPU ms of `reps` runs (one warm-up discarded): decoding the body
   * alone (`decodeReviewBytes`: UTF-8, JSON.parse and the review's shape, the floor under any
   * answer), then the whole answer of each endpoint (decode, handle, encode, serialise), and
   * `decideMs`, total − decode per endpoint (0 when the difference is within noise).
   */
  const cpu = (body, reps) => {
    const bytes = Buffer.from(body);
    const decodeMs = round(leastCpuMs(() => decodeReviewBytes(bytes), reps));
    const total = {};
    const decide = {};
    for (const path of ['/mutate', '/validate']) {
      const handler = handlerOf(path);
      total[path] = round(leastCpuMs(() => answer(handler, bytes), reps));
      decide[path] = round(Math.max(0, total[path] - decodeMs));
    }
    return { cpuMs: total, decodeMs, decideMs: decide };
  };
  return { cpu, answer: (path, body) => answer(handlerOf(path), Buffer.from(body)) };
}

/** The larger of an input's two CPU figures (ms), and the endpoint it belongs to. */
function worseEndpoint(input) {
  return input.cpuMs['/mutate'] > input.cpuMs['/validate'] ? '/mutate' : '/validate';
}
const cpuOf = (input) => input.cpuMs[worseEndpoint(input)];

/**
 * `name (validate 127 ms of CPU, of which decoding 62 ms and deciding 65 ms)` for each input over
 * the target: how much of it is the decode floor, which no deciding can remove.
 */
function overCpuText(overCpu) {
  return overCpu
    .map((input) => {
      const endpoint = worseEndpoint(input).slice(1);
      return (
        `${input.name} (${endpoint} ${cpuOf(input)} ms of CPU, of which decoding ` +
        `${input.decodeMs} ms and deciding ${input.decideMs[`/${endpoint}`]} ms)`
      );
    })
    .join('; ');
}

const CPU_HEADER = `${'CPU ms mut/val'.padStart(16)}  ${'decode'.padStart(7)}  ${'deciding mut/val'.padStart(17)}`;
const cpuCells = (input) =>
  `${`${input.cpuMs['/mutate']} / ${input.cpuMs['/validate']}`.padStart(16)}  ` +
  `${String(input.decodeMs).padStart(7)}  ` +
  `${`${input.decideMs['/mutate']} / ${input.decideMs['/validate']}`.padStart(17)}`;

/** Times `body` on both endpoints, `reps` times each (fewer once it used INPUT_BUDGET_MS). */
async function timeInput(port, agent, body, reps) {
  const result = {};
  for (const path of ['/mutate', '/validate']) {
    const samples = [];
    let spent = 0;
    let answer;
    await post(port, agent, path, body); // warm-up of this shape, discarded
    for (let i = 0; i < reps && spent < INPUT_BUDGET_MS; i++) {
      answer = await post(port, agent, path, body);
      samples.push(answer.ms);
      spent += answer.ms;
    }
    result[path] = {
      median: round(median(samples)),
      max: round(Math.max(...samples)),
      samples: samples.length,
      status: answer?.status,
      allowed: answer?.allowed,
      bounded: answer?.bounded ?? false,
    };
  }
  return result;
}

/**
 * Runs the worst-case benchmark; resolves with its figures. `say` prints a line (or nothing, for
 * --json).
 */
export async function runWorstCase({
  reps = 5,
  baselineCount = 300,
  say = () => undefined,
  serveArgs = [],
} = {}) {
  const work = await mkdtemp(join(tmpdir(), 'profile-guard-worst-'));
  const children = [];
  try {
    const certDir = join(work, 'certs');
    await run(process.execPath, [
      BIN,
      'certs',
      '--service',
      'profile-guard',
      '--namespace',
      'bench',
      '--dns',
      'localhost',
      '--ip',
      '127.0.0.1',
      '--out',
      certDir,
    ]);
    const caFile = join(certDir, 'ca.crt');
    const ca = await readFile(caFile, 'utf8');
    const serve = await startServe(certDir, serveArgs);
    children.push(serve.child);
    const probeChild = fork(join(HERE, 'healthz-probe.mjs'), [String(serve.port), caFile, '2'], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    children.push(probeChild);
    const probe = probeClient(probeChild);
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca });

    // Baseline: the typical review, with the probe running.
    const typical = JSON.stringify(profileReview());
    for (let i = 0; i < 200; i++) await post(serve.port, agent, '/validate', typical);
    await probe.start();
    const baselineTimes = { '/mutate': [], '/validate': [] };
    for (let i = 0; i < baselineCount; i++) {
      for (const path of ['/mutate', '/validate']) {
        baselineTimes[path].push((await post(serve.port, agent, path, typical)).ms);
      }
    }
    const baselineHealthz = healthzSummary(await probe.stop());
    const baseline = {
      mutate: round(median(baselineTimes['/mutate'])),
      validate: round(median(baselineTimes['/validate'])),
      healthz: baselineHealthz,
    };
    say(
      `   baseline: typical Profile CREATE (${typical.length} bytes), median of ${baselineCount}: ` +
        `mutate ${baseline.mutate} ms, validate ${baseline.validate} ms; /healthz meanwhile ` +
        `p50 ${baselineHealthz.p50} ms, p99 ${baselineHealthz.p99} ms`,
    );

    const inputs = [];
    await probe.start();
    for (const [name, body] of adversarialInputs()) {
      const timed = await timeInput(serve.port, agent, body, reps);
      inputs.push({ name, bytes: Buffer.byteLength(body), ...timed });
    }
    const healthz = healthzSummary(await probe.stop());
    // CPU time in this process, once serve is idle (it would not share the core otherwise).
    const { cpu } = await inProcessHandlers();
    const bodies = new Map(adversarialInputs());
    for (const input of inputs) Object.assign(input, cpu(bodies.get(input.name), reps));
    agent.destroy();
    probeChild.send({ cmd: 'exit' });

    for (const input of inputs) input.withinContract = input.bytes <= CONTRACT_BODY_BYTES;
    const judged = inputs.filter((input) => input.withinContract);
    const beyond = inputs.filter((input) => !input.withinContract);
    const slowestOf = (input) => Math.max(input['/mutate'].max, input['/validate'].max);
    const slowest = judged.reduce((a, b) => (slowestOf(b) > slowestOf(a) ? b : a));
    const baselineMs = Math.max(baseline.mutate, baseline.validate);
    say();
    say(
      `   ${'input'.padEnd(40)}${'bytes'.padStart(10)}  ${'mutate med/max ms'.padStart(19)}` +
        `  ${'validate med/max ms'.padStart(21)}  ${CPU_HEADER}  ` +
        `${'answer'.padEnd(15)}${'× typical'.padStart(10)}`,
    );
    for (const input of inputs) {
      if (input === beyond[0]) {
        say(`   beyond the contract (bodies over ${CONTRACT_BODY_BYTES} bytes; not judged):`);
      }
      const cell = (r) => `${r.median} / ${r.max}`;
      const answer =
        input['/validate'].status === 200
          ? input['/validate'].allowed
            ? 'allowed'
            : input['/validate'].bounded
              ? 'denied (bound)'
              : 'denied'
          : `HTTP ${input['/validate'].status}`;
      say(
        `   ${input.name.padEnd(40)}${String(input.bytes).padStart(10)}  ` +
          `${cell(input['/mutate']).padStart(19)}  ${cell(input['/validate']).padStart(21)}  ` +
          `${cpuCells(input)}  ` +
          `${answer.padEnd(15)}${Math.round(slowestOf(input) / baselineMs)
            .toString()
            .padStart(10)}`,
      );
    }
    const inputsMet = slowestOf(slowest) < INPUT_TARGET_MS;
    const cpuCell = (input) =>
      `${input.cpuMs['/mutate']} / ${input.cpuMs['/validate']} (decoding ${input.decodeMs})`;
    const mostCpu = judged.reduce((a, b) => (cpuOf(b) > cpuOf(a) ? b : a));
    const cpuMet = cpuOf(mostCpu) <= INPUT_TARGET_MS;
    const overCpu = judged.filter((input) => cpuOf(input) > INPUT_TARGET_MS);
    const healthzMet = healthz.p99 < HEALTHZ_P99_TARGET_MS && healthz.failures === 0;
    say();
    say(`   judged: the ${judged.length} inputs of at most ${CONTRACT_BODY_BYTES} bytes`);
    say(
      `   slowest input: ${slowest.name}, ${slowestOf(slowest)} ms ` +
        `(${Math.round(slowestOf(slowest) / baselineMs)}× the typical review)   ` +
        `(target: every input < ${INPUT_TARGET_MS} ms: ${inputsMet ? 'met' : 'not met'})`,
    );
    say(
      `   most CPU: ${mostCpu.name}, ${cpuOf(mostCpu)} ms in process, of which decoding ` +
        `${mostCpu.decodeMs} ms ` +
        `(target: every input ≤ ${INPUT_TARGET_MS} ms of CPU: ${cpuMet ? 'met' : 'not met'})`,
    );
    if (overCpu.length > 0) {
      say(`   over ${INPUT_TARGET_MS} ms of CPU: ${overCpuText(overCpu)}`);
    }
    if (beyond.length > 0) {
      say(
        `   beyond the contract (not judged), CPU ms mutate / validate: ` +
          beyond
            .map((input) => `${input.name} (${input.bytes} bytes) ${cpuCell(input)}`)
            .join('; '),
      );
    }
    say(
      `   /healthz while they were served: ${healthz.probes} probes, p50 ${healthz.p50} ms, ` +
        `p99 ${healthz.p99} ms, max ${healthz.max} ms, ${healthz.failures} failed ` +
        `(${round(healthz.p99 / baselineHealthz.p99)}× its p99 under typical reviews)   ` +
        `(target: p99 < ${HEALTHZ_P99_TARGET_MS} ms: ${healthzMet ? 'met' : 'not met'})`,
    );
    return {
      baseline,
      inputs,
      slowest: { name: slowest.name, ms: slowestOf(slowest) },
      mostCpu: { name: mostCpu.name, ms: cpuOf(mostCpu), decodeMs: mostCpu.decodeMs },
      overCpu: overCpu.map((input) => input.name),
      beyondContract: beyond.map((input) => input.name),
      healthz,
      targets: {
        inputMs: INPUT_TARGET_MS,
        healthzP99Ms: HEALTHZ_P99_TARGET_MS,
        bodyBytes: CONTRACT_BODY_BYTES,
      },
      met: { inputs: inputsMet, cpu: cpuMet, healthz: healthzMet },
    };
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * The CPU column alone (no server, no HTTPS, no probe): each input's least CPU ms of `reps`
 * whole answers in this process, the answer, and the target judged over the inputs within the
 * contract's body size. Resolves with the figures.
 */
export async function runWorstCaseCpu({ reps = 5, say = () => undefined } = {}) {
  const { cpu, answer } = await inProcessHandlers();
  const inputs = [];
  say(`   ${'input'.padEnd(40)}${'bytes'.padStart(10)}  ${CPU_HEADER}  answer`);
  for (const [name, body] of adversarialInputs()) {
    const bytes = Buffer.byteLength(body);
    const withinContract = bytes <= CONTRACT_BODY_BYTES;
    const response = JSON.parse(answer('/validate', body)).response;
    const allowed = response?.allowed;
    const bounded = isBoundDenial(response?.status?.message);
    const input = { name, bytes, withinContract, ...cpu(body, reps), allowed, bounded };
    inputs.push(input);
    say(
      `   ${name.padEnd(40)}${String(bytes).padStart(10)}  ${cpuCells(input)}  ` +
        `${allowed ? 'allowed' : bounded ? 'denied (bound)' : 'denied'}` +
        `${withinContract ? '' : '  (beyond the contract)'}`,
    );
  }
  const judged = inputs.filter((input) => input.withinContract);
  const overCpu = judged.filter((input) => cpuOf(input) > INPUT_TARGET_MS);
  say(
    `   judged: the ${judged.length} inputs of at most ${CONTRACT_BODY_BYTES} bytes; over ` +
      `${INPUT_TARGET_MS} ms of CPU: ${overCpuText(overCpu) || 'none'} ` +
      `(target: ${overCpu.length === 0 ? 'met' : 'not met'})`,
  );
  say(
    `   decode: decodeReviewBytes of the same body alone (the floor under any answer); ` +
      `deciding: total − decode; each the least of ${reps} repetitions`,
  );
  say(
    `   denied (bound): more than ${MAX_REVIEW_TOKENS} JSON tokens, denied without being ` +
      `decoded (its decode column is the count up to the bound)`,
  );
  return { inputs, overCpu: overCpu.map((input) => input.name), met: overCpu.length === 0 };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      reps: { type: 'string', default: '5' },
      json: { type: 'boolean', default: false },
      'cpu-only': { type: 'boolean', default: false },
      'offload-bytes': { type: 'string' },
    },
  });
  const json = values.json;
  const cpuOnly = values['cpu-only'];
  if (!json) {
    say(
      `Worst case: adversarial inputs, ${cpuOnly ? 'CPU in process' : 'one at a time over HTTPS'}`,
    );
  }
  const offload = values['offload-bytes'];
  const result = await (cpuOnly ? runWorstCaseCpu : runWorstCase)({
    reps: Number(values.reps),
    say: json ? () => undefined : say,
    serveArgs: offload === undefined ? [] : ['--offload-bytes', offload],
  });
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
}

function say(text = '') {
  process.stdout.write(`${text}\n`);
}
