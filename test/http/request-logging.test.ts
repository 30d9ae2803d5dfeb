import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import supertest from 'supertest';
import { createApp } from '../../src/app';
import { createPool } from '../../src/db/pool';
import { createTestContext, type TestContext } from '../helpers/test-app';

/**
 * The request line as an operator reads it: one line per request, at a level that follows the
 * answer, and a line for a request the client gave up on before it was answered.
 */

let t: TestContext;
let lines: Array<Record<string, any>>;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  t = await createTestContext();
  app = createApp({ config: t.config, pool: t.pool, logger: pino({ level: 'info' }, lineCollector()), clock: t.now });
});
afterAll(() => t.close());
beforeEach(() => {
  lines = [];
});

/** A log destination that keeps every line, parsed. */
function lineCollector(): Writable {
  return new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
}

const requestLines = () => lines.filter((line) => line.req && line.msg?.startsWith('request '));

async function waitForLines(count: number): Promise<void> {
  for (let i = 0; i < 100 && requestLines().length < count; i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('request lines', () => {
  it('log an answered request once, at info for 2xx and warn for 4xx, with id, method, path, address, status and time', async () => {
    const ok = await supertest(app).get('/health/live').set('X-Request-Id', 'trace-ok-12345678');
    const missing = await supertest(app).get('/api/nope?secret=1').set('X-Request-Id', 'trace-404-1234567');
    expect([ok.status, missing.status]).toEqual([200, 404]);
    await waitForLines(2);
    expect(requestLines()).toEqual([
      expect.objectContaining({ level: 30, msg: 'request completed', req: { id: 'trace-ok-12345678', method: 'GET', path: '/health/live', ip: '127.0.0.1' }, res: { statusCode: 200 }, responseTime: expect.any(Number) }),
      expect.objectContaining({ level: 40, msg: 'request completed', req: { id: 'trace-404-1234567', method: 'GET', path: '/api/nope', ip: '127.0.0.1' }, res: { statusCode: 404 } }),
    ]);
  });

  it('log a request the client abandoned before its answer as "request aborted", once', async () => {
    const server = http.createServer(app).listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const request = http.request({ port, host: '127.0.0.1', method: 'POST', path: '/api/auth/login', headers: { 'content-type': 'application/json', 'content-length': '100', 'x-request-id': 'trace-gone-1234567' } });
      request.on('error', () => undefined);
      // half the promised body, then the client goes away
      request.write('{"username":"someone",');
      await new Promise((resolve) => setTimeout(resolve, 50));
      request.destroy();
      await waitForLines(1);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(requestLines()).toEqual([expect.objectContaining({ level: 40, msg: 'request aborted', req: expect.objectContaining({ id: 'trace-gone-1234567', path: '/api/auth/login' }) })]);
    } finally {
      server.close();
    }
  });

  it('give a handler a logger that stamps its lines with the request', async () => {
    // a check-in while the database is unreachable: the error handler logs why through req.log
    const unreachable = createPool('mysql://iba:iba@127.0.0.1:1/iba', { connectionLimit: 1 });
    const offline = createApp({ config: t.config, pool: unreachable, logger: pino({ level: 'info' }, lineCollector()), clock: t.now });
    try {
      const res = await supertest(offline)
        .post('/api/external/fuse-metrix/validate-pin')
        .set({ 'client-id': 'some-connector', token: 'a'.repeat(64), 'X-Request-Id': 'trace-db-down-123' })
        .send({ member_id: 1, member_pin: '12345' });
      expect(res.status).toBe(503);
      await waitForLines(1);
      expect(lines).toContainEqual(expect.objectContaining({ level: 50, msg: 'database unavailable', req: expect.objectContaining({ id: 'trace-db-down-123', path: '/api/external/fuse-metrix/validate-pin' }) }));
    } finally {
      await unreachable.end();
    }
  });
});
