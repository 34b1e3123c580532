import { memoryLogger } from '../observability/test-support/memory-logger.js';
import type { ReportWriter } from './policy-reports.js';
import { createReportApiSelector, type ReportApiSelectorOptions } from './report-api-selector.js';
import { OPENREPORTS_API, WGPOLICY_API, type ReportApi } from './report-apis.js';
import { FakeScheduler } from './test-support/fake-scheduler.js';

/** A cluster whose served report APIs the test changes; records each discovery. */
function cluster(initial: Partial<Record<ReportApi['name'], boolean | Error>>) {
  const state: Partial<Record<ReportApi['name'], boolean | Error>> = { ...initial };
  const asked: string[] = [];
  const served = (api: ReportApi): Promise<boolean> => {
    asked.push(api.name);
    const answer = state[api.name] ?? false;
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  };
  return { state, asked, served };
}

const writerFor = (api: ReportApi): ReportWriter => ({
  api,
  get: () => Promise.resolve(undefined),
  create: () => Promise.resolve(),
  replace: () => Promise.resolve(),
});

function setup(mode: ReportApiSelectorOptions['mode'], served: ReportApiSelectorOptions['served']) {
  const scheduler = new FakeScheduler();
  const { logger, lines } = memoryLogger('info');
  const selector = createReportApiSelector({
    mode,
    served,
    writerFor,
    logger,
    scheduler,
    intervalMs: 1000,
  });
  /** Lets `ms` pass and waits for the discovery it started. */
  const tick = async (ms = 1000) => {
    scheduler.advance(ms);
    await selector.refresh();
  };
  const current = () => {
    const target = selector.current();
    return typeof target === 'string' ? target : target.api.name;
  };
  return { selector, scheduler, lines, tick, current };
}

describe('createReportApiSelector', () => {
  it('auto: OpenReports when served, else wgpolicyk8s.io, else none; follows the CRDs', async () => {
    const c = cluster({ wgpolicy: true });
    const t = setup('auto', c.served);
    expect(t.current()).toBe('unknown');
    t.selector.start();
    await t.selector.refresh();
    expect(t.current()).toBe('wgpolicy');

    // The OpenReports CRDs appear: the next discovery switches, no restart.
    c.state.openreports = true;
    await t.tick();
    expect(t.current()).toBe('openreports');
    expect(t.selector.current()).toBe(t.selector.current());

    // Both go away.
    c.state.openreports = false;
    c.state.wgpolicy = false;
    await t.tick();
    expect(t.current()).toBe('none');
    expect(t.lines.map((line) => line.msg)).toEqual([
      'reports go to wgpolicyk8s.io/v1alpha2',
      'reports go to openreports.io/v1alpha1',
      'no report API served (neither openreports.io/v1alpha1 nor wgpolicyk8s.io/v1alpha2): reports are not written until one is',
    ]);
    expect(t.lines[1]).toMatchObject({
      api: 'openreports.io/v1alpha1',
      kinds: ['Report', 'ClusterReport'],
      previous: 'wgpolicyk8s.io/v1alpha2',
    });
    // One timer at a time, every interval.
    expect(t.scheduler.pending()).toEqual([1000]);
    t.selector.stop();
    expect(t.scheduler.pending()).toEqual([]);
  });

  it('auto: a failed discovery keeps the choice; before any choice it is none', async () => {
    const c = cluster({ openreports: new Error('connection refused'), wgpolicy: true });
    const t = setup('auto', c.served);
    await t.selector.refresh();
    // The preferred API could not be asked about, and nothing was chosen yet: the best known.
    expect(t.current()).toBe('wgpolicy');
    c.state.openreports = true;
    await t.selector.refresh();
    expect(t.current()).toBe('openreports');
    c.state.openreports = new Error('etcd is down');
    await t.selector.refresh();
    expect(t.current()).toBe('openreports');

    const down = cluster({
      openreports: new Error('connection refused'),
      wgpolicy: new Error('connection refused'),
    });
    const u = setup('auto', down.served);
    await u.selector.refresh();
    expect(u.current()).toBe('none');
  });

  it('auto: a 404 on write discovers again at once', async () => {
    const c = cluster({ openreports: true, wgpolicy: true });
    const t = setup('auto', c.served);
    await t.selector.refresh();
    expect(t.current()).toBe('openreports');
    c.state.openreports = false;
    c.asked.length = 0;
    t.selector.notFound?.();
    await t.selector.refresh();
    expect(c.asked.slice(0, 2)).toEqual(['openreports', 'wgpolicy']);
    expect(t.current()).toBe('wgpolicy');
  });

  it('a fixed API is always written; a discovery at start warns when it is not served', async () => {
    const c = cluster({ wgpolicy: true });
    const t = setup('openreports', c.served);
    expect(t.current()).toBe('openreports');
    t.selector.start();
    await t.selector.refresh();
    expect(t.current()).toBe('openreports');
    expect(t.lines.map((line) => line.msg)).toEqual([
      'openreports.io/v1alpha1 is not served: reports cannot be written until its CRDs are installed',
    ]);
    // No periodic discovery, and a 404 does not change the API.
    expect(t.scheduler.pending()).toEqual([]);
    t.selector.notFound?.();
    expect(t.current()).toBe('openreports');

    const w = setup('wgpolicy', c.served);
    w.selector.start();
    await w.selector.refresh();
    expect(w.current()).toBe('wgpolicy');
    expect(w.lines).toEqual([]);
  });

  it('reuses one writer per API', async () => {
    const c = cluster({ openreports: true });
    const t = setup('auto', c.served);
    await t.selector.refresh();
    expect(t.selector.current()).toBe(t.selector.current());
    expect(t.selector.selected()).toBe(OPENREPORTS_API);
    c.state.openreports = false;
    c.state.wgpolicy = true;
    await t.selector.refresh();
    expect(t.selector.selected()).toBe(WGPOLICY_API);
  });
});
