import { createRequire } from 'node:module';
import { Ajv, type AnySchemaObject, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { formatFieldPath, type PathSegment } from './field-path.js';

// The relative path resolves to the package's schemas/ from both src/config and dist/config.
const load = createRequire(import.meta.url);

/** The ProfilePolicy JSON Schema (`schemas/profile-policy.schema.json`), the single source. */
export const PROFILE_POLICY_SCHEMA = load(
  '../../schemas/profile-policy.schema.json',
) as Readonly<AnySchemaObject>;

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, allowUnionTypes: true });
addFormats.default(ajv, ['date-time']);
// Annotations for the generated CRD; they do not validate anything here.
ajv.addVocabulary([
  'x-kubernetes-int-or-string',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
]);
// Compiled once at module load: validating a policy never compiles.
const validate = ajv.compile(PROFILE_POLICY_SCHEMA);

/**
 * Validates a ProfilePolicy document against the schema IN PLACE: missing fields receive the
 * schema's defaults (nested objects included, so `spec: {}` is fully defaulted). Returns every
 * schema error as `<dotted field path>: <message>`, or an empty list.
 */
export function applySchema(document: unknown): readonly string[] {
  if (validate(document)) return [];
  return formatSchemaErrors(validate.errors ?? [], document);
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean',
  array: 'a list',
  object: 'an object',
  null: 'null',
};

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'number' && Number.isInteger(value)) return 'an integer';
  return TYPE_NAMES[typeof value] ?? typeof value;
}

/** Turns an ajv instance path into segments, reading the document to tell indices from keys. */
function segmentsOf(instancePath: string, document: unknown): PathSegment[] {
  if (instancePath === '') return [];
  const segments: PathSegment[] = [];
  let node = document;
  for (const raw of instancePath.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      const index = Number(key);
      segments.push(index);
      node = node[index] as unknown;
    } else {
      segments.push(key);
      node =
        typeof node === 'object' && node !== null
          ? (node as Record<string, unknown>)[key]
          : undefined;
    }
  }
  return segments;
}

function valueAt(document: unknown, segments: readonly PathSegment[]): unknown {
  let node = document;
  for (const segment of segments) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<PathSegment, unknown>)[segment];
  }
  return node;
}

function describeError(error: ErrorObject, value: unknown): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type': {
      const expected = ([] as unknown[]).concat(params.type);
      if (expected.includes('string') && expected.includes('number')) {
        return `must be a Kubernetes quantity (a string or a number), got ${describeValue(value)}`;
      }
      const names = expected.map((type) => TYPE_NAMES[String(type)] ?? String(type));
      return `must be ${names.join(' or ')}, got ${describeValue(value)}`;
    }
    case 'enum':
      return `must be one of ${([] as unknown[]).concat(params.allowedValues).map(String).join(', ')}`;
    case 'const':
      return `must be ${String(params.allowedValue)}`;
    case 'minimum':
      return `must be >= ${String(params.limit)}`;
    case 'minLength':
      return params.limit === 1
        ? 'must not be empty'
        : `must be at least ${String(params.limit)} characters`;
    case 'maxLength':
      return `must be at most ${String(params.limit)} characters`;
    case 'pattern':
      return `must match ${String(params.pattern)}`;
    case 'format':
      return `must be a ${String(params.format)}`;
    default:
      return error.message ?? `fails ${error.keyword}`;
  }
}

/**
 * Formats ajv errors as `<dotted path>: <message>`; an unknown key is `<path>.<key>: unknown
 * field` (`unknown rule id` under `ruleModes`), a missing one `<path>.<key>: is required`. A
 * value with the wrong type reports only that, not the checks its type made meaningless.
 */
function formatSchemaErrors(errors: readonly ErrorObject[], document: unknown): string[] {
  const typeErrorPaths = new Set(
    errors.filter((error) => error.keyword === 'type').map((error) => error.instancePath),
  );
  const messages: string[] = [];
  for (const error of errors) {
    if (error.keyword !== 'type' && typeErrorPaths.has(error.instancePath)) continue;
    const segments = segmentsOf(error.instancePath, document);
    const params = error.params as Record<string, unknown>;
    let message: string;
    if (error.keyword === 'additionalProperties') {
      const key = String(params.additionalProperty);
      const underRuleModes = error.instancePath === '/spec/ruleModes';
      message = `${formatFieldPath([...segments, key])}: ${underRuleModes ? 'unknown rule id' : 'unknown field'}`;
    } else if (error.keyword === 'required') {
      message = `${formatFieldPath([...segments, String(params.missingProperty)])}: is required`;
    } else {
      message = `${formatFieldPath(segments)}: ${describeError(error, valueAt(document, segments))}`;
    }
    if (!messages.includes(message)) messages.push(message);
  }
  return messages;
}
