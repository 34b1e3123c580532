import { existsSync } from 'node:fs';
import { join } from 'node:path';

import {
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  startProfileGuard,
  type RunningProfileGuard,
} from '../../app/start-profile-guard.js';
import { createLogger } from '../../observability/logger.js';
import type { ClusterMode } from '../../app/cluster-connection.js';
import { ConfigError } from '../../app/config-error.js';
import {
  DEFAULT_DISCOVERY_INTERVAL_MS,
  REPORTS_MODES,
  type ReportsMode,
} from '../../kube/report-api-selector.js';
import { choiceFlag, parseFlags, portFlag, positiveIntFlag } from '../args.js';
import { EXIT_OK, EXIT_USAGE, type CliIo, type TextSink } from '../io.js';
import { UsageError } from '../usage-error.js';
import { errorMessage } from '../../util/error-message.js';
import { homeDirectory } from '../home-dir.js';
import { DEFAULT_NATIVE_PREFIX, type NativeMode } from '../../app/native-policies.js';
import { packageVersion } from '../run-cli.js';
import {
  DEFAULT_OFFLOAD_BUDGET_MS,
  DEFAULT_OFFLOAD_BYTES,
  DEFAULT_OFFLOAD_QUEUE,
} from '../../offload/decision-pool.js';
import { DEFAULT_OFFLOAD_NICE, MAX_NICE } from '../../offload/worker-priority.js';

/** Default HTTPS port of the webhook. */
export const DEFAULT_PORT = 8443;
/** Default plain-HTTP port of `/metrics`. */
export const DEFAULT_METRICS_PORT = 9090;

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** `profile-guard serve --help`. */
export const SERVE_USAGE = `Usage: profile-guard serve [flags]

Runs the admission webhook: HTTPS POST /mutate and /validate, GET /healthz and /readyz; plain
HTTP GET /metrics on the metrics port. Logs are JSON lines on stdout. SIGTERM or SIGINT stops it
gracefully (in-flight reviews finish) with exit code 0.

Flags:
      --policy FILE          ProfilePolicy (YAML or JSON), reloaded when it changes (a bad
                             edit keeps the last good policy); default: cluster ProfilePolicy
                             objects, else the embedded default policy
      --cert-dir DIR         serve tls.crt + tls.key from DIR, reloaded when they change;
                             default: generate a self-signed CA and serving pair
      --ca-out PATH          where the generated CA goes (default
                             $TMPDIR/profile-guard-<port>/ca.crt)
      --port N               HTTPS port (default ${DEFAULT_PORT}; 0 = any free port)
      --metrics-port N       metrics port (default ${DEFAULT_METRICS_PORT}; 0 = any free port)
      --host ADDR            interface to bind (default: all interfaces)
      --kubeconfig PATH      cluster to read state and ProfilePolicies from
      --no-cluster           no cluster lookups (stateful rules skip)
      --reports API          where denials, warnings and Audit findings are reported when
                             cluster lookups are on: auto (default: OpenReports when the
                             cluster serves openreports.io/v1alpha1, else wgpolicyk8s.io
                             PolicyReports; looked up again while running), openreports,
                             wgpolicy, or off; read them with profile-guard report
      --no-reports           the same as --reports off
      --reports-discovery-interval S
                             auto: seconds between two look-ups of the report APIs
                             (default ${DEFAULT_DISCOVERY_INTERVAL_MS / 1000})
      --no-limit-ranges      keep no LimitRange profile-guard-defaults in profile namespaces
                             (default: kept as the policy's profiles.limitRange says when
                             cluster lookups are on)
      --native-policies on|off
                             on: keep the native admission policies (ValidatingAdmission-
                             Policies, MutatingAdmissionPolicy) in step with the policy in
                             force; off: delete them. Default: neither (not touched). Needs
                             cluster lookups; their bindings are installed with profile-guard
      --native-prefix NAME   name prefix and set label of those objects (default
                             ${DEFAULT_NATIVE_PREFIX})
      --offload-bytes N      decide bodies larger than N bytes on a decision worker
                             thread, so /healthz and small reviews never wait behind them
                             (default ${DEFAULT_OFFLOAD_BYTES}; 0 = decide every body inline)
      --offload-budget-ms N  time an offloaded request may take, waiting included; past it
                             the worker is stopped and the request denied (default ${DEFAULT_OFFLOAD_BUDGET_MS})
      --offload-queue N      offloaded requests that may wait; more are denied at once
                             (default ${DEFAULT_OFFLOAD_QUEUE})
      --offload-nice N       run the decision worker thread N nice levels below the main
                             thread (0-${MAX_NICE}; default ${DEFAULT_OFFLOAD_NICE}; 0 = same priority). A
                             scheduling hint: a failure to set it is logged and ignored
      --log-level LEVEL      ${LOG_LEVELS.join(', ')} (default info)
      --shutdown-timeout S   seconds allowed for in-flight requests at shutdown (default ${DEFAULT_SHUTDOWN_TIMEOUT_MS / 1000})
  -h, --help                 this help

Cluster: --kubeconfig, else KUBECONFIG, else the in-cluster service account, else
~/.kube/config. With none of them (or --no-cluster) cluster lookups are off.

Exit codes: 0 clean shutdown, 1 runtime failure, 2 bad flags, bad policy, unusable --cert-dir
or kubeconfig.
`;

const OPTIONS = {
  policy: { type: 'string' },
  'cert-dir': { type: 'string' },
  'ca-out': { type: 'string' },
  port: { type: 'string' },
  'metrics-port': { type: 'string' },
  host: { type: 'string' },
  kubeconfig: { type: 'string' },
  'no-cluster': { type: 'boolean' },
  reports: { type: 'string' },
  'no-reports': { type: 'boolean' },
  'no-limit-ranges': { type: 'boolean' },
  'reports-discovery-interval': { type: 'string' },
  'native-policies': { type: 'string' },
  'native-prefix': { type: 'string' },
  'offload-bytes': { type: 'string' },
  'offload-budget-ms': { type: 'string' },
  'offload-queue': { type: 'string' },
  'offload-nice': { type: 'string' },
  'log-level': { type: 'string' },
  'shutdown-timeout': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Where `serve` gets its stop signals; `process` by default. */
export interface SignalSource {
  once(signal: 'SIGTERM' | 'SIGINT', listener: () => void): unknown;
  off(signal: 'SIGTERM' | 'SIGINT', listener: () => void): unknown;
}

/** Seams for embedding `serve` (tests, the benchmark). */
export interface ServeHooks {
  /** Default: `process`. */
  readonly signals?: SignalSource;
  /** Called once the server listens. */
  readonly onStarted?: (running: RunningProfileGuard) => void;
}

/**
 * `profile-guard serve`: starts the webhook and resolves with the exit code once it has stopped
 * (0 after SIGTERM/SIGINT, 1 after a fatal runtime error, 2 for bad flags or configuration).
 */
export async function runServe(
  argv: readonly string[],
  io: CliIo,
  hooks: ServeHooks = {},
): Promise<number> {
  // Signals are taken from the start: one that arrives while starting stops the server as soon
  // as it is up (still exit 0), instead of killing the process halfway.
  const signals = hooks.signals ?? process;
  let running: RunningProfileGuard | undefined;
  let requested: string | undefined;
  const onSignal = (signal: string) => () => {
    io.stderr.write(`profile-guard: ${signal}: shutting down\n`);
    requested ??= signal;
    void running?.shutdown(signal);
  };
  const onTerm = onSignal('SIGTERM');
  const onInt = onSignal('SIGINT');
  signals.once('SIGTERM', onTerm);
  signals.once('SIGINT', onInt);
  const release = (): void => {
    signals.off('SIGTERM', onTerm);
    signals.off('SIGINT', onInt);
  };

  try {
    const flags = parseFlags(argv, OPTIONS);
    if (flags.help === true) {
      release();
      io.stdout.write(SERVE_USAGE);
      return EXIT_OK;
    }
    const port = portFlag('port', flags.port, DEFAULT_PORT);
    const metricsPort = portFlag('metrics-port', flags['metrics-port'], DEFAULT_METRICS_PORT);
    if (port === metricsPort && port !== 0) {
      throw new UsageError(`--port and --metrics-port must differ (both ${port})`);
    }
    const level = choiceFlag('log-level', flags['log-level'], LOG_LEVELS, 'info');
    const shutdownSeconds = positiveIntFlag(
      'shutdown-timeout',
      flags['shutdown-timeout'],
      DEFAULT_SHUTDOWN_TIMEOUT_MS / 1000,
      0,
    );
    const offload = {
      aboveBytes: positiveIntFlag(
        'offload-bytes',
        flags['offload-bytes'],
        DEFAULT_OFFLOAD_BYTES,
        0,
      ),
      budgetMs: positiveIntFlag(
        'offload-budget-ms',
        flags['offload-budget-ms'],
        DEFAULT_OFFLOAD_BUDGET_MS,
      ),
      maxQueue: positiveIntFlag('offload-queue', flags['offload-queue'], DEFAULT_OFFLOAD_QUEUE, 0),
      nice: positiveIntFlag('offload-nice', flags['offload-nice'], DEFAULT_OFFLOAD_NICE, 0),
    };
    if (offload.nice > MAX_NICE) {
      throw new UsageError(
        `invalid value for --offload-nice: ${offload.nice} (expected 0 to ${MAX_NICE})`,
      );
    }
    for (const flag of ['policy', 'cert-dir', 'ca-out', 'host', 'kubeconfig'] as const) {
      if (flags[flag] === '')
        throw new UsageError(`invalid value for --${flag}: must not be empty`);
    }
    if (flags['no-cluster'] === true && flags.kubeconfig !== undefined) {
      throw new UsageError('--kubeconfig and --no-cluster exclude each other');
    }
    if (flags['cert-dir'] !== undefined && flags['ca-out'] !== undefined) {
      throw new UsageError('--ca-out only applies to a self-signed pair, not with --cert-dir');
    }
    const native = nativeMode(flags['native-policies'], flags['native-prefix']);
    if (native !== undefined && flags['no-cluster'] === true) {
      throw new UsageError('--native-policies and --no-cluster exclude each other');
    }
    const homeDir = homeDirectory(io.env);
    const found = clusterMode(flags['no-cluster'] === true, flags.kubeconfig, io.env, homeDir);
    const reports = reportsFlag(flags.reports, flags['no-reports'] === true);
    const discoverySeconds = positiveIntFlag(
      'reports-discovery-interval',
      flags['reports-discovery-interval'],
      DEFAULT_DISCOVERY_INTERVAL_MS / 1000,
    );
    const cluster: ClusterMode =
      found.mode === 'on'
        ? {
            ...found,
            reports,
            reportsDiscoveryIntervalMs: discoverySeconds * 1000,
            ...(flags['no-limit-ranges'] === true ? { limitRanges: false } : {}),
          }
        : found;
    const logger = createLogger({
      level,
      ...(io.stdout === process.stdout ? {} : { destination: io.stdout }),
    });
    running = await startProfileGuard({
      logger,
      policyPath: flags.policy,
      certDir: flags['cert-dir'],
      host: flags.host,
      port,
      metricsPort,
      cluster,
      caOut: flags['ca-out'],
      env: io.env,
      homeDir,
      shutdownTimeoutMs: shutdownSeconds * 1000,
      offload,
      ...(native === undefined ? {} : { native, version: packageVersion() }),
    });
  } catch (error) {
    release();
    return reportStartupFailure(error, io.stderr);
  }

  announce(running, io.stderr);
  hooks.onStarted?.(running);
  if (requested !== undefined) void running.shutdown(requested);
  try {
    await running.stopped;
    return EXIT_OK;
  } catch (error) {
    io.stderr.write(`profile-guard serve: ${errorMessage(error)}\n`);
    return 1;
  } finally {
    release();
  }
}

/** `--reports API`, with `--no-reports` as another way to say `--reports off`. */
function reportsFlag(value: string | undefined, noReports: boolean): ReportsMode {
  const mode = choiceFlag('reports', value, REPORTS_MODES, 'auto');
  if (noReports && value !== undefined && mode !== 'off') {
    throw new UsageError(`--no-reports and --reports ${mode} exclude each other`);
  }
  return noReports ? 'off' : mode;
}

/** A name prefix that keeps every generated name a valid object name and label value. */
const NATIVE_PREFIX = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** `--native-policies on|off` with `--native-prefix`; undefined when not asked for. */
function nativeMode(mode: string | undefined, prefix: string | undefined): NativeMode | undefined {
  if (mode === undefined) {
    if (prefix !== undefined) throw new UsageError('--native-prefix needs --native-policies');
    return undefined;
  }
  const chosen = choiceFlag('native-policies', mode, ['on', 'off'] as const, 'on');
  const name = prefix ?? DEFAULT_NATIVE_PREFIX;
  if (!NATIVE_PREFIX.test(name)) {
    throw new UsageError(
      `invalid value for --native-prefix: ${JSON.stringify(name)} is not a DNS label (at most 63 characters)`,
    );
  }
  return { mode: chosen, prefix: name };
}

/**
 * `--no-cluster` or no configuration anywhere (no --kubeconfig, no KUBECONFIG, not in a pod, no
 * ~/.kube/config): lookups off. Otherwise on; the kube layer then loads the configuration.
 */
export function clusterMode(
  noCluster: boolean,
  kubeconfig: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  homeDir: string,
  fileExists: (path: string) => boolean = existsSync,
): ClusterMode {
  if (noCluster) return { mode: 'off', reason: '--no-cluster' };
  if (kubeconfig !== undefined) return { mode: 'on', kubeconfig };
  const configured =
    (env.KUBECONFIG ?? '') !== '' ||
    (env.KUBERNETES_SERVICE_HOST ?? '') !== '' ||
    (homeDir !== '' && fileExists(join(homeDir, '.kube', 'config')));
  return configured
    ? { mode: 'on', kubeconfig: undefined }
    : {
        mode: 'off',
        reason:
          'no Kubernetes configuration found (no --kubeconfig, KUBECONFIG, in-cluster ' +
          'service account or ~/.kube/config): running as with --no-cluster',
      };
}

function announce(running: RunningProfileGuard, stderr: TextSink): void {
  const lines = [
    `profile-guard: serving https://localhost:${running.port} (metrics: http://localhost:${running.metricsPort}/metrics)`,
  ];
  if (running.caPath !== undefined) {
    lines.push(
      `profile-guard: self-signed certificate; CA written to ${running.caPath}`,
      `profile-guard: try: curl --cacert ${running.caPath} https://localhost:${running.port}/healthz`,
    );
  }
  stderr.write(`${lines.join('\n')}\n`);
}

function reportStartupFailure(error: unknown, stderr: TextSink): number {
  if (error instanceof UsageError) {
    stderr.write(`profile-guard serve: ${error.message}\n`);
    return EXIT_USAGE;
  }
  if (error instanceof ConfigError) {
    stderr.write(`profile-guard serve: ${error.message}\n`);
    return EXIT_USAGE;
  }
  const code = (error as { code?: unknown } | null)?.code;
  const text = errorMessage(error);
  stderr.write(`profile-guard serve: ${code === 'EADDRINUSE' ? `port in use: ${text}` : text}\n`);
  return 1;
}
