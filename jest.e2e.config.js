import base from './jest.config.js';

/**
 * The end-to-end suite: a real kube-apiserver + etcd calling `profile-guard serve`, driven by
 * kubectl (see README, e2e). Same swc/ESM setup as the unit tests; one process, files in name
 * order (the lock-out scenario, which stops the webhook, comes last), long timeouts.
 * globalSetup starts the environment (or uses E2E_KUBECONFIG), globalTeardown stops it.
 * @type {import('jest').Config}
 */
export default {
  ...base,
  testMatch: ['<rootDir>/test/e2e/**/*.e2e.test.ts'],
  globalSetup: '<rootDir>/test/e2e/harness/global-setup.mjs',
  globalTeardown: '<rootDir>/test/e2e/harness/global-teardown.mjs',
  testSequencer: '<rootDir>/test/e2e/harness/name-order-sequencer.mjs',
  maxWorkers: 1,
  testTimeout: 180000,
  slowTestThreshold: 60,
};
