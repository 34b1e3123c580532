import { hostname } from 'node:os';

import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { Finding } from '../policy/engine.js';
import type { DecisionObserver, DecisionRecord } from './decision-record.js';

/** The project's logger: pino, one JSON object per line. */
export type Logger = PinoLogger;

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** A pino level (`trace`..`fatal`, `silent`); default `info`. */
  readonly level?: string;
  /** Where lines go; default stdout. Tests pass a stream to read lines back. */
  readonly destination?: DestinationStream;
}

/**
 * A JSON line logger: `level` as its label (`"level":"info"`), `time` as an ISO-8601 string,
 * `component: "profile-guard"`, `msg`, and the fields of each call. (`component` rather than
 * pino's `name`, which decision lines use for the admitted object's name.)
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const config = {
    base: { pid: process.pid, hostname: hostname(), component: 'profile-guard' },
    level: options.level ?? 'info',
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return options.destination === undefined ? pino(config) : pino(config, options.destination);
}

/** One finding as logged: rule id, its mode, the field path and the message. */
interface LoggedFinding {
  readonly rule: string;
  readonly mode: string;
  readonly path: string;
  readonly message: string;
  readonly ratcheted: boolean;
}

/**
 * A {@link DecisionObserver} that logs one line per decision: denied, warned, error, and allowed
 * decisions with Audit findings at `info` (errors at `error`); passing decisions at `debug`.
 * Each line carries uid, user, groups, operation, kind, name (the object's),
 * namespace, dryRun, the policy, the rule ids and each finding with its mode. Objects themselves
 * are never logged.
 */
export function createDecisionLogger(logger: Logger): DecisionObserver {
  return {
    onDecision(record) {
      // Most decisions pass and log at debug: build nothing for a line that will not be written.
      const { level, message } = lineOf(record);
      if (!logger.isLevelEnabled(level)) return;
      const findings = findingsOf(record);
      const fields = {
        webhook: record.webhook,
        decision: record.decision,
        uid: record.input.uid,
        user: record.input.user.username,
        groups: record.input.user.groups,
        operation: record.input.operation,
        kind: record.input.kind,
        apiVersion: record.input.apiVersion,
        name: record.input.name,
        namespace: record.input.namespace,
        dryRun: record.input.dryRun,
        policy: record.policy?.name,
        policyGeneration: record.policy?.generation,
        rules: [...new Set(findings.map((finding) => finding.rule))],
        findings,
        ...(record.mutation !== undefined
          ? {
              patchedPaths: record.mutation.patchedPaths,
              mutationErrors: record.mutation.errors,
            }
          : {}),
        ...(record.error !== undefined ? { error: record.error } : {}),
        durationSeconds: record.durationSeconds,
      };
      logger[level](fields, message);
    },
  };
}

function findingsOf(record: DecisionRecord): LoggedFinding[] {
  const evaluation = record.evaluation;
  if (evaluation === undefined) return [];
  return [...evaluation.denials, ...evaluation.warnings, ...evaluation.audits].map(
    (finding: Finding) => ({
      rule: finding.ruleId,
      mode: finding.mode,
      path: finding.path,
      message: finding.message,
      ratcheted: finding.ratcheted,
    }),
  );
}

/** Non-passing decisions (Audit findings included) at info, errors at error, the rest at debug. */
function lineOf(record: DecisionRecord): {
  level: 'error' | 'info' | 'debug';
  message: string;
} {
  switch (record.decision) {
    case 'error':
      return { level: 'error', message: 'admission error' };
    case 'denied':
    case 'warned':
      return { level: 'info', message: `admission ${record.decision}` };
    case 'allowed':
    case 'patched':
      return hasFindings(record)
        ? { level: 'info', message: 'admission audited' }
        : { level: 'debug', message: `admission ${record.decision}` };
  }
}

function hasFindings(record: DecisionRecord): boolean {
  const evaluation = record.evaluation;
  return (
    evaluation !== undefined &&
    evaluation.denials.length + evaluation.warnings.length + evaluation.audits.length > 0
  );
}
