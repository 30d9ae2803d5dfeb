import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import supertest from 'supertest';
import { createApp } from '../../src/app';
import { checkInLane, type LaneMiddleware } from '../../src/http/check-in-lane';
import { createConnector, createMember, type CreatedConnector, type CreatedMember } from '../helpers/factories';
import { scrapeMetrics } from '../helpers/metrics-scrape';
import { partnerToken, signedGet, signedPost } from '../helpers/signed-request';
import { createTestContext, testConfig, type TestContext } from '../helpers/test-app';

/**
 * The check-in routes are answered by the lane (src/http/check-in-lane.ts), without Express. A partner
 * must not be able to tell: paths match as Express's router matched them, the answers carry the same
 * headers, the client's address is read through the same trusted proxies, and everything the lane
 * does not serve still reaches Express.
 */

const ORIGIN = 'https://admin.iba.example';
const METRICS_TOKEN = 'lane-metrics-token-0123456789abcdef';
const VALIDATE_PIN = '/api/external/fuse-metrix/validate-pin';
const GET_MEMBER = '/api/external/fuse-metrix/get-member';

let t: TestContext;
let connector: CreatedConnector;
let member: CreatedMember;
let lines: Array<Record<string, any>>;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  t = await createTestContext({ TRUST_PROXY: '1', CORS_ORIGINS: ORIGIN, METRICS_TOKEN });
  connector = await createConnector(t.pool);
  member = await createMember(t.pool, t.config.PIN_PEPPER, { pin: '48213' });
  app = createApp({ config: t.config, pool: t.pool, logger: pino({ level: 'info' }, collectLines(() => lines)), clock: t.now });
});

/** A log destination that keeps every line, parsed, in the list `into` gives. */
function collectLines(into: () => Array<Record<string, any>>): Writable {
  return new Writable({
    write(chunk, _encoding, done) {
      into().push(JSON.parse(String(chunk)));
      done();
    },
  });
}
afterAll(() => t.close());
beforeEach(() => {
  lines = [];
});

const validBody = () => ({ member_id: member.member_id, member_pin: '48213' });

describe('the check-in lane', () => {
  it('matches paths as Express did: any case, with or without a trailing slash, with a query string', async () => {
    for (const path of [VALIDATE_PIN, `${VALIDATE_PIN}/`, VALIDATE_PIN.toUpperCase(), `${VALIDATE_PIN}?source=kiosk`]) {
      const res = await signedPost(t.request(), connector, path, validBody());
      expect({ path, status: res.status, body: res.body }).toEqual({ path, status: 200, body: { valid: true, message: 'Member validated successfully' } });
    }
  });

  it('answers HEAD on get-member as the GET, without a body', async () => {
    const get = await signedGet(t.request(), connector, GET_MEMBER, { member_id: member.member_id });
    expect(get.status).toBe(200);
    const token = partnerToken(connector.secret, { member_id: member.member_id });
    const head = await t.request().head(`${GET_MEMBER}?member_id=${member.member_id}`).set('client-id', connector.clientId).set('token', token);
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(get.headers['content-length']);
    expect(head.text ?? '').toBe('');
  });

  it('leaves other methods on the check-in paths to Express: 404 in the partner envelope', async () => {
    const res = await t.request().put(VALIDATE_PIN).send(validBody());
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ valid: false, message: `Route not found: PUT ${VALIDATE_PIN}` });
  });

  it('sends the same security headers as every Express answer', async () => {
    const names = (headers: Record<string, string>) =>
      Object.fromEntries(Object.entries(headers).filter(([name]) => !['date', 'content-length', 'content-type', 'x-request-id', 'etag', 'connection', 'keep-alive'].includes(name)));
    const checkIn = await signedPost(t.request(), connector, VALIDATE_PIN, validBody()).set('Origin', ORIGIN);
    const health = await t.request().get('/health').set('Origin', ORIGIN);
    expect(checkIn.headers['content-security-policy']).toBeDefined();
    expect(checkIn.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(names(checkIn.headers)).toEqual(names(health.headers));
  });

  it('answers a CORS preflight for a check-in path through Express', async () => {
    const preflight = await t.request().options(VALIDATE_PIN).set('Origin', ORIGIN).set('Access-Control-Request-Method', 'POST');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(ORIGIN);
  });

  it('writes the request line with the address the trusted proxy reports, and counts the request under its route', async () => {
    const before = await scrapeMetrics(t);
    const res = await signedPost(supertest(app), connector, VALIDATE_PIN, validBody()).set('X-Forwarded-For', '203.0.113.77').set('X-Request-Id', 'lane-trace-1234567');
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toBe('lane-trace-1234567');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.filter((line) => line.msg === 'request completed')).toEqual([
      expect.objectContaining({ level: 30, req: { id: 'lane-trace-1234567', method: 'POST', path: VALIDATE_PIN, ip: '203.0.113.77' }, res: { statusCode: 200 } }),
    ]);
    const after = await scrapeMetrics(t);
    const labels = { method: 'POST', route: VALIDATE_PIN, status_code: '200' };
    expect(after.value('http_request_duration_seconds_count', labels) - before.value('http_request_duration_seconds_count', labels)).toBe(1);
  });

  it('refuses a wrong signature in the partner envelope, and an unparseable body with 400', async () => {
    const wrong = await signedPost(t.request(), connector, VALIDATE_PIN, validBody(), { token: 'ab'.repeat(32) });
    expect([wrong.status, wrong.body]).toEqual([403, { valid: false, message: 'Your token does not match' }]);
    const broken = await t.request().post(VALIDATE_PIN).set('Content-Type', 'application/json').send('{"member_id": ');
    expect([broken.status, broken.body]).toEqual([400, { valid: false, message: 'Malformed JSON in request body' }]);
  });
});

describe('the lane and TRUST_PROXY', () => {
  it('takes the socket address when no proxy is trusted, whatever X-Forwarded-For says', async () => {
    const config = testConfig({ TRUST_PROXY: 'false' });
    const own: Array<Record<string, any>> = [];
    const direct = createApp({ config, pool: t.pool, logger: pino({ level: 'info' }, collectLines(() => own)), clock: t.now });
    const res = await signedPost(supertest(direct), connector, VALIDATE_PIN, validBody()).set('X-Forwarded-For', '203.0.113.78');
    expect(res.status).toBe(200);
    await new Promise((resolve) => setImmediate(resolve));
    expect(own.find((line) => line.msg === 'request completed')?.req.ip).toBe('127.0.0.1');
  });
});

describe('the lane on its own', () => {
  async function serve(lane: ReturnType<typeof checkInLane>): Promise<{ url: string; close: () => void }> {
    const server = http.createServer((req, res) => {
      if (!lane(req, res)) res.writeHead(299).end('not the lane');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
  }
  const trustNone = () => false;

  it('runs the middlewares in order, then the route; a middleware error skips the rest and reaches the error handler', async () => {
    const seen: string[] = [];
    const step = (name: string): LaneMiddleware => (_req, _res, next) => {
      seen.push(name);
      next();
    };
    const refuse: LaneMiddleware = (req, _res, next) => (req.headers['x-refuse'] ? next(new Error('refused')) : next());
    const lane = checkInLane({
      routes: [{ method: 'POST', path: '/lane', handle: async (_req, res) => void res.writeHead(200).end('route') }],
      middlewares: [step('first'), refuse, step('second')],
      onError: (error, _req, res) => void res.writeHead(418).end(String((error as Error).message)),
      trustProxy: trustNone,
    });
    const server = await serve(lane);
    try {
      const ok = await fetch(`${server.url}/lane`, { method: 'POST' });
      expect([ok.status, await ok.text(), seen]).toEqual([200, 'route', ['first', 'second']]);
      seen.length = 0;
      const refused = await fetch(`${server.url}/lane`, { method: 'POST', headers: { 'x-refuse': '1' } });
      expect([refused.status, await refused.text(), seen]).toEqual([418, 'refused', ['first']]);
      const elsewhere = await fetch(`${server.url}/lane`, { method: 'GET' });
      expect([elsewhere.status, await elsewhere.text()]).toEqual([299, 'not the lane']);
    } finally {
      server.close();
    }
  });

  it('closes the connection when the error handler itself fails, rather than leaving it hanging or crashing', async () => {
    const lane = checkInLane({
      routes: [{ method: 'POST', path: '/lane', handle: async () => Promise.reject(new Error('route failed')) }],
      middlewares: [],
      onError: () => {
        throw new Error('error handler failed');
      },
      trustProxy: trustNone,
    });
    const server = await serve(lane);
    try {
      await expect(fetch(`${server.url}/lane`, { method: 'POST' })).rejects.toThrow();
      // the process (and the server) carry on
      const after = await fetch(`${server.url}/other`);
      expect(after.status).toBe(299);
    } finally {
      server.close();
    }
  });
});
