/**
 * `profile-guard report --output html` opened in a real browser: Debian's headless Chromium
 * (/usr/bin/chromium, or $CHROMIUM), driven by playwright-core. The page must load nothing but
 * itself (no request to anything else, none failed, no console error), show the numbers the
 * JSON report of the same decisions gives (counts, rules, namespaces, users, the latest denial
 * with its full message), render a hostile object name and message as text (no script, no
 * element injected, no dialog), and keep its print layout. The screenshot and the PDF are kept in
 * test-output/report-html/ (a CI artifact; the folder is not committed).
 *
 * Without Chromium this test fails (it is never skipped): `apt-get install -y chromium`, as
 * .ci/run does.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { chromium, type BrowserContext, type Page } from 'playwright-core';

import type { CliIo } from '../../src/cli/io.js';
import { runReport } from '../../src/cli/report/run-report.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUTPUT = join(ROOT, 'test-output', 'report-html');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const NOW = Date.parse('2025-03-04T06:00:00.000Z');

/** A denial whose object name and message carry markup, as a tenant could write them. */
const HOSTILE_NAME = '<script>alert("name")</script>';
const HOSTILE_MESSAGE =
  'metadata.name ""><img src=x onerror=alert(1)><svg onload=alert(2)>" is a reserved name';

function hostileLine(): string {
  return JSON.stringify({
    level: 'info',
    time: '2025-03-04T05:58:00.000Z',
    component: 'profile-guard',
    webhook: 'validate',
    decision: 'denied',
    uid: 'uid-hostile',
    user: 'mallory@example.com"><b>bold</b>',
    groups: ['system:authenticated'],
    operation: 'CREATE',
    kind: 'Profile',
    apiVersion: 'kubeflow.org/v1',
    name: HOSTILE_NAME,
    namespace: '',
    dryRun: false,
    policy: 'default',
    policyGeneration: 2,
    rules: ['profile-name-reserved'],
    findings: [
      {
        rule: 'profile-name-reserved',
        mode: 'Enforce',
        path: 'metadata.name',
        message: HOSTILE_MESSAGE,
        ratcheted: false,
      },
    ],
    durationSeconds: 0.001,
    msg: 'admission denied',
  });
}

async function report(args: readonly string[]): Promise<string> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
  };
  const code = await runReport(args, io, { now: () => NOW });
  expect({ code, stderr: stderr.replace(/^profile-guard report: wrote .*\n$/, '') }).toEqual({
    code: 0,
    stderr: '',
  });
  return stdout;
}

/** What the tests read of an element in the page (the DOM types are not in this project's lib). */
interface DomNode {
  getAttribute(name: string): string | null;
  querySelector(selector: string): DomNode | null;
  querySelectorAll(selector: string): Iterable<DomNode>;
  readonly textContent: string | null;
}

interface Counts {
  denied: number;
  warned: number;
  audited: number;
}

let work: string;
let context: BrowserContext | undefined;
let page: Page;
let pageUrl: string;
let json: {
  decisions: Counts & { total: number };
  rules: (Counts & { rule: string; mode: string })[];
  namespaces: (Counts & { namespace: string })[];
  users: (Counts & { user: string })[];
  latestDenials: { uid: string; name: string; findings: { rule: string; message: string }[] }[];
};
const requests: string[] = [];
const failed: string[] = [];
const consoleErrors: string[] = [];
const dialogs: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: apt-get update && apt-get install -y chromium ` +
        '(.ci/run installs it; $CHROMIUM names another binary)',
    );
  }
  work = mkdtempSync(join(tmpdir(), 'pg-report-html-'));
  const log = join(work, 'serve.log');
  writeFileSync(
    log,
    `${readFileSync(join(ROOT, 'test', 'fixtures', 'report', 'serve.log'), 'utf8')}${hostileLine()}\n`,
  );
  mkdirSync(OUTPUT, { recursive: true });
  const htmlFile = join(OUTPUT, 'report.html');
  await report(['--from-log', log, '--output', 'html', '--out', htmlFile]);
  json = JSON.parse(await report(['--from-log', log, '--output', 'json'])) as typeof json;
  pageUrl = pathToFileURL(htmlFile).href;

  context = await chromium.launchPersistentContext(join(work, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 900 },
  });
  // Nothing but the page itself may be fetched: anything else is recorded and refused.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    return url === pageUrl ? route.continue() : route.abort();
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('request', (request) => requests.push(request.url()));
  page.on('requestfailed', (request) =>
    failed.push(`${request.url()}: ${request.failure()?.errorText ?? ''}`),
  );
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning')
      consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(String(error)));
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(pageUrl, { waitUntil: 'load' });
  await page.screenshot({ path: join(OUTPUT, 'report.png'), fullPage: true });
}, 60_000);

afterAll(async () => {
  await context?.close();
  rmSync(work, { recursive: true, force: true });
});

const text = (selector: string): Promise<string> => page.locator(selector).innerText();

describe('the HTML report in Chromium', () => {
  it('loads nothing but itself, with no error', () => {
    expect(requests).toEqual([pageUrl]);
    expect(failed).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(dialogs).toEqual([]);
    expect(statSync(join(OUTPUT, 'report.png')).size).toBeGreaterThan(10_000);
  });

  it('shows the decision counts of the JSON report', async () => {
    expect(json.decisions).toEqual({ total: 7, denied: 5, warned: 1, audited: 1 });
    expect(await text('#count-total')).toBe('7');
    expect(await text('#count-denied')).toBe('5');
    expect(await text('#count-warned')).toBe('1');
    expect(await text('#count-audited')).toBe('1');
    expect(await text('#headline')).toBe('7 decisions: 5 denied, 1 warned, 1 audited');
    expect(await text('#window')).toBe('2025-03-04 05:10:00Z to 2025-03-04 05:58:00Z (UTC)');
  });

  it('ranks the rules with the numbers of the JSON report', async () => {
    const rows = await page.locator('#rules-table tbody tr').evaluateAll((elements) =>
      (elements as unknown as DomNode[]).map((tr) => ({
        rule: tr.getAttribute('data-rule'),
        mode: tr.getAttribute('data-mode'),
        cells: [...tr.querySelectorAll('td,th')].map((cell) => cell.textContent?.trim() ?? ''),
      })),
    );
    expect(rows.map((row) => [row.rule, row.mode])).toEqual(
      json.rules.map((r) => [r.rule, r.mode]),
    );
    rows.forEach((row, index) => {
      const rule = json.rules[index];
      expect(row.cells).toEqual([
        String(index + 1),
        rule?.rule,
        rule?.mode,
        String(rule?.denied),
        String(rule?.warned),
        String(rule?.audited),
        String((rule?.denied ?? 0) + (rule?.warned ?? 0) + (rule?.audited ?? 0)),
      ]);
    });
    expect(rows[0]?.rule).toBe('binding-group');
  });

  it('counts by namespace and by user as the JSON report does', async () => {
    const read = (table: string, attribute: string) =>
      page
        .locator(`${table} tbody tr`)
        .evaluateAll(
          (elements, name) =>
            (elements as unknown as DomNode[]).map((tr) => [
              tr.getAttribute(`data-${name}`),
              ...['denied', 'warned', 'audited'].map((column) =>
                Number(tr.querySelector(`[data-count="${column}"]`)?.textContent?.trim() ?? ''),
              ),
            ]),
          attribute,
        );
    expect(await read('#namespaces-table', 'namespace')).toEqual(
      json.namespaces.map((n) => [n.namespace, n.denied, n.warned, n.audited]),
    );
    expect(await read('#users-table', 'user')).toEqual(
      json.users.map((u) => [u.user, u.denied, u.warned, u.audited]),
    );
    expect(await text('#namespaces-table tbody tr:first-child th')).toBe('(cluster)');
  });

  it('lists the latest denials newest first, with their full messages', async () => {
    const newest = json.latestDenials[0];
    expect(newest?.uid).toBe('uid-hostile');
    const first = page.locator('#latest-table tbody tr').first();
    expect(await first.getAttribute('data-uid')).toBe('uid-hostile');
    expect(await first.innerText()).toContain(`profile-name-reserved: ${HOSTILE_MESSAGE}`);
    const second = page.locator('#latest-table tbody tr').nth(1);
    expect(await second.innerText()).toContain(
      'binding-group: subjects[0].name "system:authenticated" is a forbidden group',
    );
    expect(await page.locator('#latest-table tbody tr').count()).toBe(json.latestDenials.length);
  });

  it('renders hostile names and messages as text: no script, no injected element', async () => {
    const body = await text('body');
    expect(body).toContain(HOSTILE_NAME);
    expect(body).toContain(HOSTILE_MESSAGE);
    expect(body).toContain('mallory@example.com"><b>bold</b>');
    expect(await page.locator('script, img, b, iframe, object, embed').count()).toBe(0);
    expect(await page.locator('svg[onload], [onerror]').count()).toBe(0);
    const html = readFileSync(join(OUTPUT, 'report.html'), 'utf8');
    // The hostile text is there, escaped; no tag carries it.
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toMatch(/<script|<img|<b>|<[^>]*\son(?:error|load)=/i);
    expect(html).not.toMatch(/https?:\/\/|url\((?!#)/);
  });

  it('draws the chart over time by rule, with its numbers in a table', async () => {
    const chart = page.locator('svg.chart');
    expect(await chart.getAttribute('role')).toBe('img');
    expect(await page.locator('#chart-title').textContent()).toContain('over time, by rule');
    const lanes = await page.locator('svg.chart text.rule').allTextContents();
    expect(lanes).toEqual(expect.arrayContaining(json.rules.map((r) => r.rule)));
    const box = await chart.boundingBox();
    expect(box?.width).toBeGreaterThan(300);
    // Every bar has its numbers as a tooltip, and the table sums to the rules' counts.
    const bars = await page.locator('svg.chart rect title').allTextContents();
    expect(bars.length).toBeGreaterThan(0);
    const cells = await page.locator('#timeline-table tbody tr').evaluateAll((elements) =>
      (elements as unknown as DomNode[]).map((tr) => ({
        rule: tr.getAttribute('data-rule') ?? '',
        counts: ['denied', 'warned', 'audited'].map((column) =>
          Number(tr.querySelector(`[data-count="${column}"]`)?.textContent?.trim() ?? ''),
        ),
      })),
    );
    for (const rule of new Set(json.rules.map((r) => r.rule))) {
      const expected = json.rules
        .filter((r) => r.rule === rule)
        .reduce((sum, r) => sum + r.denied + r.warned + r.audited, 0);
      const drawn = cells
        .filter((cell) => cell.rule === rule)
        .reduce((sum, cell) => sum + cell.counts.reduce((a, b) => a + b, 0), 0);
      expect([rule, drawn]).toEqual([rule, expected]);
    }
  });

  it('is accessible: language, headings, table semantics, advice per rule', async () => {
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.locator('h1').count()).toBe(1);
    const headings = await page.locator('h2').allTextContents();
    expect(headings).toEqual([
      'Decisions',
      'Denials and warnings over time, by rule',
      'Rules, ranked',
      'By namespace',
      'By user',
      'Latest denials',
      'Policy in force',
      'What to do, per rule',
    ]);
    const tables = await page.locator('table').evaluateAll((elements) =>
      (elements as unknown as DomNode[]).map((table) => ({
        caption: table.querySelector('caption')?.textContent ?? '',
        headers: [...table.querySelectorAll('thead th')].every(
          (th) => th.getAttribute('scope') === 'col',
        ),
      })),
    );
    expect(tables.length).toBeGreaterThanOrEqual(6);
    for (const table of tables) {
      expect(table.caption).not.toBe('');
      expect(table.headers).toBe(true);
    }
    expect(await text('#policy-in-force')).toBe(
      'default, generation 2 (it governed the newest decision)',
    );
    const advice = await page.locator('.advice dt').allTextContents();
    expect(advice).toEqual([...new Set(json.rules.map((r) => r.rule))]);
    expect(await page.locator('.advice dd').first().innerText()).toContain('forbiddenGroups');
  });

  it('prints: navigation hidden, a PDF with the report', async () => {
    await page.emulateMedia({ media: 'print' });
    expect(
      await page
        .locator('nav')
        .evaluate(
          (nav) =>
            (
              globalThis as unknown as { getComputedStyle(element: unknown): { display: string } }
            ).getComputedStyle(nav).display,
        ),
    ).toBe('none');
    await page.pdf({ path: join(OUTPUT, 'report.pdf'), format: 'A4', printBackground: true });
    const pdf = readFileSync(join(OUTPUT, 'report.pdf'));
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(10_000);
    await page.emulateMedia({ media: 'screen' });
  });
});
