import type { KubeObject } from '../../kube-object.js';
import { createMutator, overlayChanges } from '../../mutation-engine.js';
import { asRecord } from '../../object-access.js';
import {
  PASS,
  defineRule,
  failIf,
  WRITE_OPERATIONS,
  type MutatorDefinition,
  type RuleDefinition,
  type Violation,
  lazyViolation,
} from '../../rule.js';
import { keyPath, quoteValue } from '../../validation-helpers.js';

/** Maps whose entries are written `map["key"]`, as every rule writes them. */
const MAP_FIELDS: ReadonlySet<string> = new Set(['labels', 'annotations', 'hard']);

/** The field path of `segments`, map entries in bracket notation. */
function fieldPath(segments: readonly string[]): string {
  let path = '';
  segments.forEach((segment, index) => {
    const parent = segments[index - 1];
    if (parent !== undefined && MAP_FIELDS.has(parent)) path = keyPath(path, segment);
    else path = path === '' ? segment : `${path}.${segment}`;
  });
  return path;
}

/**
 * The fields `after` has that `before` lacks or holds differently, with their values: where a
 * member is new, the member (its subtree whole); where both are objects, their members. Subtrees
 * `after` shares with `before` (a copy-on-write draft does) are skipped by identity, so the work
 * is what the mutations touched (an overlaid map, only the members written). Iterative.
 */
function addedFields(
  before: KubeObject,
  after: KubeObject,
): readonly { readonly path: readonly string[]; readonly value: unknown }[] {
  const out: { path: readonly string[]; value: unknown }[] = [];
  // Popped last-first; keys are pushed in reverse, so fields come out in the object's order.
  const pending: { before: unknown; after: unknown; path: readonly string[] }[] = [
    { before, after, path: [] },
  ];
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    const from = asRecord(item.before);
    const to = asRecord(item.after);
    if (item.before === undefined || from === undefined || to === undefined) {
      out.push({ path: item.path, value: item.after });
      continue;
    }
    // An overlay draft of a large map names the few members written: only those can differ.
    const changed = overlayChanges(from, to);
    for (const key of (changed === undefined ? Object.keys(to) : [...changed]).reverse()) {
      const next = to[key];
      const previous = Object.hasOwn(from, key) ? from[key] : undefined;
      if (next === previous || next === undefined) continue;
      pending.push({ before: previous, after: next, path: [...item.path, key] });
    }
  }
  return out;
}

/**
 * `profile-defaults-applied`, over the catalog's mutators (passed in: rules do not import
 * mutators). At `/validate`, the policy's Profile mutations are run again on the object as it
 * arrives; when they would change it, the mutating webhook failed or was skipped (a
 * `failurePolicy: Ignore`, a webhook configuration edited, a race with a new policy), and the
 * Profile would land without its default quota or labels. Each missing field is a violation,
 * and so is a mutation that fails here. Structural (exempt callers get defaults too) and never
 * ratcheted: only a metadata-only UPDATE (a controller removing a finalizer) passes without them.
 */
export function profileDefaultsApplied(
  mutators: readonly MutatorDefinition[],
): RuleDefinition<'profile-defaults-applied'> {
  const profileMutators = mutators.filter((mutator) => mutator.targets.includes('Profile'));
  // Its drafts are only diffed here, so every written map is overlaid, never counted: a `hard`
  // of 49 000 resources would otherwise be listed once more than the quota rules list it.
  const mutate = createMutator(profileMutators, { drafts: 'overlay' });
  return defineRule({
    id: 'profile-defaults-applied',
    targets: ['Profile'],
    operations: WRITE_OPERATIONS,
    structural: true,
    ratchets: false,
    description:
      "the Profile reaching `/validate` still lacks what `/mutate` injects (running the policy's mutations on it would change it): the mutating webhook failed or was skipped. Never ratcheted, so a Profile never lands without its default quota and labels",
    clusterState: 'none',
    check: (ctx) => {
      const result = mutate({ ...ctx.input, object: ctx.object }, ctx.policy, ctx.cluster);
      if (result === undefined) return PASS;
      const policy = `policy ${quoteValue(ctx.policy.name)}`;
      const violations: Violation[] = result.errors.map(({ id, path, message }) => {
        return {
          path,
          message: `${path} cannot be given its defaults: the ${id} mutation of ${policy} fails (${message})`,
        };
      });
      // The label and annotation mutations leave a map that is no object alone (a string, a
      // list): nothing can be added to it, so a Profile sent that way would land without them.
      const { labels, annotations } = ctx.policy.spec.profiles;
      for (const [field, entries] of [
        ['labels', labels],
        ['annotations', annotations],
      ] as const) {
        const map: unknown = asRecord(ctx.object.metadata)?.[field] ?? undefined;
        if (map === undefined || asRecord(map) !== undefined) continue;
        if (Object.keys(entries).length === 0) continue;
        violations.push({
          path: `metadata.${field}`,
          message: `metadata.${field} ${quoteValue(map)} is not a map, so profiles.${field} (${policy}) cannot be added to it`,
        });
      }
      for (const { path: segments, value } of addedFields(ctx.object, result.mutated)) {
        const path = fieldPath(segments);
        violations.push(
          lazyViolation(
            path,
            () =>
              `${path} lacks ${quoteValue(value)}, which /mutate injects under ${policy}: the mutating webhook failed or was skipped`,
          ),
        );
      }
      return failIf(violations);
    },
  });
}
