import { EMBEDDED_DEFAULT_POLICY } from '../../config/default-policy.js';
import { NO_CLUSTER, type ClusterSnapshot } from '../../policy/cluster-snapshot.js';
import type { KubeObject } from '../../policy/kube-object.js';
import { staticPolicyProvider } from '../../policy/policy-provider.js';
import type { Policy } from '../../policy/policy-spec.js';
import { SnapshotIndex } from '../../policy/snapshot-index.js';
import { choiceFlag, listFlag, parseFlags } from '../args.js';
import { EXIT_DENIED, EXIT_OK, EXIT_USAGE, type CliIo } from '../io.js';
import { loadPolicyOrExplain } from '../policy-option.js';
import { UsageError } from '../usage-error.js';
import { createCheckEvaluator, type CheckResult } from './evaluate.js';
import { formatJson, formatMutatedYaml, formatSummary, formatText } from './format-results.js';
import { loadManifests } from './load-manifests.js';
import { manifestIdentity } from './object-identity.js';

/** The caller `check` impersonates unless `--user` says otherwise: not exempt under any default. */
export const DEFAULT_CHECK_USER = 'profile-guard-check';
/** Groups of the default caller: what the API server gives every authenticated user. */
export const DEFAULT_CHECK_GROUPS: readonly string[] = Object.freeze(['system:authenticated']);

/** `profile-guard check --help`. */
export const CHECK_USAGE = `Usage: profile-guard check -f PATH... [flags]

Evaluates manifests offline exactly as the webhook would: each object goes through /mutate,
the patch is applied, and the result goes through /validate. CREATE, or UPDATE when --state
holds an object of the same group, kind, namespace and name (that object is the oldObject).

Flags:
  -f, --filename PATH...  manifest files or directories (recursive: .yaml, .yml, .json);
                          multi-document YAML and List objects are read; - reads stdin
      --policy FILE       ProfilePolicy (YAML or JSON); default: the embedded default policy
      --state PATH...     existing cluster objects (e.g. kubectl get profiles,namespaces,
                          rolebindings -A -o yaml); without it cluster lookups are off
      --user NAME         the caller (default ${DEFAULT_CHECK_USER})
      --groups A,B        the caller's groups (default ${DEFAULT_CHECK_GROUPS.join(',')})
  -o, --output FORMAT     text (default) or json
      --print-mutated     print the mutated objects as multi-document YAML on stdout
                          (text report then goes to stderr; with json: a "mutated" field)
  -h, --help              this help

Exit codes: 0 all allowed, 1 any denied, 2 bad flags, unreadable input or bad policy.
`;

const OPTIONS = {
  filename: { type: 'string', short: 'f', multiple: true },
  policy: { type: 'string' },
  state: { type: 'string', multiple: true },
  user: { type: 'string' },
  groups: { type: 'string', multiple: true },
  output: { type: 'string', short: 'o' },
  'print-mutated': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * `profile-guard check`: returns the exit code (0 all allowed, 1 any denied, 2 bad flags,
 * unreadable input or bad policy). Writes the report on `io.stdout`, problems on `io.stderr`.
 */
export async function runCheck(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    return await check(argv, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`profile-guard check: ${error.message}\n`);
    return EXIT_USAGE;
  }
}

async function check(argv: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, OPTIONS, ['filename', 'state']);
  if (flags.help === true) {
    io.stdout.write(CHECK_USAGE);
    return EXIT_OK;
  }
  const paths = flags.filename ?? [];
  if (paths.length === 0) {
    throw new UsageError('-f PATH is required (see profile-guard check --help)');
  }
  const output = choiceFlag('output', flags.output, ['text', 'json'], 'text');
  const printMutated = flags['print-mutated'] === true;
  const groups = flags.groups === undefined ? [...DEFAULT_CHECK_GROUPS] : listFlag(flags.groups);
  const user = flags.user ?? DEFAULT_CHECK_USER;
  if (user === '') throw new UsageError('invalid value for --user: must not be empty');

  const policy: Policy =
    flags.policy === undefined ? EMBEDDED_DEFAULT_POLICY : await loadPolicyOrExplain(flags.policy);
  const manifests = await loadManifests(paths, io.readStdin);
  if (manifests.length === 0) {
    throw new UsageError(`no objects found in ${paths.join(', ')}`);
  }
  const { snapshot, existing } = await loadState(flags.state, io);

  const evaluate = createCheckEvaluator({
    policies: staticPolicyProvider(policy),
    snapshot,
    existing,
    caller: { username: user, groups },
  });
  const results: CheckResult[] = manifests.map(evaluate);

  if (output === 'json') {
    io.stdout.write(formatJson(results, printMutated));
  } else if (printMutated) {
    io.stderr.write(formatText(results));
    io.stdout.write(formatMutatedYaml(results));
  } else {
    io.stdout.write(formatText(results));
  }
  if (output === 'text') io.stderr.write(formatSummary(results));
  return results.some((result) => !result.allowed) ? EXIT_DENIED : EXIT_OK;
}

/**
 * `--state`: the snapshot stateful rules read (`synced`), and the stored objects by identity.
 * Without it cluster lookups are off (`none`): stateful rules skip, as with `serve --no-cluster`.
 */
async function loadState(
  paths: readonly string[] | undefined,
  io: CliIo,
): Promise<{ snapshot: ClusterSnapshot; existing: ReadonlyMap<string, KubeObject> }> {
  if (paths === undefined || paths.length === 0) {
    return { snapshot: NO_CLUSTER, existing: new Map() };
  }
  const objects = (await loadManifests(paths, io.readStdin)).map((manifest) => manifest.object);
  const existing = new Map<string, KubeObject>();
  for (const object of objects) existing.set(manifestIdentity(object), object);
  return { snapshot: SnapshotIndex.fromObjects(objects), existing };
}
