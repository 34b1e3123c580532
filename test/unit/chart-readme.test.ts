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

  it('lists no value that does not exist', () => {
    const known = new Set(all.map(([path]) => path));
    const valuesSection = readme.slice(readme.indexOf('## Values'));
    const listed = [...valuesSection.matchAll(/^\| `([^`]+)` \|/gm)].map((match) => match[1]!);
    expect(listed.filter((path) => !known.has(path))).toEqual([]);
  });
});
