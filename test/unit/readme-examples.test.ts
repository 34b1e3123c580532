import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { runCheck } from '../../src/cli/check/run-check.js';
import type { CliIo } from '../../src/cli/io.js';
import { createDecisionLogger } from '../../src/observability/logger.js';
import { memoryLogger } from '../../src/observability/test-support/memory-logger.js';
import { record } from '../../src/observability/test-support/records.js';

const README = readFileSync(
  join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'README.md'),
  'utf8',
);

/** The README section between `<!-- section: NAME -->` and its closing marker. */
function section(name: string): string {
  const start = README.indexOf(`<!-- section: ${name} -->`);
  const end = README.indexOf(`<!-- /section: ${name} -->`);
  expect(start).toBeGreaterThanOrEqual(0);
  return README.slice(start, end);
}

/** The message `profile-name-reserved` really gives for a Profile of this name. */
async function reservedNameMessage(name: string): Promise<string> {
  let stdout = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: () => true },
    env: {},
    readStdin: () =>
      Promise.resolve(
        `apiVersion: kubeflow.org/v1\nkind: Profile\nmetadata: {name: ${name}}\n` +
          'spec: {owner: {kind: User, name: alice@example.com}}\n',
      ),
  };
  expect(await runCheck(['-f', '-', '-o', 'json'], io)).toBe(1);
  const [result] = JSON.parse(stdout) as { denials: { rule: string; message: string }[] }[];
  const denial = result?.denials.find((entry) => entry.rule === 'profile-name-reserved');
  expect(denial).toBeDefined();
  return denial?.message ?? '';
}

describe('README examples match what the code says', () => {
  it('every quoted profile-name-reserved message for a reserved name is the real one', async () => {
    // The quickstart answer, the kubectl denial and the decision log line all quote it.
    const quoted = [
      ...README.matchAll(/metadata\.name \\?"([a-z-]+)\\?" is (?:a )?reserved[a-z ]*/g),
    ].filter((match) => !match[0].includes('prefix'));
    expect(quoted.length).toBeGreaterThanOrEqual(3);
    for (const [text, name] of quoted) {
      const real = await reservedNameMessage(name ?? '');
      expect(text.replaceAll('\\"', '"')).toBe(real);
    }
  });

  it('the decision log line example has the keys a real decision line has, in order', () => {
    const logs = section('observability');
    const example = /```json\n(\{.*"msg":"admission denied"\})\n```/.exec(logs);
    expect(example).not.toBeNull();
    const { lines, logger } = memoryLogger('info');
    createDecisionLogger(logger).onDecision(record());
    expect(Object.keys(JSON.parse(example?.[1] ?? '{}') as object)).toEqual(
      Object.keys(lines[0] ?? {}),
    );
  });

  it('the Logs prose names the field that identifies the logger', () => {
    const { lines, logger } = memoryLogger('info');
    logger.info('hello');
    const identity = Object.entries(lines[0] ?? {}).find(([, value]) => value === 'profile-guard');
    const claimed = /`(\w+): "profile-guard"`/.exec(section('observability'));
    expect(claimed?.[1]).toBe(identity?.[0]);
  });
});
