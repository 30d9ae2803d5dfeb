/** The Galera cluster tests (npm run test:cluster, which starts the cluster): one file at a time, as they kill nodes. */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/cluster'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 120000,
  maxWorkers: 1,
};
