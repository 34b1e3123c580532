import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const CHART = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'charts', 'profile-guard');

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: unknown;
}

const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as SchemaNode;
const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as unknown;
const readme = readFileSync(join(CHART, 'README.md'), 'utf8');

/** Leaf values: the properties of the schema's closed objects, with their values.yaml default. */
function leaves(node: SchemaNode, value: unknown, path: string): [string, unknown][] {
  const closed = node.type === 'object' && node.properties && node.additionalProperties === false;
  if (!closed || path === 'certs.certManager.issuerRef') return [[path, value]];
  return Object.entries(node.properties ?? {})
    .filter(([key]) => !(path === '' && key === 'global'))
    .flatMap(([key, child]) =>
      leaves(
        child,
        typeof value === 'object' && value !== null
          ? (value as Record<string, unknown>)[key]
          : undefined,
        path === '' ? key : `${path}.${key}`,
      ),
    );
}

const rows = new Map(
  readme
    .split('\n')
    .map((line) => /^\| `([^`]+)` \| (.*?) \| (.+) \|$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => [match[1]!, { default: match[2]!, description: match[3]! }]),
);

describe('charts/profile-guard/README.md', () => {
  const all = leaves(schema, values, '');

  it('lists every value with a description', () => {
    expect(all.length).toBeGreaterThan(90);
    const missing = all.map(([path]) => path).filter((path) => !rows.has(path));
    expect(missing).toEqual([]);
    for (const [path] of all) expect(rows.get(path)!.description.length).toBeGreaterThan(5);
  });

  it("shows each scalar value's default as values.yaml has it", () => {
    for (const [path, value] of all) {
      if (typeof value === 'object' && value !== null) continue;
      const shown = value === '' ? '`""`' : `\`${String(value)}\``;
      expect(`${path}: ${rows.get(path)?.default ?? ''}`).toBe(`${path}: ${shown}`);
    }
  });

  it('has a default in values.yaml for every value the schema declares', () => {
    // values.yaml against the closed schema (chart-values.test.ts) is the other direction.
    expect(all.filter(([, value]) => value === undefined).map(([path]) => path)).toEqual([]);
  });

  it.each([
    [
      'helm test',
      '## Testing an installation (`helm test`)',
      ['test.enabled', 'test.timeoutSeconds'],
    ],
    ['the CRD upgrade path', '## Upgrading the CRD', ['crds.upgradeJob.enabled', 'hooks.image']],
    [
      'the namespace opt-out',
      '## Namespace opt-out',
      ['namespaceOptOut.label', 'namespaceOptOut.guard.groups', 'namespaceOptOut.guard.users'],
    ],
    [
      'the HorizontalPodAutoscaler',
      '## Autoscaling',
      ['autoscaling.enabled', 'autoscaling.minReplicas'],
    ],
    ['annotations', '## Annotations', ['webhookAnnotations', 'podAnnotations']],
    ['the uninstall hooks', '## Uninstall hooks', ['cleanup.enabled', 'cleanup.limitRanges']],
  ])('explains %s in a section that names its values', (_what, heading, names) => {
    const start = readme.indexOf(`\n${heading}\n`);
    expect(start).toBeGreaterThan(0);
    const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
    const known = new Set(all.map(([path]) => path));
    for (const name of names) {
      expect(known.has(name) || [...known].some((path) => path.startsWith(`${name}.`))).toBe(true);
      expect(`${heading} names ${name}: ${String(section.includes(`\`${name}`))}`).toBe(
        `${heading} names ${name}: true`,
      );
    }
  });

  it('lists no value that does not exist', () => {
    const known = new Set(all.map(([path]) => path));
    const valuesSection = readme.slice(readme.indexOf('## Values'));
    const listed = [...valuesSection.matchAll(/^\| `([^`]+)` \|/gm)].map((match) => match[1]!);
    expect(listed.filter((path) => !known.has(path))).toEqual([]);
  });
});
