import type { KubeObject } from '../../kube-object.js';
import { CLUSTER_ADMIN, PROFILES_CONTROLLER } from '../../test-support/kubeflow-objects.js';
import { aliceProfile, evaluateProfile, findingsOf } from '../../test-support/profile-fixtures.js';
import { testPolicy } from '../../test-support/test-policy.js';

const KEYS = new Set(['tier', 'team.example.com/isolation']);
const labelled = (labels: Record<string, string> | undefined): KubeObject => ({
  ...aliceProfile(),
  metadata: { name: 'alice', ...(labels === undefined ? {} : { labels }) },
});
const PART_OF = { 'app.kubernetes.io/part-of': 'kubeflow-profile' };

const messages = (
  object: KubeObject,
  options: Parameters<typeof evaluateProfile>[1] = {},
): string[] =>
  findingsOf(
    evaluateProfile(object, { selectorLabelKeys: KEYS, ...options }),
    'profile-selector-label',
  ).map(({ path, message }) => `${path}: ${message}`);
const denial = (key: string, change: string) =>
  `metadata.labels[${JSON.stringify(key)}]: metadata.labels[${JSON.stringify(key)}] is read by a ProfilePolicy selector (it chooses the policy that governs this Profile), so only an exempt caller may set it: ${change}`;
const update = (from: Record<string, string> | undefined, to: Record<string, string> | undefined) =>
  messages(labelled(to), { operation: 'UPDATE', oldObject: labelled(from) });

describe('profile-selector-label', () => {
  it.each<
    [string, Record<string, string> | undefined, Record<string, string> | undefined, string[]]
  >([
    [
      'adding a selector label',
      PART_OF,
      { ...PART_OF, tier: 'lenient' },
      [denial('tier', 'added as "lenient"')],
    ],
    [
      'changing one',
      { ...PART_OF, tier: 'strict' },
      { ...PART_OF, tier: 'lenient' },
      [denial('tier', 'changed from "strict" to "lenient"')],
    ],
    [
      'removing one',
      { ...PART_OF, tier: 'strict' },
      PART_OF,
      [denial('tier', 'removed (was "strict")')],
    ],
    [
      'removing every label',
      { ...PART_OF, tier: 'strict' },
      undefined,
      [denial('tier', 'removed (was "strict")')],
    ],
    [
      'changing one to the empty string',
      { tier: 'strict' },
      { tier: '' },
      [denial('tier', 'changed from "strict" to ""')],
    ],
    [
      'several at once, in key order',
      { tier: 'strict' },
      { 'team.example.com/isolation': 'off' },
      [
        denial('team.example.com/isolation', 'added as "off"'),
        denial('tier', 'removed (was "strict")'),
      ],
    ],
  ])('denies %s on UPDATE', (_name, from, to, expected) => {
    expect(update(from, to)).toEqual(expected);
  });

  it('denies a CREATE that carries a selector label (a new Profile chooses no policy either)', () => {
    expect(messages(labelled({ tier: 'lenient' }))).toEqual([denial('tier', 'added as "lenient"')]);
  });

  it.each<[string, Record<string, string> | undefined, Record<string, string> | undefined]>([
    ['other labels changing', { ...PART_OF, tier: 'strict' }, { tier: 'strict', team: 'ml' }],
    [
      'the key spelled in another case (another label)',
      { tier: 'strict' },
      { tier: 'strict', Tier: 'x' },
    ],
    ['nothing changing', { tier: 'strict' }, { tier: 'strict' }],
  ])('allows %s', (_name, from, to) => {
    expect(update(from, to)).toEqual([]);
  });

  it('passes when no policy selects by labels', () => {
    const result = evaluateProfile(labelled({ tier: 'lenient' }), {
      operation: 'UPDATE',
      oldObject: labelled(undefined),
    });
    expect(findingsOf(result, 'profile-selector-label')).toEqual([]);
  });

  it('lets exempt callers (cluster admins) move a Profile between policies', () => {
    const result = evaluateProfile(labelled({ tier: 'lenient' }), {
      operation: 'UPDATE',
      oldObject: labelled({ tier: 'strict' }),
      user: CLUSTER_ADMIN,
      selectorLabelKeys: KEYS,
    });
    expect(result.allowed).toBe(true);
  });

  it('lets the profile controller update a labelled Profile (finalizers, status)', () => {
    const stored = labelled({ ...PART_OF, tier: 'strict' });
    const finalized = {
      ...stored,
      metadata: { ...stored.metadata, finalizers: ['profile-finalizer'] },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    };
    expect(
      messages(finalized, { operation: 'UPDATE', oldObject: stored, user: PROFILES_CONTROLLER }),
    ).toEqual([]);
  });

  describe('labels the governing policy injects', () => {
    const policy = testPolicy({ profiles: { labels: { tier: 'standard' } } });

    it('are /mutate’s doing, not the caller’s: a CREATE without them passes', () => {
      expect(messages(labelled(undefined), { policy })).toEqual([]);
    });

    it('may be spelled out with the injected value', () => {
      expect(messages(labelled({ tier: 'standard' }), { policy })).toEqual([]);
    });

    it('but not given another value', () => {
      expect(messages(labelled({ tier: 'lenient' }), { policy })).toEqual([
        denial('tier', 'changed from "standard" to "lenient"'),
      ]);
    });

    it('and dropping one on UPDATE is no change (/mutate puts it back)', () => {
      expect(
        messages(labelled(undefined), {
          policy,
          operation: 'UPDATE',
          oldObject: labelled({ tier: 'standard' }),
        }),
      ).toEqual([]);
    });
  });
});
