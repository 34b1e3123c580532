import { stringify } from 'yaml';

import type { CheckFinding, CheckResult } from './evaluate.js';

const LABELS = { allowed: 'ALLOWED', denied: 'DENIED', warned: 'WARNED' } as const;

/**
 * The text report: per object one line
 * `ALLOWED|DENIED |WARNED   <kind>/<name> [<namespace>]  (<file>:<docIndex>)` (a List item adds
 * `[<itemIndex>]` to the location), then one indented line per finding: denials as
 * `<rule-id>: <message>`, warnings as `warning: <rule-id>: <message>`, Audit findings as
 * `audit: …`, failed mutators as `mutation error: <id>: <message>`.
 */
export function formatText(results: readonly CheckResult[]): string {
  const lines: string[] = [];
  for (const result of results) {
    const namespace = result.namespace === '' ? '' : ` [${result.namespace}]`;
    const item = result.itemIndex === undefined ? '' : `[${result.itemIndex}]`;
    const where = `(${result.file}:${result.docIndex}${item})`;
    const label = LABELS[result.decision].padEnd(7);
    lines.push(`${label}  ${result.kind}/${result.name}${namespace}  ${where}`);
    for (const finding of result.denials) lines.push(`    ${findingText(finding)}`);
    for (const finding of result.warnings) lines.push(`    warning: ${findingText(finding)}`);
    for (const finding of result.audits) lines.push(`    audit: ${findingText(finding)}`);
    for (const error of result.mutationErrors) {
      lines.push(`    mutation error: ${error.id}: ${error.message}`);
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** `n objects: a allowed, w warned, d denied`, for stderr. */
export function formatSummary(results: readonly CheckResult[]): string {
  const count = (decision: CheckResult['decision']): number =>
    results.filter((result) => result.decision === decision).length;
  const noun = results.length === 1 ? 'object' : 'objects';
  return `${results.length} ${noun}: ${count('allowed')} allowed, ${count('warned')} warned, ${count('denied')} denied\n`;
}

/**
 * The JSON report: an array with, per object, file, docIndex, (itemIndex,) apiVersion, kind,
 * name, namespace, operation, allowed, decision, denials, warnings, audits (each
 * `{rule, mode, path, message, ratcheted}`), patch (JSON Patch operations or null),
 * mutationErrors, and with `withMutated` the mutated object as `mutated`.
 */
export function formatJson(results: readonly CheckResult[], withMutated: boolean): string {
  const out = results.map(({ mutated, ...rest }) => (withMutated ? { ...rest, mutated } : rest));
  return `${JSON.stringify(out, null, 2)}\n`;
}

/** The mutated objects as multi-document YAML, in input order. */
export function formatMutatedYaml(results: readonly CheckResult[]): string {
  return results.map((result) => `---\n${stringify(result.mutated, { lineWidth: 0 })}`).join('');
}

function findingText(finding: CheckFinding): string {
  return finding.rule === null ? finding.message : `${finding.rule}: ${finding.message}`;
}
