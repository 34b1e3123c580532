// Generates what the rule catalog describes, from the rules' own data (id, targets, operations,
// structural, description, clusterState) in the built catalog (dist/policy/catalog.js):
//   - schemas/profile-policy.schema.json: the keys of spec.ruleModes, one per rule, catalog order;
//   - README.md: the rule table between the `generated: rule-table` markers, and the mutation
//     table (from the catalog's MUTATORS: id, targets, description) between the
//     `generated: mutation-table` markers.
//   node scripts/generate-rules.mjs          write both (after npm run build)
//   node scripts/generate-rules.mjs --check  exit 1 naming each file that differs
// `npm run generate` builds, runs this, then regenerates the CRD from the schema.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const SCHEMA_PATH = fileURLToPath(
  new URL('../schemas/profile-policy.schema.json', import.meta.url),
);
export const README_PATH = fileURLToPath(new URL('../README.md', import.meta.url));
const CATALOG_PATH = fileURLToPath(new URL('../dist/policy/catalog.js', import.meta.url));

export const TABLE_START = '<!-- generated: rule-table (npm run generate; do not edit) -->';
export const TABLE_END = '<!-- /generated: rule-table -->';
export const MUTATION_TABLE_START =
  '<!-- generated: mutation-table (npm run generate; do not edit) -->';
export const MUTATION_TABLE_END = '<!-- /generated: mutation-table -->';

/** The README's words for a rule's `clusterState`. */
const CLUSTER_STATE = {
  none: 'no',
  snapshot: 'yes',
  'profile-namespace': 'profile namespace only',
};

/**
 * @typedef {{
 *   id: string,
 *   targets: readonly string[],
 *   operations: readonly string[],
 *   structural: boolean,
 *   description: string,
 *   clusterState: keyof typeof CLUSTER_STATE,
 * }} RuleData
 */

/**
 * The schema with `spec.ruleModes.properties` replaced by one `ruleMode` reference per rule, in
 * catalog order. Everything else is kept as it is.
 * @param {Record<string, any>} schema
 * @param {readonly RuleData[]} rules
 */
export function withRuleModes(schema, rules) {
  const ruleModes = schema.properties?.spec?.properties?.ruleModes;
  if (ruleModes === undefined) throw new Error('the schema has no spec.ruleModes');
  ruleModes.properties = Object.fromEntries(
    rules.map((rule) => [rule.id, { $ref: '#/definitions/ruleMode' }]),
  );
  return schema;
}

/**
 * The README's rule table, one row per rule in catalog order.
 * @param {readonly RuleData[]} rules
 */
export function ruleTable(rules) {
  const lines = [
    '| id | kinds | operations | structural | denies when | cluster state |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const rule of rules) {
    if (/[\r\n|]/.test(rule.description)) {
      throw new Error(`${rule.id}: the description must be one line without "|"`);
    }
    const state = CLUSTER_STATE[rule.clusterState];
    if (state === undefined) throw new Error(`${rule.id}: unknown clusterState`);
    lines.push(
      `| \`${rule.id}\` | ${rule.targets.join(', ')} | ${rule.operations.join(', ')} | ` +
        `${rule.structural ? 'yes' : 'no'} | ${rule.description} | ${state} |`,
    );
  }
  return lines.join('\n');
}

/**
 * @typedef {{ id: string, targets: readonly string[], description: string }} MutatorData
 */

/**
 * The README's mutation table, one row per mutator in the order they apply.
 * @param {readonly MutatorData[]} mutators
 */
export function mutationTable(mutators) {
  const lines = ['| id | kinds | does |', '| --- | --- | --- |'];
  for (const mutator of mutators) {
    if (typeof mutator.description !== 'string' || /[\r\n|]/.test(mutator.description)) {
      throw new Error(`${mutator.id}: the description must be one line without "|"`);
    }
    lines.push(`| \`${mutator.id}\` | ${mutator.targets.join(', ')} | ${mutator.description} |`);
  }
  return lines.join('\n');
}

/**
 * The README with the text between the markers `start` and `end` (by default the rule table's)
 * replaced by `table`.
 * @param {string} readme
 * @param {string} table
 */
export function withRuleTable(readme, table, start = TABLE_START, end = TABLE_END) {
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) {
    throw new Error(`${README_PATH}: the markers ${start} … ${end} are missing`);
  }
  return `${readme.slice(0, from + start.length)}\n${table}\n${readme.slice(to)}`;
}

/**
 * The generated files' new text, keyed by path.
 * @param {readonly RuleData[]} rules
 * @param {readonly MutatorData[]} mutators
 * @returns {Promise<Map<string, string>>}
 */
export async function generate(rules, mutators) {
  const prettier = await import('prettier');
  const schema = withRuleModes(JSON.parse(await readFile(SCHEMA_PATH, 'utf8')), rules);
  const options = (await prettier.resolveConfig(SCHEMA_PATH)) ?? {};
  const schemaText = await prettier.format(JSON.stringify(schema, null, 2), {
    ...options,
    filepath: SCHEMA_PATH,
  });
  const readme = withRuleTable(
    withRuleTable(await readFile(README_PATH, 'utf8'), ruleTable(rules)),
    mutationTable(mutators),
    MUTATION_TABLE_START,
    MUTATION_TABLE_END,
  );
  return new Map([
    [SCHEMA_PATH, schemaText],
    [README_PATH, readme],
  ]);
}

async function main() {
  if (!existsSync(CATALOG_PATH)) {
    throw new Error(`${CATALOG_PATH} is missing; run: npm run generate (it builds first)`);
  }
  /** @type {{ RULES: readonly RuleData[], MUTATORS: readonly MutatorData[] }} */
  const { RULES, MUTATORS } = await import(pathToFileURL(CATALOG_PATH).href);
  const outputs = await generate(RULES, MUTATORS);
  const check = process.argv.includes('--check');
  for (const [path, text] of outputs) {
    const committed = await readFile(path, 'utf8').catch(() => '');
    if (committed === text) continue;
    if (check) {
      console.error(`${path} is out of date with the rule catalog; run: npm run generate`);
      process.exitCode = 1;
    } else {
      await writeFile(path, text);
      console.log(`wrote ${path}`);
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
