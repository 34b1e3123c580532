import type { DecisionInput, DecisionRecord } from '../observability/decision-record.js';
import type { KubeObject } from '../policy/kube-object.js';

/**
 * The members of `metadata` the decision observers read from `DecisionInput.object`: Events
 * and reports name the object by `uid`, reports use `generateName` for an object not yet named.
 * Nothing else of the object is read after the decision (the metrics and the decision log read
 * only the other fields of the input), so nothing else crosses back from the decision worker.
 */
export const OBSERVED_METADATA = ['uid', 'generateName'] as const;

/**
 * `input` with its `object` cut down to {@link OBSERVED_METADATA}: what the observers of an
 * offloaded decision get, so that sending the record back to the main thread costs the same for a
 * 3 MiB object as for a small one.
 */
export function trimInput(input: DecisionInput): DecisionInput {
  return { ...input, object: trimObject(input.object) };
}

/** `record` with a trimmed input (see {@link trimInput}). */
export function trimRecord(record: DecisionRecord): DecisionRecord {
  return {
    webhook: record.webhook,
    input: trimInput(record.input),
    decision: record.decision,
    policy: record.policy,
    evaluation: record.evaluation,
    mutation: record.mutation,
    error: record.error,
    durationSeconds: record.durationSeconds,
  };
}

function trimObject(object: KubeObject | undefined): KubeObject | undefined {
  if (object === undefined) return undefined;
  const metadata: unknown = object.metadata;
  const kept: Record<string, unknown> = {};
  if (typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata)) {
    for (const key of OBSERVED_METADATA) {
      const value: unknown = (metadata as Record<string, unknown>)[key];
      if (typeof value === 'string') kept[key] = value;
    }
  }
  return { metadata: kept };
}
