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
const frameworks = ['express', '@kubernetes/client-node', 'pino', 'prom-client', 'node-forge'];

/**
 * Builds a no-restricted-imports rule that forbids the given packages and the given sibling layers.
 * @param {string[]} paths
 * @param {string[]} layers
 */
const restrict = (paths, layers) => [
  'error',
  {
    paths: paths.map((name) => ({
      name,
      message: 'This layer may not depend on it (see README, Architecture).',
    })),
    patterns: layers.map((layer) => ({
      group: [`**/${layer}/*`, `**/${layer}`],
      message: `This layer may not import from src/${layer}/ (see README, Architecture).`,
    })),
  },
];

export default tseslint.config(
  {
    ignores: ['dist/', 'dist-check/', 'coverage/', 'node_modules/', 'charts/', '.e2e/', '.bench/'],
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
  {
    // policy/: rules as data and pure functions over the object and a read-only snapshot.
    files: ['src/policy/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': restrict(
        [...ioModules, ...frameworks, 'ajv', 'ajv-formats', 'yaml'],
        ['admission', 'server', 'kube', 'tls', 'observability', 'cli', 'config', 'report'],
      ),
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
    rules: {
      'no-restricted-imports': restrict(
        [...ioModules, 'express', '@kubernetes/client-node', 'node-forge'],
        ['server', 'kube', 'tls', 'cli'],
      ),
      'no-restricted-globals': ['error', 'process'],
    },
  },
  {
    files: ['src/server/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': restrict(
        ['@kubernetes/client-node', 'node:https', 'https'],
        ['kube', 'cli', 'tls'],
      ),
    },
  },
  {
    files: ['src/observability/**/*.ts', 'src/tls/**/*.ts', 'src/config/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': restrict(
        ['@kubernetes/client-node', 'express'],
        ['server', 'kube', 'cli', 'admission'],
      ),
    },
  },
  {
    // kube/ is the only importer of @kubernetes/client-node.
    files: ['src/kube/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict(['express'], ['server', 'cli', 'admission']),
    },
  },
  prettier,
);
