// @ts-check
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/** Node built-ins that do I/O or touch the process: forbidden in the pure layers. */
const ioModules = [
  'fs',
  'node:fs',
  'fs/promises',
  'node:fs/promises',
  'http',
  'node:http',
  'https',
  'node:https',
  'net',
  'node:net',
  'tls',
  'node:tls',
  'child_process',
  'node:child_process',
  'process',
  'node:process',
];
const frameworks = ['@kubernetes/client-node', 'pino', 'prom-client', 'node-forge'];

/**
 * Builds a no-restricted-imports rule that forbids the given packages and the given sibling layers.
 * @param {string[]} paths
 * @param {string[]} layers
 */
const restrict = (paths, layers, patterns = []) => [
  'error',
  {
    paths: paths.map((name) => ({
      name,
      message: 'This layer may not depend on it (see README, Architecture).',
    })),
    patterns: [
      ...layers.map((layer) => ({
        group: [`**/${layer}/*`, `**/${layer}`],
        message: `This layer may not import from src/${layer}/ (see README, Architecture).`,
      })),
      ...patterns,
    ],
  },
];

/** Test helpers (any `test-support/` folder under src/) are for tests and other test helpers. */
const TEST_SUPPORT = {
  group: ['**/test-support/*', '**/test-support'],
  message: 'Production code may not import test helpers (src/**/test-support/).',
};

/**
 * The layers under src/ (README, Architecture): each folder, the sibling layers it may import, and
 * the packages it may not. Every other layer is forbidden to it. test/unit/architecture.test.ts
 * checks that this table, the README's table and the folders of src/ name the same layers.
 * @type {Readonly<Record<string, { imports: readonly string[], forbiddenPackages: readonly string[] }>>}
 */
export const LAYERS = {
  util: {
    imports: [],
    forbiddenPackages: [...ioModules, ...frameworks, 'ajv', 'ajv-formats', 'yaml'],
  },
  policy: {
    imports: ['util'],
    forbiddenPackages: [...ioModules, ...frameworks, 'ajv', 'ajv-formats', 'yaml'],
  },
  native: {
    imports: ['policy', 'util'],
    forbiddenPackages: [...ioModules, ...frameworks, 'ajv', 'ajv-formats', 'yaml'],
  },
  config: {
    imports: ['policy', 'util'],
    forbiddenPackages: ['@kubernetes/client-node'],
  },
  observability: {
    imports: ['policy', 'util'],
    forbiddenPackages: ['@kubernetes/client-node'],
  },
  tls: {
    imports: ['util'],
    forbiddenPackages: ['@kubernetes/client-node'],
  },
  admission: {
    imports: ['policy', 'observability', 'util'],
    forbiddenPackages: [...ioModules, '@kubernetes/client-node', 'node-forge'],
  },
  kube: {
    imports: ['policy', 'config', 'observability', 'util'],
    forbiddenPackages: [],
  },
  http: {
    imports: ['admission', 'observability', 'util'],
    forbiddenPackages: ['@kubernetes/client-node', 'node:https', 'https'],
  },
  offload: {
    imports: ['policy', 'observability', 'admission', 'util'],
    forbiddenPackages: [...ioModules, '@kubernetes/client-node', 'node-forge'],
  },
  app: {
    imports: [
      'policy',
      'native',
      'config',
      'observability',
      'tls',
      'admission',
      'kube',
      'http',
      'offload',
      'util',
    ],
    forbiddenPackages: ['@kubernetes/client-node'],
  },
  cli: {
    imports: [
      'policy',
      'native',
      'config',
      'observability',
      'tls',
      'admission',
      'kube',
      'app',
      'offload',
      'util',
    ],
    forbiddenPackages: ['@kubernetes/client-node'],
  },
};

/** The lint configuration of one layer: its forbidden packages and every layer it may not import. */
const layerConfig = (/** @type {string} */ layer) => {
  const { imports, forbiddenPackages } = LAYERS[layer];
  const forbiddenLayers = Object.keys(LAYERS).filter(
    (other) => other !== layer && !imports.includes(other),
  );
  return [
    {
      files: [`src/${layer}/**/*.ts`],
      ignores: ['**/*.test.ts', '**/*.cases.ts', '**/test-support/**'],
      rules: {
        'no-restricted-imports': restrict(forbiddenPackages, forbiddenLayers, [TEST_SUPPORT]),
      },
    },
    {
      // A test helper (or a rule's test table, <id>.cases.ts, kept next to the rule and out of
      // the build) keeps its layer's boundaries and may use test helpers.
      files: [`src/${layer}/**/test-support/**/*.ts`, `src/${layer}/**/*.cases.ts`],
      ignores: ['**/*.test.ts'],
      rules: { 'no-restricted-imports': restrict(forbiddenPackages, forbiddenLayers) },
    },
  ];
};

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'dist-check/',
      'coverage/',
      'node_modules/',
      'charts/',
      '.e2e/',
      '.bench/',
      'test-output/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-restricted-imports': restrict(['@kubernetes/client-node'], []),
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      parserOptions: { projectService: false, program: null, project: false },
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        Buffer: 'readonly',
      },
    },
  },
  {
    // Tests may use non-null assertions and loose shapes on fixtures.
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      'no-restricted-imports': 'off',
    },
  },
  ...Object.keys(LAYERS).flatMap(layerConfig),
  {
    // policy/: rules as data and pure functions over the object and a read-only snapshot;
    // native/: the pure translation of a policy into admission policy objects.
    files: ['src/policy/**/*.ts', 'src/native/**/*.ts', 'src/util/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        'process',
        'require',
        'fetch',
        'setTimeout',
        'setInterval',
      ],
    },
  },
  {
    // admission/: AdmissionReview in/out and patch building; no transport, no cluster client.
    files: ['src/admission/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-globals': ['error', 'process'] },
  },
  prettier,
);
