// Scale benchmark: decision latency and memory of the stateful rules as the cluster grows.
//
// Loads 10, 1 000 and 100 000 Profiles (each with its Namespace and 3 RoleBindings, so 300 000
// RoleBindings at the largest size) into a SnapshotIndex and times two decisions that read it:
//   - a RoleBinding CREATE of kubeflow-admin to the namespace owner (binding-owner-only-role reads
//     the Profile; binding-contributor-limit counts the namespace's RoleBindings);
//   - a Profile CREATE for an owner who already owns Profiles (profile-owner-limit reads the
//     owner's Profiles; profile-namespace-takeover looks the Namespace up).
// Targets: latency at 100 000 Profiles within 1.2x of that at 10; heap per RoleBinding < 1024 B.
// The latency target is judged on requests to the same number of distinct namespaces (10) at every
// size, so that only the cluster size differs; requests spread over 256 namespaces are shown too
// (at 100 000 Profiles they also pay CPU-cache misses, which say nothing about the algorithm).
// Sizes are timed in interleaved rounds; each latency is the best round (load only adds time).
//
// Runs the built package: `npm run build && node --expose-gc bench/scale.mjs [--json]`.
// Without --expose-gc it re-runs itself with it. `--json` prints one JSON object instead of a table.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

if (typeof globalThis.gc !== 'function') {
  const child = spawnSync(
    process.execPath,
    ['--expose-gc', fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  process.exit(child.status ?? 1);
}

const { SnapshotIndex } = await import('../dist/policy/snapshot-index.js');
const { createValidator } = await import('../dist/policy/engine.js');
const { RULES } = await import('../dist/policy/catalog.js');
const { EMBEDDED_DEFAULT_POLICY } = await import('../dist/config/default-policy.js');

const SIZES = [10, 1_000, 100_000];
const BINDINGS_PER_PROFILE = 3;
const PROFILES_PER_OWNER = 2;
const SAMPLES = 256;
const ROUNDS = 40;
const ITERATIONS = 5_000;
const LATENCY_TARGET = 1.2;
const HEAP_TARGET = 1024;
const json = process.argv.includes('--json');

// The embedded default with the limits switched on, so that the stateful rules do their lookups.
const policy = {
  ...EMBEDDED_DEFAULT_POLICY,
  spec: {
    ...EMBEDDED_DEFAULT_POLICY.spec,
    profiles: {
      ...EMBEDDED_DEFAULT_POLICY.spec.profiles,
      owner: { ...EMBEDDED_DEFAULT_POLICY.spec.profiles.owner, maxProfilesPerOwner: 100 },
    },
    bindings: { ...EMBEDDED_DEFAULT_POLICY.spec.bindings, maxContributors: 100 },
  },
};
const validate = createValidator(RULES);
const USER = { username: 'system:serviceaccount:kubeflow:kfam', groups: ['system:authenticated'] };

const profileName = (i) => `user-${i}`;
const ownerOf = (i) => `owner-${Math.floor(i / PROFILES_PER_OWNER)}@example.com`;

function* profileObjects(count) {
  for (let i = 0; i < count; i += 1) {
    yield {
      apiVersion: 'kubeflow.org/v1',
      kind: 'Profile',
      metadata: {
        name: profileName(i),
        labels: { 'app.kubernetes.io/part-of': 'kubeflow-profile' },
      },
      spec: { owner: { kind: 'User', name: ownerOf(i) } },
    };
    yield {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: profileName(i),
        annotations: { owner: ownerOf(i) },
        labels: { 'app.kubernetes.io/part-of': 'kubeflow-profile', 'istio-injection': 'enabled' },
        ownerReferences: [{ apiVersion: 'kubeflow.org/v1', kind: 'Profile', name: profileName(i) }],
      },
    };
  }
}

function roleBindingObject(namespace, name, role, subjects) {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name, namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects,
  };
}

function* bindingObjects(count) {
  for (let i = 0; i < count; i += 1) {
    const ns = profileName(i);
    yield roleBindingObject(ns, 'namespaceAdmin', 'kubeflow-admin', [
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: ownerOf(i) },
    ]);
    yield roleBindingObject(ns, 'default-editor', 'kubeflow-edit', [
      { kind: 'ServiceAccount', name: 'default-editor', namespace: ns },
    ]);
    yield roleBindingObject(ns, `user-contributor-${i}-clusterrole-edit`, 'kubeflow-edit', [
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: `contributor-${i}@example.com` },
    ]);
  }
}

function heapUsed() {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

function request(target, object) {
  return {
    uid: 'bench',
    target,
    apiVersion: object.apiVersion,
    operation: 'CREATE',
    name: object.metadata.name,
    namespace: object.metadata.namespace ?? '',
    object,
    oldObject: undefined,
    user: USER,
    dryRun: false,
  };
}

// Deterministic picks spread over the whole population: `distinct` different namespaces (owners),
// cycled to SAMPLES requests.
function sampleIndices(count, distinct) {
  let seed = 42;
  const picks = Array.from({ length: Math.min(distinct, count) }, () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed % count;
  });
  return Array.from({ length: SAMPLES }, (_, n) => picks[n % picks.length]);
}

function timeRound(inputs, snapshot) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < ITERATIONS; i += 1) validate(inputs[i % inputs.length], policy, snapshot);
  return Number(process.hrtime.bigint() - start) / ITERATIONS / 1000; // microseconds
}

// The least disturbed round: other load on the machine only ever adds time.
function best(values) {
  return Math.min(...values);
}

function check(evaluation) {
  if (!evaluation.allowed || evaluation.evaluations.some((e) => e.status === 'error')) {
    throw new Error(`unexpected decision: ${JSON.stringify(evaluation.denials)}`);
  }
}

function inputsFor(samples) {
  const roleBinding = samples.map((i) =>
    request(
      'RoleBinding',
      roleBindingObject(profileName(i), 'owner-again', 'kubeflow-admin', [
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: ownerOf(i) },
      ]),
    ),
  );
  const profile = samples.map((i, n) =>
    request('Profile', {
      apiVersion: 'kubeflow.org/v1',
      kind: 'Profile',
      metadata: { name: `new-profile-${n}` },
      spec: { owner: { kind: 'User', name: ownerOf(i) } },
    }),
  );
  return { roleBinding, profile };
}

function load(profiles) {
  const bindings = profiles * BINDINGS_PER_PROFILE;
  const before = heapUsed();
  const index = new SnapshotIndex();
  for (const object of profileObjects(profiles)) index.upsert(object);
  const afterProfiles = heapUsed();
  for (const object of bindingObjects(profiles)) index.upsert(object);
  index.state = 'synced';
  const afterBindings = heapUsed();
  if (index.counts().RoleBinding !== bindings) throw new Error('the index lost RoleBindings');

  const mixes = {
    // The same number of distinct namespaces at every size: only the cluster size differs.
    equal: inputsFor(sampleIndices(profiles, SIZES[0])),
    // 256 distinct namespaces: at large sizes also measures CPU-cache misses.
    spread: inputsFor(sampleIndices(profiles, SAMPLES)),
  };
  for (const mix of Object.values(mixes)) {
    for (const input of [...mix.roleBinding, ...mix.profile]) check(validate(input, policy, index));
  }
  return {
    index,
    mixes,
    row: {
      profiles,
      roleBindings: bindings,
      heapProfilesAndNamespacesBytes: afterProfiles - before,
      heapRoleBindingsBytes: afterBindings - afterProfiles,
      bytesPerRoleBinding: (afterBindings - afterProfiles) / bindings,
    },
  };
}

const SERIES = [
  ['equal', 'roleBinding'],
  ['equal', 'profile'],
  ['spread', 'roleBinding'],
  ['spread', 'profile'],
];

// All sizes stay loaded and are timed in interleaved rounds, so that drift in machine load hits
// every size alike; each latency is the best of its rounds.
const loaded = SIZES.map(load);
const rounds = loaded.map(() => SERIES.map(() => []));
for (let round = -1; round < ROUNDS; round += 1) {
  loaded.forEach(({ index, mixes }, n) => {
    SERIES.forEach(([mix, kind], s) => {
      const us = timeRound(mixes[mix][kind], index);
      if (round >= 0) rounds[n][s].push(us); // round -1 warms up
    });
  });
}
const rows = loaded.map(({ row }, n) => {
  const [roleBindingUs, profileUs, spreadRoleBindingUs, spreadProfileUs] = rounds[n].map(best);
  return { ...row, roleBindingUs, profileUs, spreadRoleBindingUs, spreadProfileUs };
});
const smallest = rows[0];
const largest = rows[rows.length - 1];
const summary = {
  rows,
  roleBindingLatencyRatio: largest.roleBindingUs / smallest.roleBindingUs,
  profileLatencyRatio: largest.profileUs / smallest.profileUs,
  spreadRoleBindingLatencyRatio: largest.spreadRoleBindingUs / smallest.spreadRoleBindingUs,
  spreadProfileLatencyRatio: largest.spreadProfileUs / smallest.spreadProfileUs,
  bytesPerRoleBinding: largest.bytesPerRoleBinding,
  targets: { latencyRatio: LATENCY_TARGET, bytesPerRoleBinding: HEAP_TARGET },
};
summary.met =
  summary.roleBindingLatencyRatio <= LATENCY_TARGET &&
  summary.profileLatencyRatio <= LATENCY_TARGET &&
  summary.bytesPerRoleBinding < HEAP_TARGET;

if (json) {
  console.log(JSON.stringify(summary));
} else {
  const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);
  const columns = [
    ['profiles', (row) => String(row.profiles)],
    ['rolebindings', (row) => String(row.roleBindings)],
    ['RoleBinding µs', (row) => row.roleBindingUs.toFixed(2)],
    ['Profile µs', (row) => row.profileUs.toFixed(2)],
    ['RoleBinding µs (spread)', (row) => row.spreadRoleBindingUs.toFixed(2)],
    ['Profile µs (spread)', (row) => row.spreadProfileUs.toFixed(2)],
    ['heap Profiles+NS MiB', (row) => mib(row.heapProfilesAndNamespacesBytes)],
    ['heap RoleBindings MiB', (row) => mib(row.heapRoleBindingsBytes)],
    ['B/RoleBinding', (row) => row.bytesPerRoleBinding.toFixed(0)],
  ];
  console.log(columns.map(([title]) => title).join('  '));
  for (const row of rows) {
    console.log(columns.map(([title, cell]) => cell(row).padStart(title.length)).join('  '));
  }
  const verdict = (ratio) =>
    `${ratio.toFixed(2)}x (target <= ${LATENCY_TARGET}) ${ratio <= LATENCY_TARGET ? 'ok' : 'MISSED'}`;
  const versus = `${largest.profiles} vs ${smallest.profiles} Profiles`;
  console.log('');
  console.log(`RoleBinding CREATE latency, ${versus}: ${verdict(summary.roleBindingLatencyRatio)}`);
  console.log(`Profile CREATE latency,     ${versus}: ${verdict(summary.profileLatencyRatio)}`);
  console.log(
    `spread over ${SAMPLES} namespaces (informational, includes CPU-cache misses): RoleBinding ${summary.spreadRoleBindingLatencyRatio.toFixed(2)}x, Profile ${summary.spreadProfileLatencyRatio.toFixed(2)}x`,
  );
  console.log(
    `heap per RoleBinding at ${largest.roleBindings}: ${summary.bytesPerRoleBinding.toFixed(0)} B (target < ${HEAP_TARGET}) ${summary.bytesPerRoleBinding < HEAP_TARGET ? 'ok' : 'MISSED'}`,
  );
}
