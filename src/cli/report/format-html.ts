import type { AuditDecision } from './audit-decision.js';
import type { AuditSummary, RuleSeries, Timeline } from './audit-summary.js';
import { describeSource, type AuditReport } from './format-audit.js';
import { codeText, html, trusted, type Html } from './html.js';
import { adviceFor } from './rule-advice.js';

/** What the page says about itself. */
export interface HtmlReportOptions {
  /** When the report was made (milliseconds since the epoch). */
  readonly generatedAt: number;
  /** profile-guard's version. */
  readonly version: string;
}

/** At most this many rules get a lane in the chart; the table below it has them all. */
export const MAX_CHART_RULES = 20;

/**
 * The audit report as one self-contained HTML page: inline CSS and SVG, no script, no font, no
 * image or link to fetch (a Content-Security-Policy of `default-src 'none'` says so to the
 * browser too), readable printed to PDF. Sections: the counts, denials and warnings over time by
 * rule (an SVG chart with the same numbers in a table), the rules ranked, by namespace, by user,
 * the latest denials with their full messages, the policy in force and what to do per rule.
 * Every value from the reports or the log is escaped.
 */
export function formatAuditHtml(report: AuditReport, options: HtmlReportOptions): string {
  const { summary } = report;
  const { decisions } = summary;
  const window =
    summary.from === undefined || summary.to === undefined
      ? undefined
      : { from: summary.from, to: summary.to };
  const rules = uniqueRules(summary);
  const adviceId = new Map(rules.map((rule, index) => [rule, `advice-${index + 1}`]));
  const title =
    window === undefined
      ? 'profile-guard audit report'
      : `profile-guard audit report, ${iso(window.from)} to ${iso(window.to)}`;

  const page = html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta
          http-equiv="Content-Security-Policy"
          content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
        />
        <meta name="color-scheme" content="light" />
        <meta name="generator" content="profile-guard ${options.version}" />
        <title>${title}</title>
        <style>
          ${trusted(STYLE)}
        </style>
      </head>
      <body>
        <header>
          <h1>profile-guard audit report</h1>
          <p class="lede" id="headline">
            ${decisions.total} ${plural(decisions.total, 'decision')}: ${decisions.denied} denied,
            ${decisions.warned} warned, ${decisions.audited} audited
          </p>
          <dl class="facts">
            <div>
              <dt>Time window</dt>
              <dd id="window">
                ${
                  window === undefined
                    ? 'no decisions'
                    : html`${time(window.from)} to ${time(window.to)} (UTC)`
                }
              </dd>
            </div>
            <div>
              <dt>Only</dt>
              <dd id="filter">${filterText(report)}</dd>
            </div>
            <div>
              <dt>Source</dt>
              <dd id="source">${describeSource(report.source)}</dd>
            </div>
            <div>
              <dt>Policy in force</dt>
              <dd id="policy-in-force">${policyInForce(summary)}</dd>
            </div>
            <div>
              <dt>Generated</dt>
              <dd>${time(options.generatedAt)} by profile-guard ${options.version}</dd>
            </div>
          </dl>
          <nav aria-label="Contents">
            <ol>
              <li><a href="#counts">Decisions</a></li>
              <li><a href="#timeline">Over time, by rule</a></li>
              <li><a href="#rules">Rules, ranked</a></li>
              <li><a href="#namespaces">By namespace</a></li>
              <li><a href="#users">By user</a></li>
              <li><a href="#latest">Latest denials</a></li>
              <li><a href="#policies">Policy in force</a></li>
              <li><a href="#advice">What to do, per rule</a></li>
            </ol>
          </nav>
        </header>
        <main>
          <section id="counts" aria-labelledby="counts-title">
            <h2 id="counts-title">Decisions</h2>
            <p>
              Admission decisions with findings. A decision is <strong>denied</strong> when an
              Enforce rule refused the object, <strong>warned</strong> when it was admitted with
              warnings (Warn mode, or an old violation kept by ratcheting),
              <strong>audited</strong> when it was admitted with Audit-mode findings only. Dry runs
              are not counted.
            </p>
            <ul class="counts">
              <li class="count total">
                <span class="number" id="count-total">${decisions.total}</span>
                <span class="label">decisions</span>
              </li>
              <li class="count denied">
                <span class="number" id="count-denied">${decisions.denied}</span>
                <span class="label">denied</span>
              </li>
              <li class="count warned">
                <span class="number" id="count-warned">${decisions.warned}</span>
                <span class="label">warned</span>
              </li>
              <li class="count audited">
                <span class="number" id="count-audited">${decisions.audited}</span>
                <span class="label">audited</span>
              </li>
            </ul>
          </section>
          ${timelineSection(summary.timeline)}
          <section id="rules" aria-labelledby="rules-title">
            <h2 id="rules-title">Rules, ranked</h2>
            ${rulesTable(summary, adviceId)}
          </section>
          <section id="namespaces" aria-labelledby="namespaces-title">
            <h2 id="namespaces-title">By namespace</h2>
            ${countsTable(
              'Decisions by the namespace of the object; “(cluster)” is cluster-scoped objects (Profiles, ClusterRoleBindings).',
              'Namespace',
              summary.namespaces.map((n) => ({
                name: n.namespace === '' ? '(cluster)' : n.namespace,
                key: n.namespace,
                ...n,
              })),
              'namespace',
            )}
          </section>
          <section id="users" aria-labelledby="users-title">
            <h2 id="users-title">By user</h2>
            ${countsTable(
              'Decisions by the user who made the request.',
              'User',
              summary.users.map((u) => ({
                name: u.user === '' ? '(unknown)' : u.user,
                key: u.user,
                ...u,
              })),
              'user',
            )}
          </section>
          <section id="latest" aria-labelledby="latest-title">
            <h2 id="latest-title">Latest denials</h2>
            ${latestTable(summary.latestDenials)}
          </section>
          <section id="policies" aria-labelledby="policies-title">
            <h2 id="policies-title">Policy in force</h2>
            ${policiesTable(summary)}
          </section>
          <section id="advice" aria-labelledby="advice-title">
            <h2 id="advice-title">What to do, per rule</h2>
            ${
              rules.length === 0
                ? html`<p>No rule denied, warned or recorded anything in this window.</p>`
                : html`<p>
                      For every rule above: what the person whose request was refused can change, or
                      which policy setting decides. To reproduce a decision offline:
                      <code>profile-guard check -f object.yaml --user USER --groups GROUPS</code>.
                    </p>
                    <dl class="advice">
                      ${rules.map(
                        (rule) =>
                          html`<div>
                            <dt id="${adviceId.get(rule) ?? ''}"><code>${rule}</code></dt>
                            <dd>${codeText(adviceFor(rule))}</dd>
                          </div>`,
                      )}
                    </dl>`
            }
          </section>
        </main>
        <footer>
          <p>
            profile-guard ${options.version}. Times are UTC. This page is self-contained: it loads
            nothing.
          </p>
        </footer>
      </body>
    </html> `;
  return page.value;
}

/** Every rule id of the summary, in ranking order, once. */
function uniqueRules(summary: AuditSummary): string[] {
  return [...new Set(summary.rules.map((rule) => rule.rule))];
}

function filterText(report: AuditReport): string {
  const parts = [
    ...(report.since === undefined ? [] : [`since ${iso(report.since)}`]),
    ...(report.namespace === undefined ? [] : [`namespace ${report.namespace}`]),
  ];
  return parts.length === 0 ? 'everything the source holds' : parts.join(', ');
}

function policyInForce(summary: AuditSummary): Html {
  const current = summary.policies[0];
  if (current === undefined) return html`unknown (no decisions)`;
  return html`<strong>${current.policy === '' ? '(unnamed)' : current.policy}</strong>${
      current.generation === '' ? '' : html`, generation ${current.generation}`
    }
    (it governed the newest decision)`;
}

function rulesTable(summary: AuditSummary, adviceId: ReadonlyMap<string, string>): Html {
  if (summary.rules.length === 0) return html`<p>No rule denied, warned or recorded anything.</p>`;
  return html`<table class="numbers" id="rules-table">
    <caption>
      Rules by the number of decisions they took part in, most first. A rule counts once per
      decision, in the column of what it did there.
    </caption>
    <thead>
      <tr>
        <th scope="col">Rank</th>
        <th scope="col">Rule</th>
        <th scope="col">Mode</th>
        <th scope="col">Denied</th>
        <th scope="col">Warned</th>
        <th scope="col">Audited</th>
        <th scope="col">Total</th>
      </tr>
    </thead>
    <tbody>
      ${summary.rules.map(
        (rule, index) =>
          html`<tr data-rule="${rule.rule}" data-mode="${rule.mode}">
            <td>${index + 1}</td>
            <th scope="row">
              <a href="#${adviceId.get(rule.rule) ?? ''}"><code>${rule.rule}</code></a>
            </th>
            <td>${rule.mode}</td>
            <td data-count="denied">${rule.denied}</td>
            <td data-count="warned">${rule.warned}</td>
            <td data-count="audited">${rule.audited}</td>
            <td data-count="total">${rule.denied + rule.warned + rule.audited}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function countsTable(
  caption: string,
  heading: string,
  rows: readonly { name: string; key: string; denied: number; warned: number; audited: number }[],
  attribute: 'namespace' | 'user',
): Html {
  if (rows.length === 0) return html`<p>None.</p>`;
  return html`<table class="numbers" id="${attribute}s-table">
    <caption>
      ${caption}
    </caption>
    <thead>
      <tr>
        <th scope="col">${heading}</th>
        <th scope="col">Denied</th>
        <th scope="col">Warned</th>
        <th scope="col">Audited</th>
        <th scope="col">Total</th>
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        (row) =>
          html`<tr data-${attribute}="${row.key}">
            <th scope="row">${row.name}</th>
            <td data-count="denied">${row.denied}</td>
            <td data-count="warned">${row.warned}</td>
            <td data-count="audited">${row.audited}</td>
            <td data-count="total">${row.denied + row.warned + row.audited}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function latestTable(denials: readonly AuditDecision[]): Html {
  if (denials.length === 0) return html`<p>No denials.</p>`;
  return html`<table class="latest" id="latest-table">
    <caption>
      The newest denials first, each with every rule that denied it and its full message.
    </caption>
    <thead>
      <tr>
        <th scope="col">Time (UTC)</th>
        <th scope="col">Object</th>
        <th scope="col">User</th>
        <th scope="col">Operation</th>
        <th scope="col">Policy</th>
        <th scope="col">Findings</th>
      </tr>
    </thead>
    <tbody>
      ${denials.map((denial) => {
        const findings = denial.findings.filter((finding) => finding.outcome === 'deny');
        return html`<tr data-uid="${denial.uid}">
          <td>${time(denial.time)}</td>
          <th scope="row">
            ${denial.kind}
            ${denial.namespace === '' ? '' : html`${denial.namespace}/`}${denial.name === '' ? '(no name)' : denial.name}
          </th>
          <td>${denial.user}</td>
          <td>${denial.operation}</td>
          <td>
            ${denial.policy}${denial.policyGeneration === '' ? '' : html` (generation ${denial.policyGeneration})`}
          </td>
          <td>
            <ul class="findings">
              ${findings.map(
                (finding) =>
                  html`<li>
                    <code>${finding.rule}</code>: <span class="message">${finding.message}</span>
                  </li>`,
              )}
            </ul>
          </td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}

function policiesTable(summary: AuditSummary): Html {
  if (summary.policies.length === 0) return html`<p>No decisions, so no governing policy seen.</p>`;
  return html`<p>
      The ProfilePolicy that governed each decision, as the source recorded it (name and
      generation). The first row governed the newest decision: it is the policy in force at the end
      of the window. The mode of each rule is in the ranking above.
    </p>
    <table class="numbers" id="policies-table">
      <caption>
        Governing policies, the most recent first.
      </caption>
      <thead>
        <tr>
          <th scope="col">Policy</th>
          <th scope="col">Generation</th>
          <th scope="col">Decisions</th>
          <th scope="col">First seen (UTC)</th>
          <th scope="col">Last seen (UTC)</th>
        </tr>
      </thead>
      <tbody>
        ${summary.policies.map(
          (use) =>
            html`<tr>
              <th scope="row">${use.policy === '' ? '(unnamed)' : use.policy}</th>
              <td>${use.generation === '' ? 'not recorded' : use.generation}</td>
              <td>${use.decisions}</td>
              <td>${time(use.first)}</td>
              <td>${time(use.last)}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}

// --- the chart ----------------------------------------------------------------------------------

const LABEL_WIDTH = 250;
const LANE_HEIGHT = 34;
const BAR_AREA = 26;
const AXIS_HEIGHT = 34;

const OUTCOMES = [
  { column: 'denied', label: 'denied', fill: '#a4262c', pattern: undefined },
  { column: 'warned', label: 'warned', fill: 'url(#pg-hatch)', pattern: 'hatched' },
  { column: 'audited', label: 'audited', fill: 'url(#pg-dots)', pattern: 'dotted' },
] as const;
const STROKES = { denied: '#a4262c', warned: '#7a4d00', audited: '#1f4e79' } as const;

function timelineSection(timeline: Timeline | undefined): Html {
  const header = html`<h2 id="timeline-title">Denials and warnings over time, by rule</h2>`;
  if (timeline === undefined || timeline.series.length === 0) {
    return html`<section id="timeline" aria-labelledby="timeline-title">
      ${header}
      <p>No decisions in this window.</p>
    </section>`;
  }
  const shown = timeline.series.slice(0, MAX_CHART_RULES);
  const bucket = durationText(timeline.bucketMs);
  return html`<section id="timeline" aria-labelledby="timeline-title">
    ${header}
    <p>
      One row per rule, one bar per ${bucket} (UTC); a bar stacks what the rule did in the decisions
      of that ${bucket}: <span class="key denied">denied (solid)</span>,
      <span class="key warned">warned (hatched)</span>,
      <span class="key audited">audited (dotted)</span>. Hover a bar for its numbers; the table
      below the chart has all of
      them.${
        timeline.series.length > shown.length
          ? html` The chart shows the ${shown.length} most frequent of ${timeline.series.length}
            rules.`
          : ''
      }
    </p>
    <figure>
      ${chart(timeline, shown)}
      <figcaption>${legend()}</figcaption>
    </figure>
    ${timelineTable(timeline)}
  </section>`;
}

function legend(): Html {
  return html`<ul class="legend">
    ${OUTCOMES.map(
      (outcome) =>
        html`<li>
          <svg width="18" height="12" aria-hidden="true" focusable="false">
            <use href="#pg-swatch-${outcome.column}"></use></svg
          >${outcome.label}${outcome.pattern === undefined ? ' (solid)' : html` (${outcome.pattern})`}
        </li>`,
    )}
  </ul>`;
}

function chart(timeline: Timeline, shown: readonly RuleSeries[]): Html {
  const barWidth = Math.max(6, Math.min(40, Math.floor(720 / timeline.buckets)));
  const plotWidth = barWidth * timeline.buckets;
  const width = LABEL_WIDTH + plotWidth + 60;
  const height = shown.length * LANE_HEIGHT + AXIS_HEIGHT;
  let peak = 1;
  for (const series of shown) {
    for (let i = 0; i < timeline.buckets; i += 1) {
      peak = Math.max(
        peak,
        (series.denied[i] ?? 0) + (series.warned[i] ?? 0) + (series.audited[i] ?? 0),
      );
    }
  }
  const lanes = shown.map((series, lane) => {
    const top = lane * LANE_HEIGHT;
    const baseline = top + 4 + BAR_AREA;
    const bars: Html[] = [];
    for (let i = 0; i < timeline.buckets; i += 1) {
      let y = baseline;
      const start = timeline.start + i * timeline.bucketMs;
      for (const outcome of OUTCOMES) {
        const count = series[outcome.column][i] ?? 0;
        if (count === 0) continue;
        const h = Math.max(2, (count / peak) * BAR_AREA);
        y -= h;
        bars.push(
          html`<rect
            x="${LABEL_WIDTH + i * barWidth + 1}"
            y="${round(y)}"
            width="${barWidth - 2}"
            height="${round(h)}"
            fill="${outcome.fill}"
            stroke="${STROKES[outcome.column]}"
            stroke-width="1"
            ><title>${series.rule}, ${iso(start)}: ${count} ${outcome.label}</title></rect
          >`,
        );
      }
    }
    return html`<g class="lane"
      ><text x="${LABEL_WIDTH - 8}" y="${top + 4 + BAR_AREA / 2 + 5}" text-anchor="end" class="rule"
        >${series.rule}</text
      ><line
        x1="${LABEL_WIDTH}"
        x2="${LABEL_WIDTH + plotWidth}"
        y1="${top + 4 + BAR_AREA}"
        y2="${top + 4 + BAR_AREA}"
        class="baseline"
      ></line
      >${bars}</g
    >`;
  });
  const axisY = shown.length * LANE_HEIGHT + 4;
  const ticks = tickIndexes(timeline.buckets, plotWidth).map((index) => {
    const x = LABEL_WIDTH + index * barWidth;
    const anchor = index === 0 ? 'start' : index === timeline.buckets ? 'end' : 'middle';
    return html`<line x1="${x}" x2="${x}" y1="${axisY - 4}" y2="${axisY + 2}" class="tick"></line
      ><text x="${x}" y="${axisY + 16}" text-anchor="${anchor}" class="axis"
        >${axisLabel(timeline.start + index * timeline.bucketMs, timeline)}</text
      >`;
  });
  const description = `${shown.length} ${plural(shown.length, 'rule')}, ${timeline.buckets} ${plural(timeline.buckets, 'bucket')} of ${durationText(timeline.bucketMs)} from ${iso(timeline.start)} to ${iso(timeline.start + timeline.buckets * timeline.bucketMs)}; the tallest bar is ${peak} ${plural(peak, 'decision')}. Denied bars are solid, warned hatched, audited dotted. The table after the chart has the same numbers.`;
  return html`<svg
    class="chart"
    role="img"
    aria-labelledby="chart-title chart-desc"
    viewBox="0 0 ${width} ${height}"
    width="${width}"
    height="${height}"
  >
    <title id="chart-title">Denials, warnings and Audit findings over time, by rule</title>
    <desc id="chart-desc">${description}</desc>
    <defs>
      <pattern
        id="pg-hatch"
        patternUnits="userSpaceOnUse"
        width="5"
        height="5"
        patternTransform="rotate(45)"
      >
        <rect width="5" height="5" fill="#ffffff"></rect>
        <rect width="2.5" height="5" fill="#7a4d00"></rect>
      </pattern>
      <pattern id="pg-dots" patternUnits="userSpaceOnUse" width="5" height="5">
        <rect width="5" height="5" fill="#ffffff"></rect>
        <circle cx="2.5" cy="2.5" r="1.5" fill="#1f4e79"></circle>
      </pattern>
      <symbol id="pg-swatch-denied" viewBox="0 0 18 12">
        <rect x="1" y="1" width="16" height="10" fill="#a4262c" stroke="#a4262c"></rect>
      </symbol>
      <symbol id="pg-swatch-warned" viewBox="0 0 18 12">
        <rect x="1" y="1" width="16" height="10" fill="url(#pg-hatch)" stroke="#7a4d00"></rect>
      </symbol>
      <symbol id="pg-swatch-audited" viewBox="0 0 18 12">
        <rect x="1" y="1" width="16" height="10" fill="url(#pg-dots)" stroke="#1f4e79"></rect>
      </symbol>
    </defs>
    ${lanes}
    <g class="x-axis">${ticks}</g>
  </svg>`;
}

function timelineTable(timeline: Timeline): Html {
  const rows: Html[] = [];
  for (const series of timeline.series) {
    for (let i = 0; i < timeline.buckets; i += 1) {
      const denied = series.denied[i] ?? 0;
      const warned = series.warned[i] ?? 0;
      const audited = series.audited[i] ?? 0;
      if (denied + warned + audited === 0) continue;
      const start = timeline.start + i * timeline.bucketMs;
      rows.push(
        html`<tr data-rule="${series.rule}">
          <th scope="row"><code>${series.rule}</code></th>
          <td>${time(start)}</td>
          <td data-count="denied">${denied}</td>
          <td data-count="warned">${warned}</td>
          <td data-count="audited">${audited}</td>
        </tr>`,
      );
    }
  }
  return html`<table class="numbers" id="timeline-table">
    <caption>
      The chart’s numbers: decisions per rule and ${durationText(timeline.bucketMs)} bucket (empty
      buckets left out).
    </caption>
    <thead>
      <tr>
        <th scope="col">Rule</th>
        <th scope="col">Bucket from (UTC)</th>
        <th scope="col">Denied</th>
        <th scope="col">Warned</th>
        <th scope="col">Audited</th>
      </tr>
    </thead>
    <tbody>
      ${rows}
    </tbody>
  </table>`;
}

/**
 * Where the axis is labelled: both ends and up to five points between, on bucket edges, at least
 * 70 pixels apart so that the labels never overlap.
 */
function tickIndexes(buckets: number, plotWidth: number): number[] {
  const steps = Math.max(1, Math.min(buckets, 6, Math.floor(plotWidth / 70)));
  const indexes = new Set<number>();
  for (let i = 0; i <= steps; i += 1) indexes.add(Math.round((i * buckets) / steps));
  return [...indexes].sort((a, b) => a - b);
}

function axisLabel(time: number, timeline: Timeline): string {
  const text = iso(time);
  const span = timeline.buckets * timeline.bucketMs;
  // Short spans: the time of day; longer ones: the date (and hour while it still matters).
  if (span <= 86_400_000) return text.slice(11, 16);
  if (timeline.bucketMs < 86_400_000) return `${text.slice(5, 10)} ${text.slice(11, 16)}`;
  return text.slice(0, 10);
}

function durationText(ms: number): string {
  const minutes = ms / 60_000;
  if (minutes < 60) return `${minutes} ${plural(minutes, 'minute')}`;
  const hours = minutes / 60;
  if (hours < 24) return `${hours} ${plural(hours, 'hour')}`;
  const days = hours / 24;
  return `${days} ${plural(days, 'day')}`;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function time(ms: number): Html {
  return html`<time datetime="${iso(ms)}"
    >${iso(ms).replace('T', ' ').replace('.000Z', 'Z')}</time
  >`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function plural(count: number, word: string): string {
  return count === 1 ? word : `${word}s`;
}

/**
 * The page's only style sheet: system fonts, dark text on white (contrast above 7:1), patterns as
 * well as colours for what the bars mean, and print rules (A4/Letter, no navigation, tables that
 * repeat their header and do not split rows).
 */
const STYLE = `
:root { color: #1a1a1a; background: #ffffff; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", "DejaVu Sans", sans-serif; line-height: 1.45; }
body { margin: 0 auto; padding: 1.5rem; max-width: 72rem; }
h1 { font-size: 1.75rem; margin: 0 0 0.25rem; }
h2 { font-size: 1.3rem; margin: 2rem 0 0.5rem; border-bottom: 2px solid #1a1a1a; padding-bottom: 0.2rem; }
p, li, dd, dt, td, th, caption { font-size: 0.95rem; }
a { color: #0b4a8b; }
code { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 0.9em; background: #f2f2f2; padding: 0 0.2em; border-radius: 2px; overflow-wrap: anywhere; }
.lede { font-size: 1.15rem; margin: 0 0 1rem; }
.facts { display: grid; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); gap: 0.5rem 1.5rem; margin: 0 0 1rem; }
.facts div { margin: 0; }
.facts dt { font-weight: 700; }
.facts dd { margin: 0; color: #333333; overflow-wrap: anywhere; }
nav ol { display: flex; flex-wrap: wrap; gap: 0.25rem 1.25rem; padding: 0; margin: 0; list-style: none; }
.counts { display: flex; flex-wrap: wrap; gap: 1rem; padding: 0; margin: 0; list-style: none; }
.count { border: 2px solid #1a1a1a; border-radius: 4px; padding: 0.5rem 1rem; min-width: 8rem; }
.count .number { display: block; font-size: 2rem; font-weight: 700; }
.count.denied { border-color: #a4262c; border-style: solid; }
.count.warned { border-color: #7a4d00; border-style: dashed; }
.count.audited { border-color: #1f4e79; border-style: dotted; }
.key { font-weight: 700; }
.key.denied { color: #a4262c; }
.key.warned { color: #7a4d00; }
.key.audited { color: #1f4e79; }
figure { margin: 1rem 0; overflow-x: auto; }
svg.chart { max-width: 100%; height: auto; }
svg.chart text { font-size: 12px; fill: #1a1a1a; }
svg.chart text.rule { font-family: ui-monospace, "DejaVu Sans Mono", "Liberation Mono", monospace; }
svg.chart .baseline { stroke: #767676; stroke-width: 1; }
svg.chart .tick { stroke: #1a1a1a; }
.legend { display: flex; gap: 1.5rem; list-style: none; padding: 0; margin: 0.5rem 0 0; }
.legend svg { vertical-align: middle; margin-right: 0.35rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; width: 100%; }
caption { text-align: left; font-style: italic; padding: 0.25rem 0; color: #333333; }
th, td { border: 1px solid #8c8c8c; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
thead th { background: #eeeeee; }
tbody th { font-weight: 600; overflow-wrap: anywhere; }
table.numbers td[data-count], table.numbers td:nth-child(n+3) { font-variant-numeric: tabular-nums; }
table.numbers td[data-count] { text-align: right; }
.latest td, .latest th { overflow-wrap: anywhere; }
.findings { margin: 0; padding-left: 1.1rem; }
.message { white-space: pre-wrap; }
.advice div { margin: 0 0 0.6rem; }
.advice dt { font-weight: 700; }
.advice dd { margin: 0.1rem 0 0 1rem; }
footer { margin-top: 2rem; border-top: 1px solid #8c8c8c; color: #333333; }
@media print {
  @page { size: auto; margin: 14mm 12mm; }
  :root { font-size: 10pt; }
  body { padding: 0; max-width: none; }
  nav { display: none; }
  a { color: #1a1a1a; text-decoration: none; }
  h2 { break-after: avoid; }
  figure, tr, .count, .advice div { break-inside: avoid; }
  thead { display: table-header-group; }
  figure { overflow: visible; }
  code { background: none; }
}
`;
