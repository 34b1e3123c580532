import type { ClusterSnapshot } from './cluster-snapshot.js';
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
 * Builds a mutator over a catalog. Each mutator edits its own clone of the previous result so a
 * mutator that throws halfway leaves no partial edit behind. Mutation applies to every caller.
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
    if (input.object === undefined) return undefined;
    let current: KubeObject = structuredClone(input.object);
    const applied: string[] = [];
    const errors: { id: string; message: string }[] = [];
    for (const mutator of byTarget.get(input.target) ?? []) {
      const draft = structuredClone(current);
      try {
        mutator.apply(
          { input, object: current, oldObject: input.oldObject, policy, cluster, run: 'request' },
          draft,
        );
        current = draft;
        applied.push(mutator.id);
      } catch (error) {
        errors.push({
          id: mutator.id,
          message: error instanceof Error ? error.message : String(error),
        });
      }
    }
    return { mutated: current, applied, errors };
  };
}
