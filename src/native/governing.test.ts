import fc from 'fast-check';

import { selectPolicy, selectorMatches } from '../policy/policy-selection.js';
import type { LabelSelector, Policy } from '../policy/policy-spec.js';
import { testPolicy } from '../policy/test-support/test-policy.js';
import {
  NOT_SHADOWED_CONDITION,
  nativeGoverningPolicy,
  notShadowedCondition,
  selectorExpression,
} from './governing.js';

const FALLBACK: Policy = { ...testPolicy(), name: 'embedded' };

function policy(name: string, priority: number, selector?: LabelSelector): Policy {
  const base = testPolicy({ priority });
  return {
    name,
    generation: 1,
    spec: selector === undefined ? base.spec : { ...base.spec, selector },
  };
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

  it('agrees with the webhook: a Profile is ours exactly when selectPolicy picks our policy', () => {
    const keys = ['team', 'tier', 'gpu'];
    const values = ['a', 'b', 'c'];
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
      .array(fc.tuple(fc.integer({ min: -2, max: 2 }), selector), { maxLength: 6 })
      .map((list) => list.map(([priority, sel], i) => policy(`p${i}`, priority, sel)));
    const labels = fc.dictionary(fc.constantFrom(...keys), fc.constantFrom(...values));
    fc.assert(
      fc.property(policies, labels, (inForce, profileLabels) => {
        const { policy: ours, shadowing } = nativeGoverningPolicy({
          policies: inForce,
          fallback: FALLBACK,
        });
        const governs = selectPolicy(inForce, profileLabels, FALLBACK);
        const shadowed = shadowing.some((p) =>
          selectorMatches(p.spec.selector ?? {}, profileLabels),
        );
        expect(!shadowed).toBe(governs === ours);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('selectorExpression', () => {
  it('writes each operator over the labels map', () => {
    expect(selectorExpression({ matchLabels: { team: 'a' } }, 'l')).toBe(
      "('team' in l && l['team'] == 'a')",
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
      "('a' in l && l['a'] in ['1', '2']) && (!('b' in l) || !(l['b'] in ['3'])) && ('c' in l) && !('d' in l)",
    );
    expect(selectorExpression({}, 'l')).toBe('true');
  });

  it('escapes keys and values: a value cannot end its literal', () => {
    expect(selectorExpression({ matchLabels: { "k'": "v' || true || '" } }, 'l')).toBe(
      "('k\\'' in l && l['k\\''] == 'v\\' || true || \\'')",
    );
  });

  it('a key or value no CEL literal can hold (no label has it) never matches, NotIn/DoesNotExist always do', () => {
    const lone = '\ud800';
    expect(selectorExpression({ matchLabels: { a: lone } }, 'l')).toBe('false');
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
    ).toBe("false && true && false && true && ('a' in l && l['a'] in ['x'])");
  });
});

describe('notShadowedCondition', () => {
  it('is absent when nothing shadows', () => {
    expect(notShadowedCondition([])).toBeUndefined();
  });

  it('leaves out Profiles any shadowing selector matches, over the labels of the object admitted', () => {
    const condition = notShadowedCondition([
      policy('gpu', 2, { matchLabels: { gpu: 'yes' } }),
      policy('team', 1, { matchExpressions: [{ key: 'team', operator: 'Exists' }] }),
    ]);
    expect(condition).toEqual({
      name: NOT_SHADOWED_CONDITION,
      expression:
        "[object.metadata.?labels.orValue({})].all(l, !((('gpu' in l && l['gpu'] == 'yes')) || (('team' in l))))",
    });
  });
});
