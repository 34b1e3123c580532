import fc from 'fast-check';

import { NO_CLUSTER } from '../policy/cluster-snapshot.js';
import {
  selectPolicyFor,
  selectorMatches,
  withInjectedLabels,
  type ProfileLabels,
} from '../policy/policy-selection.js';
import type { LabelSelector, Policy } from '../policy/policy-spec.js';
import { input } from '../policy/test-support/fixtures.js';
import { testPolicy } from '../policy/test-support/test-policy.js';
import {
  NOT_SHADOWED_CONDITION,
  nativeGoverningPolicy,
  notShadowedCondition,
  selectorExpression,
  type NativeGoverning,
} from './governing.js';

const FALLBACK: Policy = { ...testPolicy(), name: 'embedded' };

function policy(
  name: string,
  priority: number,
  selector?: LabelSelector,
  injects: Readonly<Record<string, string>> = {},
): Policy {
  const base = testPolicy({ priority });
  const spec = { ...base.spec, profiles: { ...base.spec.profiles, labels: injects } };
  return { name, generation: 1, spec: selector === undefined ? spec : { ...spec, selector } };
}

/**
 * What the match condition states (its CEL is a translation of this): neither label set, as it
 * is or with the labels any candidate injects, is matched by a shadowing selector.
 */
function conditionHolds(
  governing: NativeGoverning,
  stored: ProfileLabels,
  next: ProfileLabels,
): boolean {
  const injectors = [governing.policy, ...governing.shadowing];
  return [next, stored].every((labels) =>
    [labels, ...injectors.map((p) => withInjectedLabels(labels, p))].every(
      (seen) => !governing.shadowing.some((p) => selectorMatches(p.spec.selector ?? {}, seen)),
    ),
  );
}

describe('nativeGoverningPolicy', () => {
  it('the embedded default (or the file) when no policy is in force', () => {
    expect(nativeGoverningPolicy({ policies: [], fallback: FALLBACK })).toEqual({
      policy: FALLBACK,
      shadowing: [],
    });
  });

  it('the highest-ranked selector-less policy, shadowed by every label-selector policy', () => {
    const low = policy('a-low', 1);
    const high = policy('b-high', 5);
    const tie = policy('a-tie', 5);
    const team = policy('team', -3, { matchLabels: { team: 'x' } });
    const gpu = policy('gpu', 9, { matchExpressions: [{ key: 'gpu', operator: 'Exists' }] });
    const result = nativeGoverningPolicy({
      policies: [low, high, team, tie, gpu],
      fallback: FALLBACK,
    });
    expect(result.policy.name).toBe('a-tie');
    expect(result.shadowing.map((p) => p.name)).toEqual(['gpu', 'team']);
  });

  it('a selector {} policy governs every Profile no higher-ranked selector takes', () => {
    const all = policy('all', 3, {});
    const above = policy('above', 4, { matchLabels: { a: 'b' } });
    const below = policy('below', 1, { matchLabels: { c: 'd' } });
    const selectorless = policy('fallback', 100);
    const result = nativeGoverningPolicy({
      policies: [selectorless, below, all, above],
      fallback: FALLBACK,
    });
    expect(result.policy.name).toBe('all');
    expect(result.shadowing.map((p) => p.name)).toEqual(['above']);
  });

  it('a request the condition admits is governed by the native policy in the webhook', () => {
    const keys = ['team', 'tier', 'gpu'];
    const values = ['a', 'b', 'c'];
    const labels = fc.dictionary(fc.constantFrom(...keys), fc.constantFrom(...values));
    const selector: fc.Arbitrary<LabelSelector | undefined> = fc.option(
      fc.record(
        {
          matchLabels: fc.dictionary(fc.constantFrom(...keys), fc.constantFrom(...values), {
            maxKeys: 2,
          }),
          matchExpressions: fc.array(
            fc.record({
              key: fc.constantFrom(...keys),
              operator: fc.constantFrom<'In' | 'NotIn' | 'Exists' | 'DoesNotExist'>(
                'In',
                'NotIn',
                'Exists',
                'DoesNotExist',
              ),
              values: fc.array(fc.constantFrom(...values), { maxLength: 2 }),
            }),
            { maxLength: 2 },
          ),
        },
        { requiredKeys: [] },
      ),
      { nil: undefined },
    );
    const policies = fc
      .array(fc.tuple(fc.integer({ min: -2, max: 2 }), selector, labels), { maxLength: 5 })
      .map((list) =>
        list.map(([priority, sel, injects], i) => policy(`p${i}`, priority, sel, injects)),
      );
    const request = fc.record({
      operation: fc.constantFrom<'CREATE' | 'UPDATE'>('CREATE', 'UPDATE'),
      stored: labels,
      next: labels,
      // The test policy exempts system:masters: an admin may move a Profile to another policy.
      admin: fc.boolean(),
    });
    let admitted = 0;
    fc.assert(
      fc.property(policies, request, (inForce, { operation, stored, next, admin }) => {
        const governing = nativeGoverningPolicy({ policies: inForce, fallback: FALLBACK });
        const storedLabels = operation === 'CREATE' ? {} : stored;
        const profile = (l: ProfileLabels) => ({ metadata: { name: 'p', labels: { ...l } } });
        const governs = selectPolicyFor(
          inForce,
          input('Profile', profile(next), {
            operation,
            ...(operation === 'UPDATE' ? { oldObject: profile(storedLabels) } : {}),
            user: admin
              ? { username: 'admin', groups: ['system:masters'] }
              : { username: 'alice@example.com', groups: [] },
          }),
          NO_CLUSTER,
          FALLBACK,
        );
        if (governing.shadowing.length === 0) expect(governs).toBe(governing.policy);
        if (conditionHolds(governing, storedLabels, next)) {
          admitted += 1;
          expect(governs).toBe(governing.policy);
        }
      }),
      { numRuns: 3000 },
    );
    // The property is not vacuous: most random requests are the native policy's.
    expect(admitted).toBeGreaterThan(1000);
  });
});

describe('selectorExpression', () => {
  it('writes each operator over the labels map', () => {
    expect(selectorExpression({ matchLabels: { team: 'a' } }, 'l')).toBe(
      "('team' in l ? l['team'] == 'a' : false)",
    );
    expect(
      selectorExpression(
        {
          matchExpressions: [
            { key: 'a', operator: 'In', values: ['1', '2'] },
            { key: 'b', operator: 'NotIn', values: ['3'] },
            { key: 'c', operator: 'Exists' },
            { key: 'd', operator: 'DoesNotExist' },
          ],
        },
        'l',
      ),
    ).toBe(
      "('a' in l ? l['a'] in ['1', '2'] : false) && ('b' in l ? !(l['b'] in ['3']) : true) && ('c' in l ? true : false) && ('d' in l ? false : true)",
    );
    expect(selectorExpression({}, 'l')).toBe('true');
  });

  it('a key the Profile lacks takes the injected value, decided as a constant', () => {
    expect(
      selectorExpression(
        {
          matchLabels: { team: 'a' },
          matchExpressions: [
            { key: 'tier', operator: 'NotIn', values: ['x'] },
            { key: 'gpu', operator: 'DoesNotExist' },
          ],
        },
        'l',
        { team: 'a', tier: 'x', gpu: 'yes' },
      ),
    ).toBe(
      "('team' in l ? l['team'] == 'a' : true) && ('tier' in l ? !(l['tier'] in ['x']) : false) && ('gpu' in l ? false : false)",
    );
  });

  it('escapes keys and values: a value cannot end its literal', () => {
    expect(selectorExpression({ matchLabels: { "k'": "v' || true || '" } }, 'l')).toBe(
      "('k\\'' in l ? l['k\\''] == 'v\\' || true || \\'' : false)",
    );
  });

  it('a key or value no CEL literal can hold (no label has it) never matches, NotIn/DoesNotExist always do', () => {
    const lone = '\ud800';
    expect(selectorExpression({ matchLabels: { a: lone } }, 'l')).toBe(
      "('a' in l ? false : false)",
    );
    expect(
      selectorExpression(
        {
          matchExpressions: [
            { key: lone, operator: 'In', values: ['x'] },
            { key: lone, operator: 'NotIn', values: ['x'] },
            { key: lone, operator: 'Exists' },
            { key: lone, operator: 'DoesNotExist' },
            { key: 'a', operator: 'In', values: [lone, 'x'] },
          ],
        },
        'l',
      ),
    ).toBe("false && true && false && true && ('a' in l ? l['a'] in ['x'] : false)");
  });
});

describe('notShadowedCondition', () => {
  it('is absent when nothing shadows', () => {
    expect(notShadowedCondition({ policy: FALLBACK, shadowing: [] })).toBeUndefined();
  });

  it("checks the new and the stored labels, as they are and with each candidate's injected labels", () => {
    const condition = notShadowedCondition({
      policy: policy('fallback', 0, undefined, { part: 'kf' }),
      shadowing: [policy('team', 1, { matchExpressions: [{ key: 'team', operator: 'Exists' }] })],
    });
    expect(condition).toEqual({
      name: NOT_SHADOWED_CONDITION,
      expression:
        "[object.metadata.?labels.orValue({}), (request.operation == 'UPDATE' ? oldObject.metadata.?labels.orValue({}) : {})].all(l, !((('team' in l ? true : false))))",
    });
    const injecting = notShadowedCondition({
      policy: FALLBACK,
      shadowing: [policy('team', 1, { matchLabels: { team: 'a' } }, { team: 'a' })],
    });
    expect(injecting?.expression).toContain("('team' in l ? l['team'] == 'a' : true)");
  });
});
