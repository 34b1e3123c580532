import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';

import type { ReportReader } from '../../kube/policy-reports.js';
import { REPORT_APIS } from '../../kube/report-apis.js';
import { createAuditAccumulator, type AuditAccumulator } from './audit-summary.js';
import { parseDecisionLogLine } from './decisions-from-log.js';
import { decisionsFromReport } from './decisions-from-reports.js';
import { parseDuration } from './duration.js';
import { formatAuditHtml } from './format-html.js';
import {
  formatAuditJson,
  formatAuditText,
  type AuditReport,
  type AuditSource,
} from './format-audit.js';
import { choiceFlag, parseFlags, positiveIntFlag } from '../args.js';
import { EXIT_OK, EXIT_USAGE, type CliIo } from '../io.js';
import { UsageError } from '../usage-error.js';
import { homeDirectory } from '../home-dir.js';
import { packageVersion } from '../run-cli.js';
import { errorMessage } from '../../util/error-message.js';

/** Default number of latest denials listed. */
export const DEFAULT_LATEST = 10;

/** `profile-guard report --help`. */
export const REPORT_USAGE = `Usage: profile-guard report [flags]

Summarizes what profile-guard denied, warned about and audited: decisions by kind, by rule
(with its mode), by namespace and by user, and the latest denials. Reads the reports named
profile-guard that serve writes (OpenReports and wgpolicyk8s.io PolicyReports, whichever the
cluster serves), or, with --from-log, serve's JSON decision log lines, so that no cluster access
is needed. --output html writes one self-contained page (a chart over time, the tables, the
latest denials, the policy in force and what to do per rule) for people and for print.

Flags:
      --kubeconfig PATH   cluster to read the reports from (default: KUBECONFIG, the
                          in-cluster service account, ~/.kube/config)
      --from-log FILE     read serve's JSON log from FILE instead (- reads stdin; a prefix
                          before each line's JSON, as kubectl logs --prefix adds, is ignored)
      --since DURATION    only decisions in the last DURATION (e.g. 90s, 30m, 12h, 7d, 1h30m)
  -n, --namespace NS      only decisions about objects in namespace NS
      --latest N          how many latest denials to list (default ${DEFAULT_LATEST})
  -o, --output FORMAT     text (default), json or html
      --out FILE          write the report to FILE instead of standard output
  -h, --help              this help

Dry runs are not counted. Exit codes: 0 success, 2 bad flags, unreadable input or reports, or an
--out file that cannot be written.
`;

const OPTIONS = {
  kubeconfig: { type: 'string' },
  'from-log': { type: 'string' },
  since: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  latest: { type: 'string' },
  output: { type: 'string', short: 'o' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Seams of {@link runReport}: the clock and the cluster. */
export interface ReportDeps {
  /** Milliseconds since the epoch; default `Date.now`. */
  readonly now?: () => number;
  /**
   * Opens the cluster's reports; default: the kubeconfig (as `serve` finds it) and the
   * client-node reader. Throws when there is no usable configuration.
   */
  readonly openReader?: (kubeconfig: string | undefined, io: CliIo) => Promise<ReportReader>;
}

/**
 * `profile-guard report`: prints the audit summary on `io.stdout` and returns 0; bad flags, an
 * unreadable log or unreadable reports print a message naming the flag or file on `io.stderr`
 * and return 2. Never returns 1: finding denials is not a failure of this command.
 */
export async function runReport(
  argv: readonly string[],
  io: CliIo,
  deps: ReportDeps = {},
): Promise<number> {
  try {
    return await report(argv, io, deps);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`profile-guard report: ${error.message}\n`);
    return EXIT_USAGE;
  }
}

async function report(argv: readonly string[], io: CliIo, deps: ReportDeps): Promise<number> {
  const flags = parseFlags(argv, OPTIONS);
  if (flags.help === true) {
    io.stdout.write(REPORT_USAGE);
    return EXIT_OK;
  }
  const output = choiceFlag('output', flags.output, ['text', 'json', 'html'], 'text');
  const latest = positiveIntFlag('latest', flags.latest, DEFAULT_LATEST);
  for (const flag of ['kubeconfig', 'from-log', 'namespace', 'out'] as const) {
    if (flags[flag] === '') throw new UsageError(`invalid value for --${flag}: must not be empty`);
  }
  if (flags['from-log'] !== undefined && flags.kubeconfig !== undefined) {
    throw new UsageError('--from-log and --kubeconfig exclude each other');
  }
  let since: number | undefined;
  if (flags.since !== undefined) {
    const span = parseDuration(flags.since);
    if (span === undefined) {
      throw new UsageError(
        `invalid value for --since: ${JSON.stringify(flags.since)} ` +
          '(expected a duration such as 90s, 30m, 12h, 7d or 1h30m)',
      );
    }
    since = (deps.now ?? Date.now)() - span;
  }
  const namespace = flags.namespace;
  const accumulator = createAuditAccumulator({ since, namespace, latest });

  const source =
    flags['from-log'] === undefined
      ? await readCluster(accumulator, flags.kubeconfig, namespace, io, deps)
      : await readLog(accumulator, flags['from-log'], io);
  const result: AuditReport = { summary: accumulator.summary(), source, since, namespace };
  const now = (deps.now ?? Date.now)();
  const text =
    output === 'json'
      ? formatAuditJson(result)
      : output === 'html'
        ? formatAuditHtml(result, { generatedAt: now, version: packageVersion() })
        : formatAuditText(result);
  if (flags.out === undefined) {
    io.stdout.write(text);
  } else {
    try {
      await writeFile(flags.out, text, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot write --out ${flags.out}: ${errorMessage(error)}`);
    }
    io.stderr.write(`profile-guard report: wrote ${flags.out}\n`);
  }
  return EXIT_OK;
}

/** Feeds every decision line of the log to the accumulator. */
async function readLog(
  accumulator: AuditAccumulator,
  file: string,
  io: CliIo,
): Promise<AuditSource> {
  const counts = { decisionLines: 0, dryRunLines: 0, otherLines: 0 };
  const take = (line: string): void => {
    if (line.trim() === '') return;
    const parsed = parseDecisionLogLine(line);
    if (parsed.type === 'decision') {
      counts.decisionLines += 1;
      accumulator.add(parsed.decision);
    } else if (parsed.type === 'dry-run') {
      counts.dryRunLines += 1;
    } else {
      counts.otherLines += 1;
    }
  };
  if (file === '-') {
    if (io.readStdin === undefined) {
      throw new UsageError('--from-log -: standard input cannot be read here');
    }
    for (const line of (await io.readStdin()).split('\n')) take(line);
  } else {
    // Line by line: a log of any size is read in constant memory.
    try {
      const lines = createInterface({
        input: createReadStream(file, { encoding: 'utf8' }),
        crlfDelay: Infinity,
      });
      for await (const line of lines) take(line);
    } catch (error) {
      throw new UsageError(`cannot read --from-log ${file}: ${errorMessage(error)}`);
    }
  }
  return { type: 'log', file, ...counts };
}

/**
 * Feeds every decision recorded in the cluster's reports to the accumulator: those of every report
 * API the cluster serves (OpenReports and wgpolicyk8s.io: `serve` may have written both, before
 * and after the OpenReports CRDs were installed). A decision found in both is counted once.
 */
async function readCluster(
  accumulator: AuditAccumulator,
  kubeconfig: string | undefined,
  namespace: string | undefined,
  io: CliIo,
  deps: ReportDeps,
): Promise<AuditSource> {
  const counts = {
    reports: 0,
    clusterReports: 0,
    policyReports: 0,
    clusterPolicyReports: 0,
    results: 0,
  };
  const open = deps.openReader ?? openKubeReader;
  const seen = new Set<string>();
  const apis: string[] = [];
  try {
    const reader = await open(kubeconfig, io);
    const served = await reader.servedApis();
    if (served.length === 0) {
      throw new Error(
        `the API server serves neither ${REPORT_APIS.map((api) => api.apiVersion).join(' nor ')} ` +
          '(are the OpenReports or PolicyReport CRDs installed?)',
      );
    }
    apis.push(...served.map((api) => api.apiVersion));
    for (const api of served) {
      for await (const raw of reader.reports(api, namespace)) {
        const contents = decisionsFromReport(raw);
        if (contents.kind === undefined) continue;
        counts[KIND_COUNTER[contents.kind]] += 1;
        counts.results += contents.results;
        for (const decision of contents.decisions) {
          if (decision.uid !== '') {
            if (seen.has(decision.uid)) continue;
            seen.add(decision.uid);
          }
          accumulator.add(decision);
        }
      }
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    // Whatever kept the reports from being read (no kubeconfig, no CRD, RBAC, network) is input
    // this command could not read: exit 2, with the reason, and a way around it.
    throw new UsageError(
      `cannot read reports: ${errorMessage(error)} (--from-log FILE reads serve's log instead)`,
    );
  }
  return { type: 'cluster', apis, ...counts };
}

const KIND_COUNTER = {
  Report: 'reports',
  ClusterReport: 'clusterReports',
  PolicyReport: 'policyReports',
  ClusterPolicyReport: 'clusterPolicyReports',
} as const;

/** The kubeconfig as `serve` finds it, and the client-node reader (loaded only when used). */
async function openKubeReader(kubeconfig: string | undefined, io: CliIo): Promise<ReportReader> {
  // One after the other: concurrent dynamic imports of one module graph trip Jest's ESM loader.
  const { loadKubeConfig } = await import('../../kube/kube-config.js');
  const { createKubeReportReader } = await import('../../kube/kube-report-store.js');
  let loaded;
  try {
    loaded = loadKubeConfig({ kubeconfig, env: io.env, homeDir: homeDirectory(io.env) });
  } catch (error) {
    // serve's advice (--no-cluster) does not apply here.
    if (errorMessage(error).startsWith('no Kubernetes configuration found')) {
      throw new Error(
        'no Kubernetes configuration found (no --kubeconfig, KUBECONFIG, in-cluster service ' +
          'account or ~/.kube/config)',
        { cause: error },
      );
    }
    throw error;
  }
  return createKubeReportReader(loaded.config);
}
