import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The lint boundaries: eslint.config.js is plain JavaScript, so its table is typed here. */
const ESLINT_CONFIG = '../../eslint.config.js';
const { LAYERS } = (await import(ESLINT_CONFIG)) as {
  LAYERS: Readonly<Record<string, { readonly imports: readonly string[] }>>;
};

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The rows of the README's architecture table: layer folder -> the folders it may import. */
function readmeLayers(): Map<string, string[]> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('<!-- section: architecture -->');
  const end = readme.indexOf('<!-- /section: architecture -->');
  expect(start).toBeGreaterThanOrEqual(0);
  const rows = new Map<string, string[]>();
  for (const line of readme.slice(start, end).split('\n')) {
    const cells = /^\| `([a-z-]+)\/` \|.*\| ([^|]*) \|$/.exec(line);
    if (cells === null) continue;
    const imports = [...cells[2]!.matchAll(/`([a-z-]+)\/`/g)].map((match) => match[1]!);
    rows.set(cells[1]!, imports);
  }
  return rows;
}

describe('architecture: the README table, the lint boundaries and src/ agree', () => {
  const folders = readdirSync(join(ROOT, 'src'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();

  it('every folder of src/ is a layer of the lint boundaries, and nothing else is', () => {
    expect(Object.keys(LAYERS).sort()).toEqual(folders);
  });

  it('every folder of src/ is a row of the README table, and nothing else is', () => {
    expect([...readmeLayers().keys()].sort()).toEqual(folders);
  });

  it.each(Object.keys(LAYERS))('%s/ may import the same layers in both', (layer) => {
    expect(readmeLayers().get(layer)?.slice().sort()).toEqual([...LAYERS[layer]!.imports].sort());
  });

  it('no file sits directly in src/: each belongs to a layer', () => {
    const files = readdirSync(join(ROOT, 'src'), { withFileTypes: true }).filter((entry) =>
      entry.isFile(),
    );
    expect(files.map((entry) => entry.name)).toEqual([]);
  });
});
