import { RULE_IDS } from '../policy/rule-ids.js';
import { applySchema, PROFILE_POLICY_SCHEMA } from './policy-schema.js';

type SchemaNode = Record<string, unknown> & {
  properties?: Record<string, SchemaNode>;
  definitions?: Record<string, SchemaNode>;
};
const schema = PROFILE_POLICY_SCHEMA as SchemaNode;

describe('the ProfilePolicy schema', () => {
  it('lists exactly the contract rule ids under ruleModes', () => {
    const ruleModes = schema.properties!.spec!.properties!.ruleModes!;
    expect(Object.keys(ruleModes.properties!)).toEqual([...RULE_IDS]);
    expect(ruleModes.additionalProperties).toBe(false);
  });

  it('gives every node a type (structural), except refs and the int-or-string quantity', () => {
    const untyped: string[] = [];
    const walk = (node: SchemaNode, path: string): void => {
      if (!('type' in node) && !('$ref' in node)) untyped.push(path);
      for (const [key, child] of Object.entries(node.properties ?? {}))
        walk(child, `${path}.${key}`);
      for (const [key, child] of Object.entries(node.definitions ?? {})) walk(child, `#${key}`);
      for (const key of ['items', 'additionalProperties'] as const) {
        const child = node[key];
        if (typeof child === 'object' && child !== null)
          walk(child as SchemaNode, `${path}.${key}`);
      }
    };
    walk(schema, '');
    expect(untyped).toEqual([]);
  });

  it('fills defaults in place and reports nothing for a valid document', () => {
    const document: Record<string, unknown> = {
      apiVersion: 'profile-guard.io/v1alpha1',
      kind: 'ProfilePolicy',
    };
    expect(applySchema(document)).toEqual([]);
    expect(document).toHaveProperty('spec.authorizationPolicies.userIdHeader', 'kubeflow-userid');
  });

  it('brackets keys that are not plain words in field paths', () => {
    expect(
      applySchema({
        apiVersion: 'profile-guard.io/v1alpha1',
        kind: 'ProfilePolicy',
        spec: { profiles: { labels: { 'app.kubernetes.io/name': 3 } }, exemptions: { users: [1] } },
      }),
    ).toEqual([
      'spec.exemptions.users[0]: must be a string, got an integer',
      'spec.profiles.labels["app.kubernetes.io/name"]: must be a string, got an integer',
    ]);
  });
});
