import { pino } from 'pino';
import { EMBEDDED_DEFAULT_POLICY } from '../config/default-policy.js';
import type { NativeObjectStore } from '../kube/native-sync.js';
import type { Policy } from '../policy/policy-spec.js';
import { testPolicy } from '../policy/test-support/test-policy.js';
import { generateNativePolicies } from '../native/generate.js';
import { nativeDesiredSet, servedNativeObjects, startNativeSync } from './native-policies.js';
import type { PolicySource } from './policy-source.js';

function source(policies: readonly Policy[], fallback: Policy, loaded = true) {
  const listeners: (() => void)[] = [];
  const value: PolicySource & { changed(): void } = {
    provider: { select: () => fallback },
    forProfile: () => fallback,
    subscribe: (listener) => {
      listeners.push(listener);
    },
    inForce: () => ({ policies, fallback }),
    loaded: () => loaded,
    description: 'test',
    close: () => undefined,
    changed: () => {
      for (const listener of listeners) listener();
    },
  };
  return value;
}

const named = (name: string, policy: Policy): Policy => ({ ...policy, name });
const kinds = (objects: readonly { kind?: unknown; metadata?: { name?: unknown } }[]) =>
  objects.map((object) => `${String(object.kind)}/${String(object.metadata?.name)}`);

describe('nativeDesiredSet', () => {
  const on = { mode: 'on', prefix: 'pg' } as const;

  it('waits until the policies in force are known', () => {
    expect(nativeDesiredSet(source([], EMBEDDED_DEFAULT_POLICY, false), on)).toBeUndefined();
  });

  it('off: nothing should exist, known or not', () => {
    expect(
      nativeDesiredSet(source([], EMBEDDED_DEFAULT_POLICY, false), { mode: 'off', prefix: 'pg' }),
    ).toEqual({ policy: { name: '', generation: 0 }, objects: [] });
  });

  it('the file or the embedded default: its policies, without bindings, under the prefix', () => {
    const desired = nativeDesiredSet(source([], EMBEDDED_DEFAULT_POLICY), on);
    expect(desired?.policy).toEqual({ name: 'default', generation: 1 });
    expect(kinds(desired?.objects ?? [])).toEqual([
      'ValidatingAdmissionPolicy/pg-profiles-enforce',
      'ValidatingAdmissionPolicy/pg-profiles-ratcheted',
      'ValidatingAdmissionPolicy/pg-profiles-warn',
      'MutatingAdmissionPolicy/pg-profiles-defaults',
    ]);
    // No condition but the mutation's own (it runs only when a default is missing).
    for (const object of desired?.objects ?? []) {
      expect(
        ((object.spec as { matchConditions?: { name: string }[] }).matchConditions ?? []).map(
          (condition) => condition.name,
        ),
      ).toEqual(object.kind === 'MutatingAdmissionPolicy' ? ['profile-defaults-missing'] : []);
    }
  });

  it('only the Profile policies: those of RoleBindings, ClusterRoleBindings and AuthorizationPolicies are not kept', () => {
    const generated = generateNativePolicies(EMBEDDED_DEFAULT_POLICY, { namePrefix: 'pg' }).objects;
    // The generator makes them (profile-guard native prints them) ...
    expect(kinds(generated)).toEqual(
      expect.arrayContaining([
        'ValidatingAdmissionPolicy/pg-rolebindings-enforce',
        'ValidatingAdmissionPolicy/pg-clusterrolebindings-enforce',
        'ValidatingAdmissionPolicy/pg-authorizationpolicies-enforce',
      ]),
    );
    // ... serve does not keep them, nor any binding.
    expect(kinds(servedNativeObjects(generated, 'pg'))).toEqual([
      'ValidatingAdmissionPolicy/pg-profiles-enforce',
      'ValidatingAdmissionPolicy/pg-profiles-ratcheted',
      'ValidatingAdmissionPolicy/pg-profiles-warn',
      'MutatingAdmissionPolicy/pg-profiles-defaults',
    ]);
    expect(servedNativeObjects(generated, 'other')).toEqual([]);
  });

  it('cluster policies: the selector-less one, leaving out what a selector policy governs', () => {
    const fallback = named('fallback', testPolicy({ priority: 1 }));
    const team = named('team', testPolicy({ selector: { matchLabels: { team: 'a' } } }));
    const desired = nativeDesiredSet(source([team, fallback], EMBEDDED_DEFAULT_POLICY), on);
    expect(desired?.policy.name).toBe('fallback');
    for (const object of desired?.objects ?? []) {
      expect(object.spec).toMatchObject({
        matchConditions: [
          {
            name: 'not-governed-by-a-selector-policy',
            expression:
              "[object.metadata.?labels.orValue({}), (request.operation == 'UPDATE' ? oldObject.metadata.?labels.orValue({}) : {})].all(l, !((('team' in l ? l['team'] == 'a' : false))))",
          },
          // The mutation's own, after it.
          ...(object.kind === 'MutatingAdmissionPolicy'
            ? [{ name: 'profile-defaults-missing' }]
            : []),
        ],
      });
    }
  });
});

describe('startNativeSync', () => {
  it('passes at once and again whenever the policies change', async () => {
    const lists: string[] = [];
    const store: NativeObjectStore = {
      list: (kind) => {
        lists.push(kind);
        return Promise.resolve([]);
      },
      apply: () => Promise.resolve(),
      delete: () => Promise.resolve(),
    };
    const results: string[] = [];
    const policies = source([], EMBEDDED_DEFAULT_POLICY);
    const sync = startNativeSync({
      native: { mode: 'on', prefix: 'pg' },
      store,
      source: policies,
      logger: pino({ level: 'silent' }),
      metrics: {
        nativeSyncPassed: (result) => results.push(result),
        nativeWritten: () => undefined,
      },
      version: '1.0.0',
    });
    await sync.idle();
    policies.changed();
    await sync.idle();
    sync.stop();
    expect(results).toEqual(['written', 'written']);
    expect(lists).toEqual([
      'ValidatingAdmissionPolicy',
      'MutatingAdmissionPolicy',
      'ValidatingAdmissionPolicy',
      'MutatingAdmissionPolicy',
    ]);
  });
});
