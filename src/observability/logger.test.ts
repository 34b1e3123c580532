import { createDecisionLogger } from './logger.js';
import { memoryLogger } from './test-support/memory-logger.js';
import { record } from './test-support/records.js';

function capture(level = 'info') {
  return memoryLogger(level);
}

describe('createLogger', () => {
  it('writes JSON lines of component profile-guard with a level label and an ISO time', () => {
    const { lines, logger } = capture();
    logger.info({ a: 1 }, 'hello');
    logger.debug('hidden');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      component: 'profile-guard',
      msg: 'hello',
      a: 1,
    });
    expect(String(lines[0]?.time)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });
});

describe('createDecisionLogger', () => {
  it('logs a denial with the caller, the object identity, rule ids and each finding mode', () => {
    const { lines, logger } = capture();
    createDecisionLogger(logger).onDecision(record());
    expect(lines).toHaveLength(1);
    expect(lines[0]).toEqual({
      level: 'info',
      time: expect.any(String),
      pid: expect.any(Number),
      hostname: expect.any(String),
      component: 'profile-guard',
      msg: 'admission denied',
      webhook: 'validate',
      decision: 'denied',
      uid: 'uid-1',
      user: 'secret-user@example.com',
      groups: ['team-x'],
      operation: 'CREATE',
      kind: 'Profile',
      apiVersion: 'kubeflow.org/v1',
      name: 'secret-name',
      namespace: 'secret-namespace',
      dryRun: false,
      policy: 'default',
      policyGeneration: 2,
      rules: ['profile-owner-format', 'profile-owner-lowercase', 'profile-owner-domain'],
      findings: [
        {
          rule: 'profile-owner-format',
          mode: 'Enforce',
          path: 'spec.owner.name',
          message: 'spec.owner.name broke profile-owner-format',
          ratcheted: false,
        },
        {
          rule: 'profile-owner-lowercase',
          mode: 'Warn',
          path: 'spec.owner.name',
          message: 'spec.owner.name broke profile-owner-lowercase',
          ratcheted: false,
        },
        {
          rule: 'profile-owner-domain',
          mode: 'Audit',
          path: 'spec.owner.name',
          message: 'spec.owner.name broke profile-owner-domain',
          ratcheted: false,
        },
      ],
      durationSeconds: 0.003,
    });
  });

  it('logs warned and audited decisions at info, errors at error, passing ones at debug only', () => {
    const { lines, logger } = capture();
    const observer = createDecisionLogger(logger);
    observer.onDecision(record({ decision: 'warned' }));
    observer.onDecision(record({ decision: 'allowed' }));
    observer.onDecision(
      record({ decision: 'error', evaluation: undefined, error: 'internal error: x' }),
    );
    observer.onDecision(record({ decision: 'allowed', evaluation: undefined }));
    observer.onDecision(
      record({
        webhook: 'mutate',
        decision: 'patched',
        evaluation: undefined,
        mutation: { applied: ['m'], errors: [], patchedPaths: ['/a'] },
      }),
    );
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      ['info', 'admission warned'],
      ['info', 'admission audited'],
      ['error', 'admission error'],
    ]);
    expect(lines[2]).toMatchObject({ error: 'internal error: x', rules: [], findings: [] });

    const debug = capture('debug');
    const verbose = createDecisionLogger(debug.logger);
    verbose.onDecision(record({ decision: 'allowed', evaluation: undefined }));
    verbose.onDecision(
      record({
        webhook: 'mutate',
        decision: 'patched',
        evaluation: undefined,
        mutation: { applied: ['m'], errors: [], patchedPaths: ['/a'] },
      }),
    );
    expect(debug.lines.map((line) => [line.level, line.msg])).toEqual([
      ['debug', 'admission allowed'],
      ['debug', 'admission patched'],
    ]);
    expect(debug.lines[1]).toMatchObject({ patchedPaths: ['/a'], mutationErrors: [] });
  });

  it('reads nothing of a passing decision when debug is off', () => {
    const { lines, logger } = capture('info');
    const passing = record({ decision: 'allowed', evaluation: undefined });
    const untouchable = Object.defineProperty({ ...passing }, 'input', {
      get: () => {
        throw new Error('the input was read');
      },
    });
    expect(() => {
      createDecisionLogger(logger).onDecision(untouchable);
    }).not.toThrow();
    expect(lines).toEqual([]);
  });

  it('marks dry runs and never logs the object itself', () => {
    const { lines, logger } = capture();
    createDecisionLogger(logger).onDecision(record({ input: { ...record().input, dryRun: true } }));
    expect(lines[0]?.dryRun).toBe(true);
    expect(JSON.stringify(lines)).not.toContain('object-content');
  });
});
