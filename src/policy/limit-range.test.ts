import {
  LIMIT_RANGE_NAME,
  defaultedResources,
  desiredDefaults,
  isOwnLimitRange,
  limitRangeManifest,
  ownDefaultsOf,
  planLimitRange,
  quotaDemands,
  sameDefaults,
  type ComputeResource,
  type LimitRangeSettings,
  type NamespaceFacts,
} from './limit-range.js';

const SETTINGS: LimitRangeSettings = {
  enabled: true,
  defaultRequest: { cpu: '100m', memory: '256Mi' },
  defaultLimit: { cpu: '1', memory: '1Gi' },
};
const NONE: ReadonlySet<ComputeResource> = new Set();

describe('quotaDemands', () => {
  it.each<[string, unknown, string[], string[]]>([
    ['the default quota (cpu, memory)', { cpu: '4', memory: '16Gi' }, ['cpu', 'memory'], []],
    ['requests.* keys', { 'requests.cpu': '4', 'requests.memory': '1Gi' }, ['cpu', 'memory'], []],
    ['limits.* keys demand a request too', { 'limits.cpu': '8' }, ['cpu'], ['cpu']],
    ['only memory', { memory: '1Gi', persistentvolumeclaims: '10' }, ['memory'], []],
    ['no compute key', { persistentvolumeclaims: '10', 'requests.storage': '1Ti' }, [], []],
    ['a zero still demands', { cpu: '0' }, ['cpu'], []],
    ['no quota', undefined, [], []],
    ['not a map', ['cpu'], [], []],
  ])('%s', (_what, hard, requests, limits) => {
    expect(quotaDemands(hard)).toEqual({ requests, limits });
  });
});

describe('desiredDefaults', () => {
  const demands = quotaDemands({ cpu: '4', memory: '16Gi' });

  it('defaults the requests the quota demands, and no limit', () => {
    expect(desiredDefaults(demands, SETTINGS, NONE)).toEqual({
      defaultRequest: { cpu: '100m', memory: '256Mi' },
      default: {},
    });
  });

  it('defaults a limit only where the quota restricts limits', () => {
    expect(
      desiredDefaults(quotaDemands({ cpu: '4', 'limits.memory': '8Gi' }), SETTINGS, NONE),
    ).toEqual({ defaultRequest: { cpu: '100m', memory: '256Mi' }, default: { memory: '1Gi' } });
  });

  it('takes the request from the limit when the policy gives a limit and no request', () => {
    const settings = { ...SETTINGS, defaultRequest: {} };
    expect(desiredDefaults(quotaDemands({ 'limits.cpu': '4' }), settings, NONE)).toEqual({
      defaultRequest: { cpu: '1' },
      default: { cpu: '1' },
    });
  });

  it('leaves out what another LimitRange defaults', () => {
    expect(desiredDefaults(demands, SETTINGS, new Set(['cpu']))).toEqual({
      defaultRequest: { memory: '256Mi' },
      default: {},
    });
    expect(desiredDefaults(demands, SETTINGS, new Set(['cpu', 'memory']))).toBeUndefined();
  });

  it('is nothing when off, when nothing is demanded, or when the policy has no value', () => {
    expect(desiredDefaults(demands, { ...SETTINGS, enabled: false }, NONE)).toBeUndefined();
    expect(desiredDefaults(quotaDemands({ pods: '10' }), SETTINGS, NONE)).toBeUndefined();
    const none = { enabled: true, defaultRequest: {}, defaultLimit: {} };
    expect(desiredDefaults(demands, none, NONE)).toBeUndefined();
  });
});

describe('stored LimitRanges', () => {
  const own = {
    metadata: {
      name: LIMIT_RANGE_NAME,
      namespace: 'alice',
      labels: { 'app.kubernetes.io/managed-by': 'profile-guard' },
    },
    spec: {
      limits: [{ type: 'Container', defaultRequest: { cpu: '100m', memory: '256Mi' } }],
    },
  };

  it("is profile-guard's by name and label, never by either alone", () => {
    expect(isOwnLimitRange(own)).toBe(true);
    expect(isOwnLimitRange({ ...own, metadata: { ...own.metadata, labels: {} } })).toBe(false);
    expect(isOwnLimitRange({ ...own, metadata: { ...own.metadata, name: 'mine' } })).toBe(false);
  });

  it('reads back its defaults, tolerating the empty maps and undefined fields of the API', () => {
    expect(ownDefaultsOf(own)).toEqual({
      defaultRequest: { cpu: '100m', memory: '256Mi' },
      default: {},
    });
    const typed = {
      spec: {
        limits: [
          {
            type: 'Container',
            _default: undefined,
            max: undefined,
            min: {},
            default: { cpu: '1' },
            defaultRequest: { cpu: '1' },
          },
        ],
      },
    };
    expect(ownDefaultsOf(typed)).toEqual({ defaultRequest: { cpu: '1' }, default: { cpu: '1' } });
  });

  it('sees an edited object as out of shape', () => {
    const edited = (limits: unknown[]) => ownDefaultsOf({ spec: { limits } });
    expect(edited([])).toBeUndefined();
    expect(edited([{ type: 'Pod', max: { cpu: '2' } }])).toBeUndefined();
    expect(edited([{ type: 'Container', max: { cpu: '2' } }])).toBeUndefined();
    expect(edited([{ type: 'Container', defaultRequest: { 'nvidia.com/gpu': '1' } }])).toBe(
      undefined,
    );
    expect(edited([{ type: 'Container' }, { type: 'Container' }])).toBeUndefined();
  });

  it('finds what another LimitRange defaults, including what the API server derives from max and min', () => {
    const admin = {
      spec: {
        limits: [
          { type: 'Container', defaultRequest: { memory: '1Gi' } },
          { type: 'Container', max: { cpu: '2' } },
          { type: 'Pod', max: { cpu: '8', memory: '8Gi' } },
          { type: 'PersistentVolumeClaim', min: { storage: '1Gi' } },
        ],
      },
    };
    expect(defaultedResources(admin)).toEqual(['cpu', 'memory']);
    expect(defaultedResources({ spec: { limits: [{ type: 'Pod', max: { cpu: '1' } }] } })).toEqual(
      [],
    );
    expect(defaultedResources({})).toEqual([]);
  });

  it('compares quantities by value', () => {
    const a = { defaultRequest: { cpu: '1000m', memory: '1024Mi' }, default: {} };
    const b = { defaultRequest: { cpu: '1', memory: '1Gi' }, default: {} };
    expect(sameDefaults(a, b)).toBe(true);
    expect(sameDefaults(a, { ...b, default: { cpu: '1' } })).toBe(false);
    expect(sameDefaults(a, { ...b, defaultRequest: { cpu: '1' } })).toBe(false);
    expect(sameDefaults(a, { ...b, defaultRequest: { cpu: '2', memory: '1Gi' } })).toBe(false);
  });
});

describe('limitRangeManifest', () => {
  it('is exactly the fields profile-guard owns', () => {
    expect(
      limitRangeManifest('alice', {
        defaultRequest: { cpu: '100m', memory: '256Mi' },
        default: {},
      }),
    ).toEqual({
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: {
        name: 'profile-guard-defaults',
        namespace: 'alice',
        labels: { 'app.kubernetes.io/managed-by': 'profile-guard' },
      },
      spec: { limits: [{ type: 'Container', defaultRequest: { cpu: '100m', memory: '256Mi' } }] },
    });
  });

  it('carries the resourceVersion of an update and the limits when there are some', () => {
    const manifest = limitRangeManifest(
      'alice',
      { defaultRequest: { cpu: '100m' }, default: { cpu: '1' } },
      '42',
    );
    expect(manifest.metadata.resourceVersion).toBe('42');
    expect(manifest.spec.limits[0]).toEqual({
      type: 'Container',
      default: { cpu: '1' },
      defaultRequest: { cpu: '100m' },
    });
  });
});

describe('planLimitRange', () => {
  const facts = (overrides: Partial<NamespaceFacts> = {}): NamespaceFacts => ({
    namespace: { terminating: false },
    demands: quotaDemands({ cpu: '4', memory: '16Gi' }),
    settings: SETTINGS,
    own: undefined,
    foreignNamesake: false,
    takenByOthers: NONE,
    ...overrides,
  });
  const wanted = { defaultRequest: { cpu: '100m', memory: '256Mi' }, default: {} };

  it('creates it in a profile namespace whose quota demands requests', () => {
    expect(planLimitRange(facts())).toEqual({ kind: 'apply', defaults: wanted });
  });

  it('does nothing when it already holds exactly that', () => {
    expect(planLimitRange(facts({ own: { defaults: wanted } }))).toEqual({ kind: 'none' });
  });

  it('updates it when the policy changed or someone edited it', () => {
    const old = { defaultRequest: { cpu: '50m', memory: '256Mi' }, default: {} };
    expect(planLimitRange(facts({ own: { defaults: old } }))).toEqual({
      kind: 'apply',
      defaults: wanted,
    });
    expect(planLimitRange(facts({ own: { defaults: undefined } }))).toEqual({
      kind: 'apply',
      defaults: wanted,
    });
  });

  it.each<[string, Partial<NamespaceFacts>]>([
    ['the feature is off', { settings: { ...SETTINGS, enabled: false } }],
    ['the Profile is gone', { demands: undefined, settings: undefined }],
    ['the quota no longer restricts cpu or memory', { demands: quotaDemands({ pods: '5' }) }],
    ['other LimitRanges default everything', { takenByOthers: new Set(['cpu', 'memory']) }],
  ])('deletes its own when %s', (_why, overrides) => {
    expect(planLimitRange(facts({ own: { defaults: wanted }, ...overrides }))).toEqual({
      kind: 'delete',
    });
    expect(planLimitRange(facts(overrides))).toEqual({ kind: 'none' });
  });

  it('never touches an object of its name that is not its own', () => {
    expect(planLimitRange(facts({ foreignNamesake: true }))).toEqual({ kind: 'blocked' });
  });

  it('does nothing in a namespace that is gone or terminating', () => {
    expect(planLimitRange(facts({ namespace: undefined }))).toEqual({ kind: 'none' });
    expect(
      planLimitRange(facts({ namespace: { terminating: true }, own: { defaults: wanted } })),
    ).toEqual({ kind: 'none' });
  });
});
