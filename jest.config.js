/** Tests run against the real MariaDB named by DATABASE_URL (scripts/test.sh starts a private one). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
  },
  // postgrator ships only ES modules; let swc turn it into CommonJS for jest's module loader
  transformIgnorePatterns: ['/node_modules/(?!(postgrator)/)'],
  testTimeout: 30000,
  maxWorkers: 2,
};
