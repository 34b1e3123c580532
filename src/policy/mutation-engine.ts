import type { ClusterSnapshot } from './cluster-snapshot.js';
import { cloneJson } from './json-clone.js';
import type { KubeObject } from './kube-object.js';
import type { Policy } from './policy-spec.js';
import type { AdmissionInput, TargetKind } from './request.js';
import type { MutatorDefinition } from './rule.js';

/** The result of mutating one object. */
export interface MutationResult {
  /** The edited deep clone (equal in content to the input when nothing applied). */
  readonly mutated: KubeObject;
  /** Ids of mutators that ran without error. */
  readonly applied: readonly string[];
  /** Mutators that threw: their partial edits are discarded and the error is reported. */
  readonly errors: readonly { readonly id: string; readonly message: string }[];
}

/** Mutates one request's object; undefined when there is nothing to mutate (DELETE, no object). */
export type Mutator = (
  input: AdmissionInput,
  policy: Policy,
  cluster: ClusterSnapshot,
) => MutationResult | undefined;

/**
 * Builds a mutator over a catalog. The mutators run in catalog order on one deep clone of the
 * request's object; each sees the edits of those before it, as `ctx.object` and as its draft (the
 * same object). A mutator that throws halfway leaves no partial edit behind: the clone is rebuilt
 * from the request's object by replaying the mutators that succeeded, and the rest go on. Throws
 * are rare, so the common path pays for a single clone. Mutation applies to every caller.
 */
export function createMutator(mutators: readonly MutatorDefinition[]): Mutator {
  const byTarget = new Map<TargetKind, MutatorDefinition[]>();
  for (const mutator of mutators) {
    for (const target of mutator.targets) {
      byTarget.set(target, [...(byTarget.get(target) ?? []), mutator]);
    }
  }
  return (input, policy, cluster) => {
    if (input.operation !== 'CREATE' && input.operation !== 'UPDATE') return undefined;
    const object = input.object;
    if (object === undefined) return undefined;
    const apply = (mutator: MutatorDefinition, draft: KubeObject): void => {
      mutator.apply(
        { input, object: draft, oldObject: input.oldObject, policy, cluster, run: 'request' },
        draft,
      );
    };
    let draft = cloneJson(object);
    const done: MutatorDefinition[] = [];
    const errors: { id: string; message: string }[] = [];
    for (const mutator of byTarget.get(input.target) ?? []) {
      try {
        apply(mutator, draft);
        done.push(mutator);
      } catch (error) {
        errors.push({
          id: mutator.id,
          message: error instanceof Error ? error.message : String(error),
        });
        draft = replay(object, done, apply);
      }
    }
    return { mutated: draft, applied: done.map((mutator) => mutator.id), errors };
  };
}

/**
 * A fresh clone of `object` with `mutators` applied again. They succeeded once on the same input
 * and are pure, so they succeed again; should one not, the unmutated clone is returned (an error
 * is already reported, so the caller sends no patch either way).
 */
function replay(
  object: KubeObject,
  mutators: readonly MutatorDefinition[],
  apply: (mutator: MutatorDefinition, draft: KubeObject) => void,
): KubeObject {
  const draft = cloneJson(object);
  try {
    for (const mutator of mutators) apply(mutator, draft);
    return draft;
  } catch {
    return cloneJson(object);
  }
}
