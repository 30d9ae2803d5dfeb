import pino from 'pino';
import supertest from 'supertest';
import { type App, createApp } from '../../src/app';
import type { Clock } from '../../src/clock';
import { type Config, loadConfig } from '../../src/config';
import { createPool, type Pool } from '../../src/db/pool';
import { prepareTestDatabase, testDatabaseUrl } from './database';
import { GENEROUS_LIMITS } from './limits';

export { GENEROUS_LIMITS };

export interface TestContext {
  config: Config;
  pool: Pool;
  app: App;
  request: () => ReturnType<typeof supertest>;
  /** The clock the app reads; tests may move it with setNow. */
  now: () => Date;
  setNow: (date: Date | null) => void;
  close: () => Promise<void>;
}

/** Test configuration: real defaults but generous per-address limits, the worker's database, no SMTP unless a test gives one. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: testDatabaseUrl(),
    LOG_LEVEL: 'silent',
    APP_BASE_URL: 'http://localhost:3000',
    ...GENEROUS_LIMITS,
    ...overrides,
  });
}

/**
 * The app over a freshly emptied database of this worker. Call in beforeAll; close in afterAll.
 * The clock is real time unless a test pins it with setNow.
 */
export async function createTestContext(overrides: Record<string, string> = {}): Promise<TestContext> {
  const config = testConfig(overrides);
  await prepareTestDatabase(config.DATABASE_URL);
  const pool = createPool(config.DATABASE_URL, { connectionLimit: 20 });
  let pinned: Date | null = null;
  const clock: Clock = () => pinned ?? new Date();
  const app = createApp({ config, pool, logger: pino({ level: 'silent' }), clock });
  return {
    config,
    pool,
    app,
    request: () => supertest(app),
    now: clock,
    setNow: (date) => {
      pinned = date;
    },
    close: () => pool.end(),
  };
}
