/**
 * Jest as `backstage-cli package test` sets it up (jsdom, SWC transforms), without the
 * CLI itself: tests/backstage/frontend/install.sh installs these tools into a cache and
 * links it here as node_modules.
 */
module.exports = {
  rootDir: __dirname,
  roots: ['<rootDir>/src'],
  testEnvironment: 'jsdom',
  // The Backstage packages ship ES modules; SWC turns them into CommonJS like our own code.
  transform: {
    '\\.(mjs|cjs|jsx?|tsx?)$': [
      require.resolve('@swc/jest'),
      {
        jsc: {
          parser: { syntax: 'typescript', tsx: true },
          transform: { react: { runtime: 'automatic' } },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  // Many ship ES modules only (react-use/esm, d3, ...): transform everything, SWC is quick and Jest caches it.
  transformIgnorePatterns: [],
  moduleNameMapper: { '\\.(css|svg|png)$': '<rootDir>/src/__testUtils__/styleStub.ts' },
  setupFilesAfterEnv: ['<rootDir>/src/setupTests.ts'],
  testTimeout: 30000,
};
