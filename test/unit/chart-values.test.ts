import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import { parse } from 'yaml';
import { EMBEDDED_DEFAULT_POLICY } from '../../src/config/default-policy.js';
import { parsePolicyDocument } from '../../src/config/parse-policy.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHART = join(ROOT, 'charts', 'profile-guard');
const VARIANTS_DIR = join(ROOT, 'test', 'chart-values');

type Values = Record<string, unknown>;

const isMap = (value: unknown): value is Values =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Helm's coalescing of a user values file over the chart's: maps merge, lists and scalars
 * replace, null deletes the key. */
function helmMerge(base: Values, override: Values): Values {
  const out: Values = {};
  for (const key of new Set([...Object.keys(base), ...Object.keys(override)])) {
    const value = key in override ? override[key] : base[key];
    if (value === null) continue;
    const under = base[key];
    out[key] = isMap(value) && isMap(under) && key in override ? helmMerge(under, value) : value;
  }
  return out;
}

const readYaml = (path: string): Values => {
  const parsed: unknown = parse(readFileSync(path, 'utf8'));
  if (!isMap(parsed)) throw new Error(`${path}: not a YAML map`);
  return parsed;
};

const chartValues = readYaml(join(CHART, 'values.yaml'));
const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);
const variantFiles = readdirSync(VARIANTS_DIR).filter((name) => name.endsWith('.yaml'));

function errorsOf(values: Values): string[] {
  if (validate(values)) return [];
  return (validate.errors ?? []).map(
    (error: ErrorObject) => `${error.instancePath || '/'} ${error.message ?? ''}`,
  );
}

function withOverride(override: Values): Values {
  return helmMerge(structuredClone(chartValues), override);
}

function policyFrom(values: Values) {
  const policy = values.policy as { spec: unknown; name: string };
  return parsePolicyDocument({
    apiVersion: 'profile-guard.io/v1alpha1',
    kind: 'ProfilePolicy',
    metadata: { name: policy.name },
    spec: policy.spec,
  });
}

describe('values.schema.json', () => {
  it('declares draft-07 and closes the top level', () => {
    expect(schema).toMatchObject({
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      additionalProperties: false,
    });
  });

  it("accepts the chart's values.yaml", () => {
    expect(errorsOf(chartValues)).toEqual([]);
  });

  it('has the five documented variants', () => {
    expect(variantFiles.sort()).toEqual([
      'certs-scripts.yaml',
      'default.yaml',
      'ha.yaml',
      'hooks.yaml',
      'monitoring.yaml',
      'native.yaml',
    ]);
  });

  it.each(variantFiles)('accepts test/chart-values/%s merged over values.yaml', (file) => {
    expect(errorsOf(withOverride(readYaml(join(VARIANTS_DIR, file))))).toEqual([]);
  });

  it.each<[string, Values, string]>([
    ['an unknown top-level key', { replica: 3 }, '/ must NOT have additional properties'],
    ['an unknown nested key', { webhooks: { timeout: 5 } }, '/webhooks must NOT have additional'],
    ['replicas 0', { replicas: 0 }, '/replicas must be >= 1'],
    ['replicas as a string', { replicas: '2' }, '/replicas must be integer'],
    [
      'a failurePolicy outside Fail|Ignore',
      { webhooks: { validate: { bindings: { failurePolicy: 'Maybe' } } } },
      '/webhooks/validate/bindings/failurePolicy must be equal to one of the allowed values',
    ],
    ['an unknown certs.mode', { certs: { mode: 'manual' } }, '/certs/mode must be equal to one'],
    [
      'a webhook timeout above 30',
      { webhooks: { timeoutSeconds: 31 } },
      '/webhooks/timeoutSeconds',
    ],
    [
      'an ECDSA key of an RSA size',
      { certs: { certManager: { privateKey: { algorithm: 'ECDSA', size: 2048 } } } },
      '/certs/certManager/privateKey/size must be equal to one of the allowed values',
    ],
    [
      'a duration cert-manager cannot parse',
      { certs: { certManager: { serving: { duration: '90d' } } } },
      '/certs/certManager/serving/duration must match pattern',
    ],
    ['an image digest without sha256:', { image: { digest: 'abc' } }, '/image/digest must match'],
    ['an unknown podAntiAffinity preset', { podAntiAffinity: 'always' }, '/podAntiAffinity'],
    [
      'a non-string label value',
      { profileNamespaces: { label: { team: 1 } } },
      '/profileNamespaces/label/team must be string',
    ],
    [
      'an issuerRef kind without a name',
      { certs: { certManager: { issuerRef: { kind: 'ClusterIssuer' } } } },
      '/certs/certManager/issuerRef must have property name when property kind is present',
    ],
  ])('rejects %s', (_what, override, expected) => {
    const errors = errorsOf(withOverride(override));
    expect(errors.some((error) => error.startsWith(expected))).toBe(true);
  });

  it('describes every property it declares', () => {
    const undocumented: string[] = [];
    const walk = (node: Values, path: string) => {
      const properties = node.properties;
      if (!isMap(properties)) return;
      for (const [key, child] of Object.entries(properties)) {
        if (!isMap(child)) continue;
        if (typeof child.description !== 'string' || child.description === '') {
          undocumented.push(`${path}${key}`);
        }
        walk(child, `${path}${key}.`);
      }
    };
    walk(schema as Values, '');
    expect(undocumented).toEqual([]);
  });
});

describe('the default ProfilePolicy of values.yaml', () => {
  it('is exactly the embedded default policy (installing the chart changes nothing enforced)', () => {
    const result = policyFrom(chartValues);
    if (!result.ok) throw new Error(result.errors.join('\n'));
    expect(result.policy.spec).toEqual(EMBEDDED_DEFAULT_POLICY.spec);
  });

  it('selects the same profile namespaces as the webhooks (profileNamespaces.label)', () => {
    const policy = chartValues.policy as { spec: { profileNamespaces: { label: unknown } } };
    const webhooks = chartValues.profileNamespaces as { label: unknown };
    expect(policy.spec.profileNamespaces.label).toEqual(webhooks.label);
  });

  it.each(variantFiles)('is a valid ProfilePolicy in %s', (file) => {
    const values = withOverride(readYaml(join(VARIANTS_DIR, file)));
    const policy = values.policy as {
      create: boolean;
      file: { enabled: boolean; content: unknown };
    };
    if (policy.create) {
      const result = policyFrom(values);
      expect(result.ok ? [] : result.errors).toEqual([]);
    }
    if (policy.file.enabled) {
      const result = parsePolicyDocument(policy.file.content);
      expect(result.ok ? [] : result.errors).toEqual([]);
    }
  });

  it('starts the rollout variant in Warn mode', () => {
    const result = policyFrom(withOverride(readYaml(join(VARIANTS_DIR, 'ha.yaml'))));
    expect(result.ok && result.policy.spec.defaultMode).toBe('Warn');
  });
});
