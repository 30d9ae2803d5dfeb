import express from 'express';
import pino from 'pino';
import supertest from 'supertest';
import { createApp } from '../../src/app';
import type { RowDataPacket } from '../../src/db/pool';
import { createPool } from '../../src/db/pool';
import { errorHandler } from '../../src/http/error-handler';
import { rateLimit } from '../../src/http/rate-limit';
import { selectRows, unique } from '../helpers/factories';
import { createTestContext, type TestContext, testConfig } from '../helpers/test-app';

/**
 * Per-address rate limits on the public routes that are not partner routes, counted in the database
 * so that every API process shares one budget. The app trusts a proxy on loopback here, so each test
 * speaks from its own address (X-Forwarded-For).
 */
let t: TestContext;
const LIMITS = {
  TRUST_PROXY: 'loopback',
  RATE_LIMIT_SIGN_IN_PER_MINUTE: '',
  RATE_LIMIT_PAGES_PER_MINUTE: '3',
  RATE_LIMIT_DOCS_PER_MINUTE: '2',
  RATE_LIMIT_HEALTH_PER_MINUTE: '4',
};
beforeAll(async () => {
  t = await createTestContext(LIMITS);
});
afterAll(() => t.close());

let addressCounter = 0;
const newAddress = () => `198.51.100.${++addressCounter}`;
/** A sign-in for a made-up username each time, so the failed-password throttle never answers first. */
const login = (app: Parameters<typeof supertest>[0], from: string) =>
  supertest(app).post('/api/auth/login').set('X-Forwarded-For', from).send({ username: unique('nobody'), password: 'Not-the-password-1' });

describe('the sign-in rate limit (RATE_LIMIT_SIGN_IN_PER_MINUTE, 10 per address per minute)', () => {
  it('answers the 11th request in a minute with 429, Retry-After and the status envelope; other addresses go on', async () => {
    const from = newAddress();
    for (let request = 0; request < 10; request++) expect((await login(t.app, from)).status).not.toBe(429);
    const limited = await login(t.app, from);
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.body).toEqual({ status: false, message: `Too many requests: try again in ${retryAfter} second${retryAfter === 1 ? '' : 's'}`, retryAfterSeconds: retryAfter });
    // every sign-in route shares the budget
    expect((await supertest(t.app).post('/api/auth/verify-totp').set('X-Forwarded-For', from).send({})).status).toBe(429);
    expect((await login(t.app, newAddress())).status).toBe(401);
  });

  it('is one budget for every API process: counted in the database, not in memory', async () => {
    const otherPool = createPool(t.config.DATABASE_URL, { connectionLimit: 2 });
    try {
      const otherProcess = createApp({ config: testConfig(LIMITS), pool: otherPool, logger: pino({ level: 'silent' }), clock: () => new Date() });
      const from = newAddress();
      for (let request = 0; request < 5; request++) expect((await login(t.app, from)).status).toBe(401);
      for (let request = 0; request < 5; request++) expect((await login(otherProcess, from)).status).toBe(401);
      expect((await login(otherProcess, from)).status).toBe(429);
      expect((await login(t.app, from)).status).toBe(429);
      const [row] = await selectRows<RowDataPacket>(t.pool, "SELECT points FROM rate_limits WHERE `key` = ?", [`sign-in:${from}`]);
      expect(row.points).toBeGreaterThanOrEqual(11);
    } finally {
      await otherPool.end();
    }
  });

  it('records the first refusal in the sign-in audit trail with the client address, not every refused request', async () => {
    const from = newAddress();
    for (let request = 0; request < 15; request++) await login(t.app, from);
    const trail = await selectRows<RowDataPacket>(t.pool, "SELECT event, member_id, detail FROM sign_in_audit WHERE client_address = ? AND event = 'rate-limited'", [from]);
    expect(trail).toEqual([{ event: 'rate-limited', member_id: null, detail: 'POST /api/auth/login' }]);
  });

  it('keys on the socket address when no proxy is trusted, so a forged X-Forwarded-For buys nothing', async () => {
    const untrusting = await createTestContext({ RATE_LIMIT_SIGN_IN_PER_MINUTE: '3' });
    try {
      const statuses = [];
      for (let request = 0; request < 5; request++) statuses.push((await login(untrusting.app, `192.0.2.${request}`)).status);
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
    } finally {
      await untrusting.close();
    }
  });

  it('counts an IPv6 client by its /64 network', async () => {
    const context = await createTestContext({ TRUST_PROXY: 'loopback', RATE_LIMIT_SIGN_IN_PER_MINUTE: '2' });
    try {
      const statuses = [];
      for (const host of ['1', '2', 'abcd:1', 'ffff:ffff:ffff']) statuses.push((await login(context.app, `2001:db8:7:7::${host}`)).status);
      expect(statuses).toEqual([401, 401, 429, 429]);
      expect((await login(context.app, '2001:db8:7:8::1')).status).toBe(401);
    } finally {
      await context.close();
    }
  });
});

describe('the flight-time pages limit (RATE_LIMIT_PAGES_PER_MINUTE)', () => {
  it('answers with a 429 page and Retry-After once an address opens too many', async () => {
    const from = newAddress();
    for (let request = 0; request < 3; request++) {
      expect((await supertest(t.app).get('/flight-time/not-a-real-token-000000').set('X-Forwarded-For', from)).status).toBe(404);
    }
    const limited = await supertest(t.app).post('/flight-time/not-a-real-token-000000').set('X-Forwarded-For', from).type('form').send({ minutes: '5' });
    expect(limited.status).toBe(429);
    expect(limited.headers['content-type']).toMatch(/text\/html/);
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
    expect(limited.text).toContain('Too many requests');
  });
});

describe('the documentation limit (RATE_LIMIT_DOCS_PER_MINUTE)', () => {
  it('answers 429 in the status envelope', async () => {
    const from = newAddress();
    expect((await supertest(t.app).get('/api/openapi.json').set('X-Forwarded-For', from)).status).toBe(200);
    expect((await supertest(t.app).get('/api/docs/').set('X-Forwarded-For', from)).status).toBe(200);
    const limited = await supertest(t.app).get('/api/openapi.json').set('X-Forwarded-For', from);
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ status: false, retryAfterSeconds: expect.any(Number) });
  });
});

describe('the health limit (RATE_LIMIT_HEALTH_PER_MINUTE, 600 by default)', () => {
  it('answers 429 past the limit', async () => {
    const from = newAddress();
    for (let request = 0; request < 4; request++) expect((await supertest(t.app).get('/health').set('X-Forwarded-For', from)).status).toBe(200);
    expect((await supertest(t.app).get('/health').set('X-Forwarded-For', from)).status).toBe(429);
  });
});

describe('rateLimit(), reusable on any route', () => {
  it('takes a name, a budget, what to count and how to refuse', async () => {
    const app = express();
    app.use(
      '/api/oauth/token',
      rateLimit(t.pool, {
        name: 'test-token-endpoint',
        perMinute: 2,
        keyOf: (req) => String(req.headers['x-client'] ?? 'anonymous'),
        refuse: (_req, res, retryAfterSeconds) => {
          res.setHeader('Retry-After', String(retryAfterSeconds));
          res.status(429).json({ error: 'slow_down' });
        },
      }),
      (_req, res) => {
        res.json({ ok: true });
      },
    );
    app.use(errorHandler);
    const call = (client: string) => supertest(app).post('/api/oauth/token').set('x-client', client);
    expect((await call('a')).status).toBe(200);
    expect((await call('a')).status).toBe(200);
    const refused = await call('a');
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ error: 'slow_down' });
    expect((await call('b')).status).toBe(200);
  });
});
