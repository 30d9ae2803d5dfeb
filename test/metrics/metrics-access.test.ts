import pino from 'pino';
import supertest from 'supertest';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createTestContext, type TestContext, testConfig } from '../helpers/test-app';

/** Who may read /metrics: nobody until configured, then an address range and/or a bearer token. */

const TOKEN = 'a-metrics-token-of-at-least-32-chars!';
let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

/** The app over the test database with these metrics settings; supertest connects from 127.0.0.1. */
const appWith = (settings: Record<string, string>) =>
  supertest(createApp({ config: testConfig(settings), pool: t.pool, logger: pino({ level: 'silent' }), clock: t.now }));

describe('GET /metrics access', () => {
  it('is closed when nothing is configured (unset means production): 403 in the JSON envelope, no metrics', async () => {
    const res = await appWith({}).get('/metrics');
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ status: false, message: 'Metrics are disabled: set METRICS_TOKEN and/or METRICS_ALLOW_CIDRS' });
    expect(res.text).not.toContain('process_');
  });

  it('with METRICS_TOKEN, wants exactly that bearer token', async () => {
    const app = appWith({ METRICS_TOKEN: TOKEN });
    const none = await app.get('/metrics');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    expect(none.body).toEqual({ status: false, message: 'Metrics need the bearer token: Authorization: Bearer <METRICS_TOKEN>' });
    expect((await app.get('/metrics').set('Authorization', `Bearer ${TOKEN}x`)).status).toBe(401);
    expect((await app.get('/metrics').set('Authorization', `Bearer ${TOKEN.slice(0, -1)}`)).status).toBe(401);
    expect((await app.get('/metrics').set('Authorization', TOKEN)).status).toBe(401);
    expect((await app.get('/metrics').set('token', TOKEN)).status).toBe(401);
    const ok = await app.get('/metrics').set('Authorization', `Bearer ${TOKEN}`);
    expect(ok.status).toBe(200);
    expect(ok.headers['cache-control']).toBe('no-store');
    expect(ok.text).toContain('process_resident_memory_bytes');
  });

  it('with METRICS_ALLOW_CIDRS, admits addresses inside the ranges only (an IPv4 client of a dual-stack socket included)', async () => {
    expect((await appWith({ METRICS_ALLOW_CIDRS: '127.0.0.0/8' }).get('/metrics')).status).toBe(200);
    expect((await appWith({ METRICS_ALLOW_CIDRS: '10.0.0.0/8, 127.0.0.1' }).get('/metrics')).status).toBe(200);
    const outside = await appWith({ METRICS_ALLOW_CIDRS: '10.0.0.0/8,192.168.0.0/16,::1/128' }).get('/metrics');
    expect(outside.status).toBe(403);
    expect(outside.body).toEqual({ status: false, message: 'Metrics are not available from this address' });
  });

  it('does not take X-Forwarded-For as the address: any client can write it', async () => {
    const res = await appWith({ METRICS_ALLOW_CIDRS: '10.0.0.0/8' }).get('/metrics').set('X-Forwarded-For', '10.1.2.3');
    expect(res.status).toBe(403);
  });

  it('with both set, wants both: the right address and the token', async () => {
    const inside = appWith({ METRICS_ALLOW_CIDRS: '127.0.0.1/32', METRICS_TOKEN: TOKEN });
    expect((await inside.get('/metrics')).status).toBe(401);
    expect((await inside.get('/metrics').set('Authorization', `Bearer ${TOKEN}`)).status).toBe(200);
    const outside = appWith({ METRICS_ALLOW_CIDRS: '10.0.0.0/8', METRICS_TOKEN: TOKEN });
    expect((await outside.get('/metrics').set('Authorization', `Bearer ${TOKEN}`)).status).toBe(403);
  });
});

describe('metrics configuration', () => {
  const base = { DATABASE_URL: 'mysql://iba:iba@127.0.0.1:3306/iba' };
  it('refuses a malformed address range or a short token at start-up, naming the variable', () => {
    for (const bad of ['10.0.0.0/33', 'localhost', '10.0.0.0/8/1', '::1/129', '10.0.0/8', '10.0.0.0/x']) {
      expect(() => loadConfig({ ...base, METRICS_ALLOW_CIDRS: bad })).toThrow(/^Invalid configuration: METRICS_ALLOW_CIDRS must be a comma-separated list/);
    }
    expect(() => loadConfig({ ...base, METRICS_TOKEN: 'short' })).toThrow('Invalid configuration: METRICS_TOKEN must be at least 32 characters');
  });

  it('has no token and no ranges by default', () => {
    const config = loadConfig(base);
    expect(config.METRICS_TOKEN).toBeUndefined();
    expect(config.METRICS_ALLOW_CIDRS).toEqual([]);
    expect(loadConfig({ ...base, METRICS_TOKEN: '', METRICS_ALLOW_CIDRS: '' })).toMatchObject({ METRICS_TOKEN: undefined, METRICS_ALLOW_CIDRS: [] });
  });
});
