/** Tests run against the real MariaDB named by DATABASE_URL (scripts/test.sh starts a private one). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // test/cluster/ needs the Galera cluster: npm run test:cluster
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/cluster/'],
  transform: {
    '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
  },
  // postgrator and otplib's @scure/@noble dependencies ship only ES modules; let swc turn them into CommonJS for jest
  transformIgnorePatterns: ['/node_modules/(?!(postgrator|@scure|@noble)/)'],
  testTimeout: 30000,
  maxWorkers: 2,
};
