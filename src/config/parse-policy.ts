import type { Policy, PolicySpec } from '../policy/policy-spec.js';
import { deepFreeze } from './deep-freeze.js';
import { applySchema } from './policy-schema.js';
import { semanticErrors } from './semantic-checks.js';

/** A policy ready for use, or every reason it is not. */
export type PolicyParseResult =
  | { readonly ok: true; readonly policy: Policy }
  | { readonly ok: false; readonly errors: readonly string[] };

interface DefaultedDocument {
  metadata?: { name?: string; generation?: number };
  spec: PolicySpec;
}
type QuantityMap = Record<string, string | number>;

/** Quantities may be YAML numbers; rules read them as strings. */
function stringifyQuantities(map: QuantityMap): void {
  for (const [key, value] of Object.entries(map)) map[key] = String(value);
}

/**
 * Turns a ProfilePolicy document (from a file or a cluster object) into a deep-frozen Policy.
 * Works on a deep clone; fills every default from the schema; then checks what the schema cannot
 * (the name pattern compiles, quantities parse, `namespace/name` references, label syntax,
 * selector operators). Lists ALL errors at once, each as `<dotted field path>: <message>`.
 * The name is `metadata.name`, else `default`; the generation `metadata.generation`, else
 * `options.generation`, else 1. `status` is ignored.
 */
export function parsePolicyDocument(
  doc: unknown,
  options: { readonly generation?: number } = {},
): PolicyParseResult {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return { ok: false, errors: ['policy: must be a ProfilePolicy object'] };
  }
  let document: unknown;
  try {
    document = structuredClone(doc);
  } catch {
    return { ok: false, errors: ['policy: must be plain data (YAML or JSON)'] };
  }
  const errors = [...applySchema(document), ...semanticErrors(document)];
  if (errors.length > 0) return { ok: false, errors };

  // The schema accepted it and filled every default, so it has the PolicySpec shape.
  const valid = document as DefaultedDocument;
  const quota = valid.spec.profiles.quota as unknown as Record<'defaults' | 'max', QuantityMap>;
  stringifyQuantities(quota.defaults);
  stringifyQuantities(quota.max);
  const limitRange = valid.spec.profiles.limitRange as unknown as Record<
    'defaultRequest' | 'defaultLimit',
    QuantityMap
  >;
  stringifyQuantities(limitRange.defaultRequest);
  stringifyQuantities(limitRange.defaultLimit);
  return {
    ok: true,
    policy: deepFreeze({
      name: valid.metadata?.name ?? 'default',
      generation: valid.metadata?.generation ?? options.generation ?? 1,
      spec: valid.spec,
    }),
  };
}
