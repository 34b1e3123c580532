import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../../', import.meta.url));
const script = fileURLToPath(new URL('../../scripts/generate-crd.mjs', import.meta.url));
const crdPath = fileURLToPath(
  new URL('../../charts/profile-guard/crds/profilepolicy.yaml', import.meta.url),
);
const schemaPath = fileURLToPath(
  new URL('../../schemas/profile-policy.schema.json', import.meta.url),
);

type Node = Record<string, unknown>;

describe('the ProfilePolicy CRD', () => {
  it('is what scripts/generate-crd.mjs generates from the schema (run npm run generate:crd)', async () => {
    const run = promisify(execFile);
    await expect(run(process.execPath, [script, '--check'], { cwd: root })).resolves.toBeDefined();
  });

  it('is cluster-scoped profilepolicies.profile-guard.io, v1alpha1 served and stored', async () => {
    const crd = parse(await readFile(crdPath, 'utf8')) as Node;
    expect(crd).toMatchObject({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'profilepolicies.profile-guard.io' },
      spec: {
        group: 'profile-guard.io',
        scope: 'Cluster',
        names: {
          kind: 'ProfilePolicy',
          plural: 'profilepolicies',
          singular: 'profilepolicy',
          shortNames: ['ppol'],
        },
        versions: [
          {
            name: 'v1alpha1',
            served: true,
            storage: true,
            subresources: { status: {} },
            additionalPrinterColumns: [
              { name: 'Mode', type: 'string', jsonPath: '.spec.defaultMode' },
              { name: 'Priority', type: 'integer', jsonPath: '.spec.priority' },
              {
                name: 'Ready',
                type: 'string',
                jsonPath: '.status.conditions[?(@.type=="Ready")].status',
              },
              { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
            ],
          },
        ],
      },
    });
  });

  it('has a structural schema: one type per node, no refs, no additionalProperties: false', async () => {
    const crd = parse(await readFile(crdPath, 'utf8')) as {
      spec: { versions: { schema: { openAPIV3Schema: Node } }[] };
    };
    const problems: string[] = [];
    let intOrString = 0;
    const walk = (node: Node, path: string): void => {
      for (const key of Object.keys(node)) {
        if (key.startsWith('$') || key === 'const' || key === 'definitions') {
          problems.push(`${path}: ${key}`);
        }
      }
      if (node['x-kubernetes-int-or-string'] === true) {
        intOrString += 1;
        if ('type' in node) problems.push(`${path}: int-or-string with a type`);
      } else if (typeof node.type !== 'string') {
        problems.push(`${path}: no single type`);
      }
      if (node.additionalProperties === false) problems.push(`${path}: additionalProperties false`);
      if (node.additionalProperties !== undefined && node.properties !== undefined) {
        problems.push(`${path}: both properties and additionalProperties`);
      }
      for (const [key, child] of Object.entries((node.properties ?? {}) as Record<string, Node>)) {
        walk(child, `${path}.${key}`);
      }
      if (typeof node.items === 'object') walk(node.items as Node, `${path}[]`);
      if (typeof node.additionalProperties === 'object') {
        walk(node.additionalProperties as Node, `${path}.*`);
      }
    };
    const [version] = crd.spec.versions;
    walk(version!.schema.openAPIV3Schema, '');
    expect(problems).toEqual([]);
    // quota.defaults and quota.max values; limitRange.defaultRequest and defaultLimit cpu, memory
    expect(intOrString).toBe(6);
  });

  it('keeps the schema defaults and every rule id', async () => {
    interface Schema {
      default?: unknown;
      properties: Record<string, Schema>;
    }
    const crd = parse(await readFile(crdPath, 'utf8')) as {
      spec: { versions: { schema: { openAPIV3Schema: Schema } }[] };
    };
    const schema = JSON.parse(await readFile(schemaPath, 'utf8')) as Schema;
    const spec = crd.spec.versions[0]!.schema.openAPIV3Schema.properties.spec!;
    expect(spec.default).toEqual({});
    expect(spec.properties.defaultMode!.default).toBe('Enforce');
    expect(spec.properties.bindings!.properties.protected!.default).toEqual([
      'namespaceAdmin',
      'default-editor',
      'default-viewer',
      'ns-owner-access-istio',
      'waypoint-l4-access',
    ]);
    expect(Object.keys(spec.properties.ruleModes!.properties)).toEqual(
      Object.keys(schema.properties.spec!.properties.ruleModes!.properties),
    );
  });
});
