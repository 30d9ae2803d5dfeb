import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import pino from 'pino';
import supertest from 'supertest';
import { createApp } from '../../src/app';
import { latestMigrationVersion } from '../../src/db/migrate';
import { createPool } from '../../src/db/pool';
import { freePort } from '../helpers/api-process';
import { createEmptyDatabase, dropTestDatabase, testDatabaseUrl } from '../helpers/database';
import { createTestContext, type TestContext } from '../helpers/test-app';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

const appOver = (pool: ReturnType<typeof createPool>) => supertest(createApp({ config: t.config, pool, logger: pino({ level: 'silent' }), clock: t.now }));

describe('GET /health/live', () => {
  it('answers 200 while the process runs, without asking the database', async () => {
    const pool = createPool(`mysql://iba:iba@127.0.0.1:${await freePort()}/nowhere`);
    try {
      const res = await appOver(pool).get('/health/live');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: true });
    } finally {
      await pool.end();
    }
  });

  it('answers at once when the database accepts connections and then never answers (its rate limit is counted in memory)', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const pool = createPool(`mysql://iba:iba@127.0.0.1:${(silent.address() as AddressInfo).port}/nowhere`);
    try {
      // mysql2 waits 10 s for a handshake that never comes; the probe must not wait for it
      const res = await appOver(pool).get('/health/live').timeout(3000);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: true });
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
      await pool.end().catch(() => undefined);
    }
  });
});

describe('GET /health/ready', () => {
  it('answers 200 when the database answers and every migration file is applied', async () => {
    const expected = latestMigrationVersion();
    expect(expected).toBeGreaterThanOrEqual(33);
    const res = await t.request().get('/health/ready');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: true, database: 'up', schemaVersion: expected, expectedSchemaVersion: expected });
  });

  it('answers 503 while migrations are pending, and /health keeps answering as before', async () => {
    const url = testDatabaseUrl(`unmigrated_${process.env.JEST_WORKER_ID ?? '1'}`);
    await createEmptyDatabase(url);
    const pool = createPool(url);
    try {
      const app = appOver(pool);
      const res = await app.get('/health/ready');
      expect(res.status).toBe(503);
      expect(res.body).toEqual({
        status: false,
        message: `Database schema is at version 0, this code needs ${latestMigrationVersion()}: run the migrations`,
        database: 'up',
        schemaVersion: 0,
        expectedSchemaVersion: latestMigrationVersion(),
      });
      const health = await app.get('/health');
      expect(health.status).toBe(200);
      expect(health.body).toEqual({ status: true, database: 'up' });
    } finally {
      await pool.end();
      await dropTestDatabase(url);
    }
  });

  it('answers 503 "Database unavailable" when the database does not answer, while /health/live stays 200', async () => {
    const pool = createPool(`mysql://iba:iba@127.0.0.1:${await freePort()}/nowhere`);
    try {
      const app = appOver(pool);
      const res = await app.get('/health/ready');
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ status: false, message: 'Database unavailable', database: 'down' });
      expect((await app.get('/health')).status).toBe(503);
      expect((await app.get('/health/live')).status).toBe(200);
    } finally {
      await pool.end();
    }
  });
});

describe('the OpenAPI document', () => {
  it('describes the probes and /metrics', async () => {
    const res = await t.request().get('/api/openapi.json');
    for (const path of ['/health', '/health/live', '/health/ready', '/metrics']) expect(res.body.paths[path]?.get).toBeDefined();
    expect(res.body.paths['/metrics'].get.responses['200'].content['text/plain']).toBeDefined();
  });
});
