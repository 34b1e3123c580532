import { mkdir, mkdtemp, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Policy } from '../policy/policy-spec.js';
import { watchPolicyFile } from './policy-file-watcher.js';

type Report = { kind: 'reload'; policy: Policy } | { kind: 'invalid'; errors: readonly string[] };

/** Collects reports; `next()` resolves with the next one, whenever it arrives. */
function recorder() {
  const reports: Report[] = [];
  const waiting: ((report: Report) => void)[] = [];
  let consumed = 0;
  const push = (report: Report): void => {
    reports.push(report);
    const waiter = waiting.shift();
    if (waiter) {
      consumed += 1;
      waiter(report);
    }
  };
  return {
    reports,
    handlers: {
      onReload: (policy: Policy) => {
        push({ kind: 'reload', policy });
      },
      onInvalid: (errors: readonly string[]) => {
        push({ kind: 'invalid', errors });
      },
    },
    next: (): Promise<Report> => {
      const ready = reports[consumed];
      if (ready) {
        consumed += 1;
        return Promise.resolve(ready);
      }
      return new Promise((resolve) => waiting.push(resolve));
    },
  };
}

const policyText = (name: string, mode = 'Enforce'): string =>
  `apiVersion: profile-guard.io/v1alpha1\nkind: ProfilePolicy\nmetadata: {name: ${name}}\nspec: {defaultMode: ${mode}}\n`;

let dir: string;
let counter = 0;
/** Replaces a file atomically, as kubelet and careful editors do. */
async function replace(path: string, text: string): Promise<void> {
  counter += 1;
  const temporary = `${path}.tmp${counter}`;
  await writeFile(temporary, text);
  await rename(temporary, path);
}

const fast = { pollIntervalMs: 20, debounceMs: 5 };
let closers: { close(): void }[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'policy-watch-'));
});
afterEach(async () => {
  for (const watcher of closers) watcher.close();
  closers = [];
  await rm(dir, { recursive: true, force: true });
});

describe('watchPolicyFile', () => {
  it('reports a new valid policy, then an invalid one, then a valid one again', async () => {
    const path = join(dir, 'policy.yaml');
    await writeFile(path, policyText('first'));
    const events = recorder();
    closers.push(watchPolicyFile(path, events.handlers, fast));

    await replace(path, policyText('second', 'Warn'));
    const reload = await events.next();
    expect(
      reload.kind === 'reload' && [reload.policy.name, reload.policy.spec.defaultMode],
    ).toEqual(['second', 'Warn']);

    await replace(path, policyText('third', 'Loud'));
    expect(await events.next()).toEqual({
      kind: 'invalid',
      errors: ['spec.defaultMode: must be one of Enforce, Warn, Audit'],
    });

    await replace(path, policyText('fourth'));
    const again = await events.next();
    expect(again.kind === 'reload' && again.policy.name).toBe('fourth');
  });

  it('does not report a rewrite with identical content', async () => {
    const path = join(dir, 'policy.yaml');
    await writeFile(path, policyText('same'));
    const events = recorder();
    closers.push(watchPolicyFile(path, events.handlers, fast));

    await replace(path, policyText('same'));
    await replace(path, policyText('changed'));
    const first = await events.next();
    expect(first.kind === 'reload' && first.policy.name).toBe('changed');
    expect(events.reports).toHaveLength(1);
  });

  it('follows a ConfigMap mount, whose ..data symlink is swapped', async () => {
    await mkdir(join(dir, '..2024_01'));
    await writeFile(join(dir, '..2024_01', 'policy.yaml'), policyText('v1'));
    await symlink('..2024_01', join(dir, '..data'));
    await symlink(join('..data', 'policy.yaml'), join(dir, 'policy.yaml'));
    const events = recorder();
    closers.push(watchPolicyFile(join(dir, 'policy.yaml'), events.handlers, fast));

    await mkdir(join(dir, '..2024_02'));
    await writeFile(join(dir, '..2024_02', 'policy.yaml'), policyText('v2'));
    await symlink('..2024_02', join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));

    const reload = await events.next();
    expect(reload.kind === 'reload' && reload.policy.name).toBe('v2');
  });

  it('reports a file that disappears, and its return', async () => {
    const path = join(dir, 'policy.yaml');
    await writeFile(path, policyText('here'));
    const events = recorder();
    closers.push(watchPolicyFile(path, events.handlers, fast));

    await unlink(path);
    expect(await events.next()).toEqual({
      kind: 'invalid',
      errors: [`${path}: cannot read policy file (ENOENT: no such file or directory)`],
    });
    await replace(path, policyText('back'));
    const back = await events.next();
    expect(back.kind === 'reload' && back.policy.name).toBe('back');
  });

  it('reports a file that did not exist when watching started, once it appears', async () => {
    const path = join(dir, 'later.yaml');
    const events = recorder();
    closers.push(watchPolicyFile(path, events.handlers, fast));
    await replace(path, policyText('later'));
    const report = await events.next();
    expect(report.kind === 'reload' && report.policy.name).toBe('later');
  });

  it.each([
    ['the poll alone', { pollIntervalMs: 20, debounceMs: 600_000 }],
    ['the directory watch alone', { pollIntervalMs: 600_000, debounceMs: 5 }],
  ])('notices a change through %s', async (_how, options) => {
    const path = join(dir, 'policy.yaml');
    await writeFile(path, policyText('old'));
    const events = recorder();
    closers.push(watchPolicyFile(path, events.handlers, options));
    await replace(path, policyText('new'));
    const report = await events.next();
    expect(report.kind === 'reload' && report.policy.name).toBe('new');
  });

  it('reports nothing after close', async () => {
    const path = join(dir, 'policy.yaml');
    await writeFile(path, policyText('before'));
    const events = recorder();
    const watcher = watchPolicyFile(path, events.handlers, fast);
    watcher.close();
    await replace(path, policyText('after'));
    // Several poll periods pass; a report arriving late would still be caught by the last line.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(events.reports).toEqual([]);
  });
});
