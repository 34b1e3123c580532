// Writes the README's copy of the per-rule advice (src/cli/report/rule-advice.ts, the one source
// the HTML report also shows) between the `generated: rule-advice` markers, one line per rule of
// the built catalog, in catalog order.
//   node scripts/generate-rule-advice.mjs          write it (after npm run build)
//   node scripts/generate-rule-advice.mjs --check  exit 1 when the README's copy is stale
// `npm run generate` builds and runs this.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const README_PATH = fileURLToPath(new URL('../README.md', import.meta.url));
const DIST = new URL('../dist/', import.meta.url);
const CATALOG_PATH = fileURLToPath(new URL('policy/catalog.js', DIST));
const ADVICE_PATH = fileURLToPath(new URL('cli/report/rule-advice.js', DIST));

/**
 * The README with the text between the advice markers replaced by `block`.
 * @param {string} readme
 * @param {string} block
 * @param {string} start
 * @param {string} end
 */
export function withAdvice(readme, block, start, end) {
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) {
    throw new Error(`${README_PATH}: the markers ${start} … ${end} are missing`);
  }
  return `${readme.slice(0, from + start.length)}\n${block}\n${readme.slice(to)}`;
}

/** The README as it should be, from the built catalog and advice. */
export async function generate() {
  for (const path of [CATALOG_PATH, ADVICE_PATH]) {
    if (!existsSync(path))
      throw new Error(`${path} is missing; run: npm run generate (it builds first)`);
  }
  /** @type {{ RULES: readonly { id: string }[] }} */
  const { RULES } = await import(pathToFileURL(CATALOG_PATH).href);
  const { adviceMarkdown, ADVICE_START, ADVICE_END } = await import(
    pathToFileURL(ADVICE_PATH).href
  );
  const readme = await readFile(README_PATH, 'utf8');
  return withAdvice(readme, adviceMarkdown(RULES.map((rule) => rule.id)), ADVICE_START, ADVICE_END);
}

async function main() {
  const text = await generate();
  const committed = await readFile(README_PATH, 'utf8');
  if (committed === text) return;
  if (process.argv.includes('--check')) {
    console.error(`${README_PATH}: the per-rule advice is out of date; run: npm run generate`);
    process.exitCode = 1;
  } else {
    await writeFile(README_PATH, text);
    console.log(`wrote ${README_PATH}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
