import type { Logger } from 'pino';

import type { ReportWriter, ReportWriterSource } from './policy-reports.js';
import { OPENREPORTS_API, REPORT_APIS, WGPOLICY_API, type ReportApi } from './report-apis.js';
import { REAL_SCHEDULER, type Scheduler } from './scheduler.js';

/** `serve --reports`: which report API to write (`auto`: OpenReports when served, else wgpolicyk8s.io). */
export type ReportsMode = 'auto' | 'openreports' | 'wgpolicy' | 'off';

/** Every `--reports` value, in the order the usage lists them. */
export const REPORTS_MODES: readonly ReportsMode[] = ['auto', 'openreports', 'wgpolicy', 'off'];

/** Default time between two discoveries of the report APIs in `auto` mode. */
export const DEFAULT_DISCOVERY_INTERVAL_MS = 30_000;

/** Options of {@link createReportApiSelector}. */
export interface ReportApiSelectorOptions {
  readonly mode: Exclude<ReportsMode, 'off'>;
  /**
   * Whether the cluster serves both kinds of `api` (API discovery): true or false, or a rejection
   * when the API server could not say (unreachable, refused).
   */
  readonly served: (api: ReportApi) => Promise<boolean>;
  readonly writerFor: (api: ReportApi) => ReportWriter;
  readonly logger: Logger;
  /** `auto`: how often the APIs are discovered again. Default 30 s. */
  readonly intervalMs?: number;
  readonly scheduler?: Scheduler;
}

/** A {@link ReportWriterSource} that follows the cluster's report APIs. */
export interface ReportApiSelector extends ReportWriterSource {
  /** The API reports go to now, `none`, or `unknown` before the first discovery ended. */
  selected(): ReportApi | 'none' | 'unknown';
  /** Discovers now (`auto`: and then every interval). Returns at once. */
  start(): void;
  /** Discovers once and applies what it found; resolves when done. Never rejects. */
  refresh(): Promise<void>;
  stop(): void;
}

/**
 * Decides where `serve` writes its reports. `openreports` and `wgpolicy` always write that API
 * (one discovery at start only logs a warning when it is not served). `auto` writes OpenReports
 * when the cluster serves `openreports.io/v1alpha1` (reports and clusterreports), else
 * `wgpolicyk8s.io/v1alpha2`, else nothing; it discovers at start, every `intervalMs`, and at
 * once after a write got 404, so installing or removing the CRDs switches the API within one
 * interval and no restart. Discovery is an API-discovery GET that every authenticated user may
 * make: it needs no RBAC. A discovery the API server could not answer changes nothing (before the
 * first answer: `none`). Each change is logged at `info`.
 */
export function createReportApiSelector(options: ReportApiSelectorOptions): ReportApiSelector {
  const { logger, mode } = options;
  const scheduler = options.scheduler ?? REAL_SCHEDULER;
  const interval = options.intervalMs ?? DEFAULT_DISCOVERY_INTERVAL_MS;
  const writers = new Map<ReportApi, ReportWriter>();
  const writerFor = (api: ReportApi): ReportWriter => {
    let writer = writers.get(api);
    if (writer === undefined) {
      writer = options.writerFor(api);
      writers.set(api, writer);
    }
    return writer;
  };

  const fixed =
    mode === 'openreports' ? OPENREPORTS_API : mode === 'wgpolicy' ? WGPOLICY_API : undefined;
  let selected: ReportApi | 'none' | 'unknown' = fixed ?? 'unknown';
  let timer: unknown;
  let stopped = false;
  let running: Promise<void> | undefined;
  // Mutable flags in one object: set by refresh() calls that come while a discovery runs.
  const flags = { again: false, warned: false };

  const discover = async (): Promise<void> => {
    if (fixed !== undefined) {
      // The API was chosen by flag: only say so when writes are bound to fail.
      if (flags.warned) return;
      const served = await options.served(fixed).catch(() => undefined);
      if (served === false) {
        flags.warned = true;
        logger.warn(
          { api: fixed.apiVersion, reports: `--reports ${fixed.name}` },
          `${fixed.apiVersion} is not served: reports cannot be written until its CRDs are installed`,
        );
      }
      return;
    }
    const answers = await Promise.all(
      REPORT_APIS.map((api) =>
        options.served(api).then(
          (served) => ({ api, served }),
          (error: unknown) => ({ api, served: undefined, error }),
        ),
      ),
    );
    const firstServed = answers.find((answer) => answer.served === true)?.api;
    const failed = answers.filter((answer) => answer.served === undefined);
    // An API the server could not tell about may be a preferred one: then keep what was decided.
    const undecided = failed.some(
      (answer) =>
        firstServed === undefined ||
        REPORT_APIS.indexOf(answer.api) < REPORT_APIS.indexOf(firstServed),
    );
    if (failed.length > 0) {
      logger.debug(
        { apis: failed.map((answer) => answer.api.apiVersion) },
        'report API discovery failed',
      );
    }
    if (undecided && selected !== 'unknown' && selected !== 'none') return;
    const next: ReportApi | 'none' = firstServed ?? 'none';
    if (next === selected) return;
    const previous = selected;
    selected = next;
    if (next === 'none') {
      logger.info(
        {
          previous: previous === 'unknown' || previous === 'none' ? previous : previous.apiVersion,
        },
        `no report API served (neither ${OPENREPORTS_API.apiVersion} nor ${WGPOLICY_API.apiVersion}): reports are not written until one is`,
      );
    } else {
      logger.info(
        {
          api: next.apiVersion,
          kinds: [next.namespacedKind, next.clusterKind],
          previous: previous === 'unknown' || previous === 'none' ? previous : previous.apiVersion,
        },
        `reports go to ${next.apiVersion}`,
      );
    }
  };

  // Read through a function: the flag changes while discover() awaits.
  const requestedAgain = (): boolean => flags.again;
  const refresh = (): Promise<void> => {
    if (running !== undefined) {
      // One discovery at a time; a request meanwhile runs once more after it.
      flags.again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          flags.again = false;
          await discover();
        } while (requestedAgain() && !stopped);
      } catch (error) {
        logger.warn({ err: String(error) }, 'report API discovery failed');
      } finally {
        running = undefined;
      }
    })();
    return running;
  };

  const schedule = (): void => {
    if (stopped || fixed !== undefined) return;
    timer = scheduler.setTimeout(() => {
      timer = undefined;
      void refresh().finally(schedule);
    }, interval);
  };

  return {
    selected: () => selected,
    current() {
      return selected === 'none' || selected === 'unknown' ? selected : writerFor(selected);
    },
    notFound() {
      if (fixed === undefined && !stopped) void refresh();
    },
    start() {
      void refresh().finally(schedule);
    },
    refresh,
    stop() {
      stopped = true;
      if (timer !== undefined) scheduler.clearTimeout(timer);
      timer = undefined;
    },
  };
}
