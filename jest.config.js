// Jest 30 in CommonJS mode. @kubernetes/client-node >= 1.0 is ESM-only, so it (and its ESM
// dependencies) must be transformed too; see README "Testing".
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j)sx?$': ['@swc/jest'],
    '^.+\\.mjs$': ['@swc/jest'],
  },
  transformIgnorePatterns: [
    '/node_modules/(?!(@kubernetes/client-node|openid-client|oauth4webapi|jose|@hyperjump|just-curry-it|content-disposition)/)',
  ],
  // One local stack (Temporal dev server, API server + etcd, PostgreSQL) per test run.
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  setupFiles: ['<rootDir>/test/support/quiet-temporal.ts'],
  // Two cores: servers, workers and test files share them.
  maxWorkers: 2,
  testTimeout: 60_000,
  // The Temporal SDK's native runtime keeps the process alive for a moment after the last worker and
  // connection closed (--detectOpenHandles reports nothing of ours); don't wait for it.
  forceExit: true,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.cjs'],
};
