import { execFile } from 'node:child_process';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { DEMO_CONNECTOR, seedDemoData } from '../../src/demo/demo-data';
import { createTestContext, type TestContext } from '../helpers/test-app';

/**
 * A client written only from seed 002's Node sample (axios + luxon, the signature exactly as the
 * sample computes it), with our paths and the demo connector, against a real listening server.
 */

const SAMPLE = path.join(__dirname, 'fixtures', 'seed-002-node-sample.mjs');
let t: TestContext;
let server: Server;
let endpoint: string;

beforeAll(async () => {
  t = await createTestContext();
  await seedDemoData(t.pool, t.config, new Date());
  server = http.createServer(t.app).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await t.close();
});

interface SampleRun {
  url: string;
  method?: 'get' | 'post';
  body?: object;
  query?: Record<string, string>;
  tsOffset?: number;
}

function runSample(run: SampleRun): Promise<{ status: number; data: Record<string, unknown> }> {
  const env = {
    PATH: process.env.PATH ?? '',
    API_ENDPOINT: endpoint,
    API_KEY: DEMO_CONNECTOR.clientId,
    API_SECRET: DEMO_CONNECTOR.secret,
    SAMPLE_URL: run.url,
    SAMPLE_METHOD: run.method ?? 'post',
    SAMPLE_BODY: JSON.stringify(run.body ?? {}),
    SAMPLE_QUERY: JSON.stringify(run.query ?? {}),
    SAMPLE_TS_OFFSET: String(run.tsOffset ?? 0),
  };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [SAMPLE], { env, timeout: 20_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`sample failed: ${stderr || error.message}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '{}'));
    });
  });
}

describe("seed 002's Node sample, with our paths and the demo connector", () => {
  it('validates demo member 60649', async () => {
    expect(await runSample({ url: '/api/external/fuse-metrix/validate-pin', body: { member_id: 60649, member_pin: '67510' } })).toEqual({
      status: 200,
      data: { valid: true, message: 'Member validated successfully' },
    });
  });

  it('reads demo member 40 by POST and by GET with a query', async () => {
    const post = await runSample({ url: '/api/external/fuse-metrix/get-member', body: { member_id: 40 } });
    expect(post).toMatchObject({ status: 200, data: { valid: true, member_id: 40, screen_name: 'Rusty Lewis' } });
    const get = await runSample({ url: '/api/external/fuse-metrix/get-member', method: 'get', query: { member_id: '40' } });
    expect(get).toEqual(post);
  });

  it('creates a booking for demo member 60649 at FuzeMetrix tunnel 25', async () => {
    const now = Math.floor(Date.now() / 1000);
    const body = { member_id: 60649, purchase_id: 9_215_312, purchase_date: now - 3600, flight_date: now - 600, minutes_booked: 9, product_id: 12893, tunnel_id: 25, checkin_time: now - 600 };
    expect(await runSample({ url: '/api/external/fuse-metrix/create-booking', body })).toEqual({ status: 200, data: { valid: true, message: 'Booking created successfully' } });
    // sent again, signed anew with a timestamp 100 s back (still in the window), so it cannot share the first one's signature
    expect(await runSample({ url: '/api/external/fuse-metrix/create-booking', body, tsOffset: -100 })).toEqual({ status: 422, data: { valid: false, message: 'Booking already exits' } });
  });

  it("is refused with the vendor's own +3600 s timestamp, saying why", async () => {
    expect(await runSample({ url: '/api/external/fuse-metrix/validate-pin', body: { member_id: 60649, member_pin: '67510' }, tsOffset: 3600 })).toEqual({
      status: 401,
      data: { valid: false, message: 'X-TIMESTAMP is more than 300 seconds away from the server time' },
    });
  });
});
