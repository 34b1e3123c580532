// Writes the README's table of which rule is native, and why not where it is not, between the
// `generated: native-rules` markers, from the built native catalog (dist/native/native-catalog.js:
// nativeRulesMarkdown, one row per rule of the catalog, in catalog order).
//   node scripts/generate-native-rules.mjs          write it (after npm run build)
//   node scripts/generate-native-rules.mjs --check  exit 1 when the README's copy is stale
// `npm run generate` builds and runs this; test/unit/readme-native.test.ts fails when it is stale.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const README_PATH = fileURLToPath(new URL('../README.md', import.meta.url));
const NATIVE_CATALOG_PATH = fileURLToPath(
  new URL('../dist/native/native-catalog.js', import.meta.url),
);

/** The README with the text between the markers replaced by `table`. */
export function withNativeTable(
  /** @type {string} */ readme,
  /** @type {string} */ table,
  /** @type {string} */ start,
  /** @type {string} */ end,
) {
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) {
    throw new Error(`${README_PATH}: the markers ${start} … ${end} are missing`);
  }
  return `${readme.slice(0, from + start.length)}\n${table}\n${readme.slice(to)}`;
}

/** The README as it should be, from the built native catalog. */
export async function generate() {
  if (!existsSync(NATIVE_CATALOG_PATH)) {
    throw new Error(`${NATIVE_CATALOG_PATH} is missing; run: npm run generate (it builds first)`);
  }
  const { nativeRulesMarkdown, NATIVE_RULES_START, NATIVE_RULES_END } = await import(
    pathToFileURL(NATIVE_CATALOG_PATH).href
  );
  const readme = await readFile(README_PATH, 'utf8');
  return withNativeTable(readme, nativeRulesMarkdown(), NATIVE_RULES_START, NATIVE_RULES_END);
}

async function main() {
  const text = await generate();
  const committed = await readFile(README_PATH, 'utf8');
  if (committed === text) return;
  if (process.argv.includes('--check')) {
    console.error(
      `${README_PATH}: the table of native rules is out of date; run: npm run generate`,
    );
    process.exitCode = 1;
  } else {
    await writeFile(README_PATH, text);
    console.log(`wrote ${README_PATH}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
