import fc from 'fast-check';
import { EMBEDDED_DEFAULT_POLICY } from '../../../config/default-policy.js';
import type { KubeObject } from '../../kube-object.js';
import { ALICE } from '../../test-support/fixtures.js';
import {
  aliceProfile,
  evaluateProfile,
  profileWithSpec,
} from '../../test-support/profile-fixtures.js';
import { testPolicy } from '../../test-support/test-policy.js';

const owned = (owner: unknown) => profileWithSpec({ owner });

describe('the Profile an unmodified Kubeflow installation creates', () => {
  it.each(['kubeflow.org/v1', 'kubeflow.org/v1beta1'])(
    'is allowed under the embedded default for a non-exempt caller (%s), without warnings',
    (apiVersion) => {
      const result = evaluateProfile(aliceProfile(apiVersion), {
        user: ALICE,
        policy: EMBEDDED_DEFAULT_POLICY,
      });
      expect(result.exempt).toBe(false);
      expect(result).toMatchObject({ allowed: true, denials: [], warnings: [], audits: [] });
      expect(result.evaluations.filter((e) => e.status === 'fail' || e.status === 'error')).toEqual(
        [],
      );
    },
  );

  it.each(['kubeflow.org/v1', 'kubeflow.org/v1beta1'])('is allowed on an UPDATE too (%s)', (v) => {
    const labelled: KubeObject = {
      ...aliceProfile(v),
      metadata: { name: 'alice', labels: { 'app.kubernetes.io/part-of': 'kubeflow-profile' } },
    };
    const result = evaluateProfile(labelled, {
      operation: 'UPDATE',
      oldObject: aliceProfile(v),
      policy: EMBEDDED_DEFAULT_POLICY,
    });
    expect(result).toMatchObject({ allowed: true, denials: [], warnings: [] });
  });

  it('treats v1 and v1beta1 identically when denying', () => {
    const bad = (apiVersion: string): KubeObject => ({
      ...aliceProfile(apiVersion),
      metadata: { name: 'kube-x' },
      spec: { owner: { kind: 'User', name: 'x' }, resourceQuotaSpec: { hard: { cpu: '65' } } },
    });
    const v1 = evaluateProfile(bad('kubeflow.org/v1'));
    const v1beta1 = evaluateProfile(bad('kubeflow.org/v1beta1'));
    expect(v1.denials.map((d) => d.ruleId)).toEqual([
      'profile-name-reserved',
      'profile-owner-format',
      'profile-quota-max',
    ]);
    expect(v1beta1.denials).toEqual(v1.denials);
  });
});

describe('the Profile rules', () => {
  it('never throw on arbitrary JSON, and keep messages single-line', () => {
    const policy = testPolicy({
      profiles: {
        name: { pattern: '[a-z]+' },
        owner: { emailDomains: ['example.com'] },
        quota: { allowedResources: ['cpu'] },
      },
    });
    const json = fc.jsonValue({ maxDepth: 4 });
    const shaped = fc.record(
      {
        metadata: fc.oneof(json, fc.record({ name: json })),
        spec: fc.oneof(
          json,
          fc.record(
            {
              owner: fc.oneof(
                json,
                fc.record({ kind: json, name: json, apiGroup: json, namespace: json }),
              ),
              resourceQuotaSpec: fc.oneof(
                json,
                fc.record({
                  hard: fc.oneof(json, fc.dictionary(fc.string(), json)),
                  scopes: json,
                  scopeSelector: json,
                }),
              ),
              plugins: fc.oneof(
                json,
                fc.array(fc.oneof(json, fc.record({ kind: json, spec: json }))),
              ),
            },
            { requiredKeys: [] },
          ),
        ),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(shaped, shaped, (object, old) => {
        for (const operation of ['CREATE', 'UPDATE'] as const) {
          const result = evaluateProfile(object as KubeObject, {
            policy,
            operation,
            oldObject: old as KubeObject,
          });
          expect(result.evaluations.filter((e) => e.status === 'error')).toEqual([]);
          for (const finding of [...result.denials, ...result.warnings]) {
            expect(finding.message).not.toMatch(/[\r\n]/);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('owner rules never throw on malformed owners', () => {
  it.each([
    null,
    'x',
    42,
    [],
    [{ kind: 'User' }],
    { kind: ['User'], name: { a: 1 } },
    { name: null },
  ])('owner %p', (owner) => {
    const policy = testPolicy({ profiles: { owner: { emailDomains: ['example.com'] } } });
    const result = evaluateProfile(owned(owner), {
      policy,
      operation: 'UPDATE',
      oldObject: owned(owner),
    });
    expect(result.evaluations.filter((e) => e.status === 'error')).toEqual([]);
  });
});
