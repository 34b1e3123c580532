/**
 * Jest runs the TypeScript sources as native ES modules (the project, and
 * @kubernetes/client-node 1.x, are ESM-only); swc strips the types without
 * type-checking, which `npm run typecheck` does once for the whole tree.
 * @type {import('jest').Config}
 */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'es6' },
        sourceMaps: 'inline',
      },
    ],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/unit/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  // State of a running `npm run e2e:up` (etcd data, logs) is not part of the module graph.
  modulePathIgnorePatterns: ['<rootDir>/.e2e/', '<rootDir>/dist-check/'],
  watchPathIgnorePatterns: ['<rootDir>/.e2e/'],
  testTimeout: 30000,
  // Builds dist/ for the tests that run the real binary (test/unit/cli-*-process.test.ts).
  globalSetup: '<rootDir>/test/global-setup.mjs',
};
