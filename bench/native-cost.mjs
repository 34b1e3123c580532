// `node bench/native-cost.mjs --state-dir .e2e` (after `npm run build` and `npm run e2e:up`): what
// each part of the native admission policies costs the API server per Profile create, one object
// set at a time. Prints figures, asserts nothing.
//
// bench/e2e-latency.mjs compares whole modes (the native set against the webhooks and a hand-written
// ValidatingAdmissionPolicy); this splits the native set's figure into its parts. On the running
// environment it removes profile-guard's webhook configurations (put back at the end), installs
// every policy below once, then switches between object sets by creating and deleting their
// bindings only: a binding change makes the API server recompile nothing, so no CEL compilation
// falls into a batch (installing the native set costs it seconds of CPU). In --rounds interleaved
// rounds (the order rotates), each set gets --count creates by --concurrency clients (the admin
// token, as bench:e2e), after a few unmeasured ones that also wait for its bindings to act.
//
// Object sets (none of them calls a webhook):
//   none        no admission policy;
//   vap         the hand-written ValidatingAdmissionPolicy of bench:e2e (bench/reference-policies.mjs);
//   stored      no admission policy; the clients send the Profiles with the defaults of the
//               embedded default policy (quota, labels) already in them (the API server then also
//               records them in managedFields, which it does not for fields a mutation adds);
//   map-empty   a MutatingAdmissionPolicy whose patch is always empty (the fixed cost of one);
//   map-label   a MutatingAdmissionPolicy adding one label;
//   map-const   a MutatingAdmissionPolicy adding the defaults by a constant patch: the same stored
//               object as `map`, at the least cost (bench/reference-policies.mjs);
//   map         the defaults MutatingAdmissionPolicy `profile-guard native` generates;
//   map-stored  the same, the clients sending the defaults already (its match condition skips it);
//   validating  the generated Profile ValidatingAdmissionPolicies (Enforce, ratcheting, Warn);
//   profiles    all the generated Profile policies (the validating ones and the defaults);
//   native      everything `profile-guard native` prints, the RoleBinding, ClusterRoleBinding and
//               AuthorizationPolicy policies included.
// Per set: the CPU per create of kube-apiserver and etcd (Linux /proc), and what it adds to the
// `none` batch of the same round (median of the rounds, and their range: the noise), and the API
// server's own apiserver_admission_controller_admission_duration_seconds of the
// MutatingAdmissionPolicy and ValidatingAdmissionPolicy plugins per create (wall time, so on a busy
// machine it includes waiting for a CPU).
//
// Flags: --state-dir DIR (required: a running environment of e2e-up.sh, left running),
//        --count N (default 1000), --concurrency N (default 4), --rounds N (default 3),
//        --sets a,b,... (default: all, in the order above), --json.
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { apiClient } from './api-client.mjs';
import {
  constantDefaultsMutatingPolicy,
  handWrittenValidatingAdmissionPolicy,
  profileMutatingPolicy,
} from './reference-policies.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { EMBEDDED_DEFAULT_POLICY } = await import(join(ROOT, 'dist/config/default-policy.js'));
const { generateNativePolicies } = await import(join(ROOT, 'dist/native/generate.js'));

const ALL_SETS = [
  'none',
  'vap',
  'stored',
  'map-empty',
  'map-label',
  'map-const',
  'map',
  'map-stored',
  'validating',
  'profiles',
  'native',
];

const { values: flags } = parseArgs({
  options: {
    'state-dir': { type: 'string' },
    count: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '3' },
    sets: { type: 'string', default: ALL_SETS.join(',') },
    json: { type: 'boolean', default: false },
  },
});

function fail(message) {
  process.stderr.write(`native-cost: ${message}\n`);
  process.exit(2);
}

function positive(name) {
  const value = Number(flags[name]);
  if (!Number.isInteger(value) || value < 1) fail(`--${name} must be a positive integer`);
  return value;
}

const COUNT = positive('count');
const CONCURRENCY = positive('concurrency');
const ROUNDS = positive('rounds');
const SETS = flags.sets.split(',');
for (const set of SETS) if (!ALL_SETS.includes(set)) fail(`unknown set ${set}`);
if (!SETS.includes('none')) SETS.unshift('none');
if (flags['state-dir'] === undefined) fail('--state-dir is required (npm run e2e:up: .e2e)');
const STATE_DIR = flags['state-dir'];

function progress(message) {
  process.stderr.write(`[native-cost] ${message}\n`);
}

// ---------------------------------------------------------------------------------------------
// the environment and its API server

/** The PG_E2E_* variables of STATE_DIR/e2e.env (plain `export NAME=value` lines). */
function readEnv() {
  const vars = {};
  for (const line of readFileSync(join(STATE_DIR, 'e2e.env'), 'utf8').split('\n')) {
    const match = /^export (PG_E2E_[A-Z_]+)=(.*)$/.exec(line);
    if (match !== null) vars[match[1]] = match[2];
  }
  return vars;
}

/** PIDs of etcd and kube-apiserver from STATE_DIR/processes (the last line of a name wins). */
function processIds() {
  const pids = {};
  for (const line of readFileSync(join(STATE_DIR, 'processes'), 'utf8').split('\n')) {
    const [name, pid] = line.trim().split(/\s+/);
    if (name === 'etcd' || name === 'kube-apiserver') pids[name] = Number(pid);
  }
  return pids;
}

const vars = readEnv();
const url = new URL(vars.PG_E2E_APISERVER_URL);
const ca = readFileSync(vars.PG_E2E_CA_FILE);
const token = vars.PG_E2E_ADMIN_TOKEN;
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY + 2 });
const pids = processIds();
const { call, ok } = apiClient({ host: url.hostname, port: Number(url.port), ca, agent, token });

// ---------------------------------------------------------------------------------------------
// the object sets

const ADMISSION = '/apis/admissionregistration.k8s.io/v1';
const PLURAL = {
  ValidatingAdmissionPolicy: 'validatingadmissionpolicies',
  ValidatingAdmissionPolicyBinding: 'validatingadmissionpolicybindings',
  MutatingAdmissionPolicy: 'mutatingadmissionpolicies',
  MutatingAdmissionPolicyBinding: 'mutatingadmissionpolicybindings',
};
const WEBHOOK_KINDS = ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations'];
const PREFIX = 'profile-guard-cost';
const RUN_LABEL = 'bench.profile-guard.io/cost';
const { labels: DEFAULT_LABELS, quota } = EMBEDDED_DEFAULT_POLICY.spec.profiles;
const [LABEL_KEY] = Object.keys(DEFAULT_LABELS);

/** A MutatingAdmissionPolicy of Profile CREATEs and UPDATEs with one JSON Patch expression. */
const mutatingPolicy = (name, expression) =>
  profileMutatingPolicy(name, expression, ['CREATE', 'UPDATE']);

function bindingOf(policy) {
  const kind = `${policy.kind}Binding`;
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind,
    metadata: { name: policy.metadata.name },
    spec:
      kind === 'ValidatingAdmissionPolicyBinding'
        ? { policyName: policy.metadata.name, validationActions: ['Deny'] }
        : { policyName: policy.metadata.name },
  };
}

const generated = generateNativePolicies(EMBEDDED_DEFAULT_POLICY, { namePrefix: PREFIX }).objects;
const extra = [
  handWrittenValidatingAdmissionPolicy(EMBEDDED_DEFAULT_POLICY, `${PREFIX}-x-vap`),
  // Empty for every admitted Profile (they all have a name), typed as the API server requires.
  mutatingPolicy(
    `${PREFIX}-x-map-empty`,
    "object.metadata.name == '' ? [JSONPatch{op: 'add', path: '/metadata/labels', value: {}}] : []",
  ),
  constantDefaultsMutatingPolicy(EMBEDDED_DEFAULT_POLICY, `${PREFIX}-x-map-const`),
  mutatingPolicy(
    `${PREFIX}-x-map-label`,
    `[JSONPatch{op: 'add', path: '/metadata/labels/' + jsonpatch.escapeKey('${LABEL_KEY}'), value: '${DEFAULT_LABELS[LABEL_KEY]}'}]`,
  ),
];
const policies = [...generated.filter((object) => !object.kind.endsWith('Binding')), ...extra];
const bindings = new Map([
  ...generated
    .filter((object) => object.kind.endsWith('Binding'))
    .map((object) => [object.metadata.name, object]),
  ...extra.map((policy) => [policy.metadata.name, bindingOf(policy)]),
]);

const generatedNames = [...bindings.keys()].filter((name) => !name.startsWith(`${PREFIX}-x-`));
const name = (suffix) => `${PREFIX}-${suffix}`;
const validating = ['profiles-enforce', 'profiles-ratcheted', 'profiles-warn'].map(name);
/** Per set: the bindings it has, and whether its clients send the defaults. */
const SET_PARTS = {
  none: { bound: [], defaults: false },
  vap: { bound: [name('x-vap')], defaults: false },
  stored: { bound: [], defaults: true },
  'map-empty': { bound: [name('x-map-empty')], defaults: false },
  'map-label': { bound: [name('x-map-label')], defaults: false },
  'map-const': { bound: [name('x-map-const')], defaults: false },
  map: { bound: [name('profiles-defaults')], defaults: false },
  'map-stored': { bound: [name('profiles-defaults')], defaults: true },
  validating: { bound: validating, defaults: false },
  profiles: { bound: [...validating, name('profiles-defaults')], defaults: false },
  native: { bound: generatedNames, defaults: false },
};

const bindingPath = (binding) => `${ADMISSION}/${PLURAL[binding.kind]}/${binding.metadata.name}`;
const bound = new Set();

/** Creates and deletes bindings until exactly those of `set` exist. */
async function switchTo(set) {
  const want = SET_PARTS[set].bound;
  for (const key of [...bound]) {
    if (!want.includes(key)) {
      await call('DELETE', bindingPath(bindings.get(key)));
      bound.delete(key);
    }
  }
  for (const key of want) {
    if (!bound.has(key)) {
      const binding = bindings.get(key);
      await ok('POST', `${ADMISSION}/${PLURAL[binding.kind]}`, { body: binding });
      bound.add(key);
    }
  }
}

async function removeAll() {
  for (const binding of bindings.values()) await call('DELETE', bindingPath(binding));
  for (const policy of policies) {
    await call('DELETE', `${ADMISSION}/${PLURAL[policy.kind]}/${policy.metadata.name}`);
  }
}

// ---------------------------------------------------------------------------------------------
// measuring

function profile(profileName, label, withDefaults) {
  const object = {
    apiVersion: 'kubeflow.org/v1',
    kind: 'Profile',
    metadata: { name: profileName, labels: { [RUN_LABEL]: label } },
    spec: { owner: { kind: 'User', name: `${profileName}@example.com` } },
  };
  if (!withDefaults) return object;
  object.metadata.labels = { ...DEFAULT_LABELS, ...object.metadata.labels };
  object.spec.resourceQuotaSpec = { hard: { ...quota.defaults } };
  return object;
}

const PROFILES = '/apis/kubeflow.org/v1/profiles';

/** `count` creates by CONCURRENCY clients; the number that failed. */
async function createMany(label, count, withDefaults) {
  let next = 0;
  let failed = 0;
  let example = '';
  const client = async () => {
    for (let i = next++; i < count; i = next++) {
      const result = await call('POST', PROFILES, {
        body: profile(`cost-${label}-${i}`, label, withDefaults),
      });
      if (result.status !== 201) {
        failed += 1;
        example = `HTTP ${result.status}: ${result.body.slice(0, 200)}`;
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, client));
  if (failed > 0) progress(`${label}: ${failed} creates failed, e.g. ${example}`);
  return failed;
}

async function deleteRun(label) {
  await ok('DELETE', `${PROFILES}?labelSelector=${encodeURIComponent(`${RUN_LABEL}=${label}`)}`);
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** CPU seconds so far of kube-apiserver + etcd. */
function serverCpu() {
  let seconds = 0;
  for (const pid of Object.values(pids)) {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    seconds += (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  }
  return seconds;
}

/** Waits until kube-apiserver + etcd use less than 10 % of a core over 0.5 s (at most 30 s). */
async function quiesce() {
  for (let i = 0; i < 60; i += 1) {
    const before = serverCpu();
    await sleep(500);
    if (serverCpu() - before < 0.05) return;
  }
}

const PLUGIN_METRIC = 'apiserver_admission_controller_admission_duration_seconds_sum';
const PLUGINS = ['MutatingAdmissionPolicy', 'ValidatingAdmissionPolicy'];

/** The API server's summed admission time of the two policy plugins on CREATE, seconds. */
async function pluginSeconds() {
  const text = await ok('GET', '/metrics');
  const sums = Object.fromEntries(PLUGINS.map((plugin) => [plugin, 0]));
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${PLUGIN_METRIC}{`)) continue;
    const plugin = /name="([^"]*)"/.exec(line)?.[1];
    if (PLUGINS.includes(plugin) && line.includes('operation="CREATE"')) {
      sums[plugin] += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return sums;
}

/** One measured batch of `set`: CPU ms per create and the plugins' ms per create. */
async function batch(set, round) {
  const { defaults } = SET_PARTS[set];
  await createMany(`${set}-w${round}`, 20, defaults);
  await deleteRun(`${set}-w${round}`);
  await quiesce();
  const pluginsBefore = await pluginSeconds();
  const cpuBefore = serverCpu();
  const failed = await createMany(`${set}-${round}`, COUNT, defaults);
  const cpu = serverCpu() - cpuBefore;
  const pluginsAfter = await pluginSeconds();
  await deleteRun(`${set}-${round}`);
  const created = Math.max(1, COUNT - failed);
  return {
    cpu: (cpu * 1000) / created,
    plugins: Object.fromEntries(
      PLUGINS.map((plugin) => [
        plugin,
        ((pluginsAfter[plugin] - pluginsBefore[plugin]) * 1000) / created,
      ]),
    ),
  };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const saved = [];
  for (const kind of WEBHOOK_KINDS) {
    const result = await call('GET', `${ADMISSION}/${kind}/profile-guard`);
    if (result.status !== 200) continue;
    const object = JSON.parse(result.body);
    const { name: webhookName, labels, annotations } = object.metadata;
    saved.push([kind, { ...object, metadata: { name: webhookName, labels, annotations } }]);
    await ok('DELETE', `${ADMISSION}/${kind}/profile-guard`);
  }
  const results = Object.fromEntries(SETS.map((set) => [set, []]));
  try {
    await removeAll();
    for (const policy of policies)
      await ok('POST', `${ADMISSION}/${PLURAL[policy.kind]}`, { body: policy });
    progress('policies installed; waiting until their CEL is compiled');
    await sleep(2000);
    await quiesce();
    for (let round = 0; round < ROUNDS; round += 1) {
      for (let k = 0; k < SETS.length; k += 1) {
        const set = SETS[(round + k) % SETS.length];
        progress(`round ${round + 1}/${ROUNDS}: ${set}`);
        await switchTo(set);
        await sleep(1000);
        results[set].push(await batch(set, round));
      }
    }
  } finally {
    await removeAll();
    for (const [kind, object] of saved) await ok('POST', `${ADMISSION}/${kind}`, { body: object });
    agent.destroy();
  }

  const figures = {};
  for (const set of SETS) {
    const added = results[set].map((run, round) => run.cpu - results.none[round].cpu);
    figures[set] = {
      cpu: median(results[set].map((run) => run.cpu)),
      added: median(added),
      addedMin: Math.min(...added),
      addedMax: Math.max(...added),
      plugins: Object.fromEntries(
        PLUGINS.map((plugin) => [plugin, median(results[set].map((run) => run.plugins[plugin]))]),
      ),
    };
  }
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ count: COUNT, rounds: ROUNDS, figures }, null, 2)}\n`);
    return;
  }
  const f = (value) => value.toFixed(2).padStart(8);
  const lines = [
    `Profile creates, ${COUNT} per object set and round, ${ROUNDS} rounds, ${CONCURRENCY} clients (admin token)`,
    'CPU of kube-apiserver + etcd per create (ms), and what the set adds to the `none` batch of the',
    "same round (median, min..max); the admission plugins' own time per create (ms, wall clock):",
    `${'set'.padEnd(12)}${'CPU'.padStart(8)}${'added'.padStart(8)}${'range'.padStart(16)}${'MAP'.padStart(8)}${'VAP'.padStart(8)}`,
  ];
  for (const set of SETS) {
    const fig = figures[set];
    lines.push(
      `${set.padEnd(12)}${f(fig.cpu)}${f(fig.added)}${`${fig.addedMin.toFixed(2)}..${fig.addedMax.toFixed(2)}`.padStart(16)}${f(fig.plugins.MutatingAdmissionPolicy)}${f(fig.plugins.ValidatingAdmissionPolicy)}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error) => {
  process.stderr.write(`native-cost: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
