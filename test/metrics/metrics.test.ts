import pino from 'pino';
import supertest from 'supertest';
import { createApp } from '../../src/app';
import { createAdmin } from '../../src/auth/admin.service';
import { unixSeconds } from '../../src/clock';
import { createPool, poolUsage } from '../../src/db/pool';
import { OutboxWorker } from '../../src/mail/outbox-worker';
import { createMailTransport } from '../../src/mail/transport';
import { freePort } from '../helpers/api-process';
import { createBooking, linkIn } from '../helpers/bookings';
import { createConnector, createMember, createTunnel, type CreatedConnector, type TunnelRow, unique } from '../helpers/factories';
import { parseExposition, type Scrape, scrapeMetrics } from '../helpers/metrics-scrape';
import { signedPost } from '../helpers/signed-request';
import { startSmtpCatcher } from '../helpers/smtp-catcher';
import { createTestContext, type TestContext } from '../helpers/test-app';

/**
 * /metrics scraped as Prometheus would, before and after each event: every metric the issue lists
 * must move when its event happens (counters by exactly the events caused here).
 */

const METRICS_TOKEN = 'metrics-test-token-0123456789abcdef';
const VALIDATE_PIN = '/api/external/fuse-metrix/validate-pin';
const silent = pino({ level: 'silent' });

let t: TestContext;
let connector: CreatedConnector;
let tunnel: TunnelRow;

beforeAll(async () => {
  t = await createTestContext({ METRICS_TOKEN });
  connector = await createConnector(t.pool);
  tunnel = await createTunnel(t.pool);
});
afterAll(() => t.close());
afterEach(() => t.setNow(null));

const scrape = () => scrapeMetrics(t);
const duration = (scrape: Scrape, labels: Record<string, string>) => scrape.value('http_request_duration_seconds_count', labels);

async function bookCurrentFlyer(): Promise<{ email: string }> {
  const member = await createMember(t.pool, t.config.PIN_PEPPER);
  const res = await createBooking(t, connector, { member_id: member.member_id, tunnel_id: tunnel.fuse_metrix_tunnel_id!, flight_date: unixSeconds(new Date()) - 60 });
  expect(res.status).toBe(200);
  return member;
}

/** One pass of an outbox worker sending through smtpUrl; its pooled SMTP connection is closed after, so the catcher can stop at once. */
async function sendOutbox(smtpUrl: string, options: { maxAttempts?: number } = {}): Promise<number> {
  const transport = createMailTransport({ ...t.config, SMTP_URL: smtpUrl }, silent);
  try {
    return await new OutboxWorker({ pool: t.pool, transport, logger: silent, clock: t.now, pollIntervalMs: 20, ...options }).runOnce();
  } finally {
    transport.close();
  }
}

describe('GET /metrics', () => {
  it('answers in the Prometheus text format with the process metrics', async () => {
    const metrics = await scrape();
    expect(metrics.text).toContain('# TYPE http_request_duration_seconds histogram');
    expect(metrics.value('process_resident_memory_bytes')).toBeGreaterThan(10_000_000);
    expect(metrics.value('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(metrics.samples.some((s) => s.name === 'nodejs_eventloop_lag_seconds')).toBe(true);
  });
});

describe('http_request_duration_seconds', () => {
  it('counts a request under its route pattern, method and status', async () => {
    const before = await scrape();
    await t.request().get('/health/live').expect(200);
    await t.request().get('/health/live').expect(200);
    const after = await scrape();
    const labels = { method: 'GET', route: '/health/live', status_code: '200' };
    expect(duration(after, labels) - duration(before, labels)).toBe(2);
    expect(after.value('http_request_duration_seconds_bucket', { ...labels, le: '+Inf' })).toBe(duration(after, labels));
    expect(after.value('http_request_duration_seconds_sum', labels)).toBeGreaterThan(0);
  });

  it('labels partner answers by route and status: a 403 and a 200 on validate-pin', async () => {
    const member = await createMember(t.pool, t.config.PIN_PEPPER, { pin: '24680' });
    const before = await scrape();
    await signedPost(t.request(), connector, VALIDATE_PIN, { member_id: member.member_id, member_pin: '24680' }).expect(200);
    await signedPost(t.request(), connector, VALIDATE_PIN, { member_id: member.member_id, member_pin: '24680' }, { token: 'f'.repeat(64) }).expect(403);
    const after = await scrape();
    for (const status of ['200', '403']) {
      const labels = { method: 'POST', route: VALIDATE_PIN, status_code: status };
      expect(duration(after, labels) - duration(before, labels)).toBe(1);
    }
  });

  it('never shows the one-time flight-time token or an unknown path: the pattern and "unmatched" instead', async () => {
    const smtp = await startSmtpCatcher();
    try {
      await bookCurrentFlyer();
      await sendOutbox(smtp.url);
      const [mail] = await smtp.waitForMessages(1);
      const path = new URL(linkIn(mail)).pathname;
      const token = path.split('/').pop()!;
      const before = await scrape();
      await t.request().get(path).expect(200);
      await t.request().get('/flight-time/not-a-real-token-at-all').expect(404);
      await t.request().get('/secret-looking-path-123').expect(404);
      const after = await scrape();
      const form = { method: 'GET', route: '/flight-time/:token' };
      expect(duration(after, { ...form, status_code: '200' }) - duration(before, { ...form, status_code: '200' })).toBe(1);
      expect(duration(after, { ...form, status_code: '404' }) - duration(before, { ...form, status_code: '404' })).toBe(1);
      const unmatched = { method: 'GET', route: 'unmatched', status_code: '404' };
      expect(duration(after, unmatched) - duration(before, unmatched)).toBe(1);
      expect(after.text).not.toContain(token);
      expect(after.text).not.toContain('not-a-real-token');
      expect(after.text).not.toContain('secret-looking-path');
    } finally {
      await smtp.stop();
    }
  });
});

describe('outbox and e-mail metrics', () => {
  it('a booking raises the outbox depth and age; the worker sending it raises the sent counter and empties the queue', async () => {
    await t.pool.query('DELETE FROM outbox_messages');
    const empty = await scrape();
    expect(empty.value('iba_outbox_queued_messages')).toBe(0);
    expect(empty.value('iba_outbox_oldest_queued_age_seconds')).toBe(0);
    expect(empty.value('iba_database_up')).toBe(1);

    await bookCurrentFlyer();
    t.setNow(new Date(Date.now() + 90_000));
    const queued = await scrape();
    expect(queued.value('iba_outbox_queued_messages')).toBe(1);
    expect(queued.value('iba_outbox_oldest_queued_age_seconds')).toBeGreaterThanOrEqual(85);
    expect(queued.value('iba_outbox_oldest_queued_age_seconds')).toBeLessThan(120);

    const smtp = await startSmtpCatcher();
    try {
      const template = { template: 'logbook/external-time-entry-active' };
      expect(await sendOutbox(smtp.url)).toBe(1);
      await smtp.waitForMessages(1);
      const sent = await scrape();
      expect(sent.value('iba_emails_sent_total', template) - queued.value('iba_emails_sent_total', template)).toBe(1);
      expect(sent.value('iba_outbox_queued_messages')).toBe(0);
      expect(sent.value('iba_outbox_oldest_queued_age_seconds')).toBe(0);
    } finally {
      await smtp.stop();
    }
  });

  it('SMTP down raises the failure counter; giving up parks the message and raises the parked counter and gauge', async () => {
    await t.pool.query('DELETE FROM outbox_messages');
    const down = await startSmtpCatcher();
    const closedPort = down.url;
    await down.stop();
    await bookCurrentFlyer();
    const template = { template: 'logbook/external-time-entry-active' };
    const before = await scrape();

    expect(await sendOutbox(closedPort, { maxAttempts: 2 })).toBe(0);
    const once = await scrape();
    expect(once.value('iba_email_send_failures_total', template) - before.value('iba_email_send_failures_total', template)).toBe(1);
    expect(once.value('iba_emails_parked_total', template) - before.value('iba_emails_parked_total', template)).toBe(0);
    expect(once.value('iba_outbox_queued_messages')).toBe(1);

    t.setNow(new Date(Date.now() + 60_000));
    expect(await sendOutbox(closedPort, { maxAttempts: 2 })).toBe(0);
    const parked = await scrape();
    expect(parked.value('iba_email_send_failures_total', template) - before.value('iba_email_send_failures_total', template)).toBe(2);
    expect(parked.value('iba_emails_parked_total', template) - before.value('iba_emails_parked_total', template)).toBe(1);
    expect(parked.value('iba_outbox_queued_messages')).toBe(0);
    expect(parked.value('iba_outbox_failed_messages')).toBe(1);
  });
});

describe('lockout metrics', () => {
  it('5 wrong PINs lock the member once: the PIN lockout counter moves by one, not again for the refused 6th try', async () => {
    const member = await createMember(t.pool, t.config.PIN_PEPPER, { pin: '13579' });
    const before = await scrape();
    for (let attempt = 0; attempt < 4; attempt++) {
      await signedPost(t.request(), connector, VALIDATE_PIN, { member_id: member.member_id, member_pin: '00000' }).expect(422);
    }
    const fourWrong = await scrape();
    expect(fourWrong.value('iba_pin_lockouts_total') - before.value('iba_pin_lockouts_total')).toBe(0);
    await signedPost(t.request(), connector, VALIDATE_PIN, { member_id: member.member_id, member_pin: '00000' }).expect(422);
    await signedPost(t.request(), connector, VALIDATE_PIN, { member_id: member.member_id, member_pin: '13579' }).expect(429);
    const after = await scrape();
    expect(after.value('iba_pin_lockouts_total') - before.value('iba_pin_lockouts_total')).toBe(1);
    expect(after.value('iba_sign_in_lockouts_total', { factor: 'password' }) - before.value('iba_sign_in_lockouts_total', { factor: 'password' })).toBe(0);
  });

  it('a sign-in refused by the throttle (after more than SIGN_IN_FREE_FAILURES wrong passwords) raises the sign-in lockout counter for the password factor', async () => {
    const username = unique('locked');
    await createAdmin(t.pool, { username, password: 'Correct-Horse-42-battery', email: `${username}@iba.example` });
    const before = await scrape();
    t.setNow(new Date()); // one instant: the first delay (1 s) cannot run out between the attempts
    for (let attempt = 0; attempt <= t.config.SIGN_IN_FREE_FAILURES; attempt++) {
      await t.request().post('/api/auth/login').send({ username, password: `Wrong-password-${attempt}` }).expect(401);
    }
    await t.request().post('/api/auth/login').send({ username, password: 'Correct-Horse-42-battery' }).expect(429);
    t.setNow(null);
    const after = await scrape();
    const password = { factor: 'password' };
    expect(after.value('iba_sign_in_lockouts_total', password) - before.value('iba_sign_in_lockouts_total', password)).toBe(1);
    expect(after.value('iba_pin_lockouts_total') - before.value('iba_pin_lockouts_total')).toBe(0);
  });
});

describe('iba_partner_signature_failures_total', () => {
  it('counts a wrong token under the connector id that was named', async () => {
    const other = await createConnector(t.pool);
    const wrong = { connector: String(other.id), reason: 'wrong_token' };
    const before = await scrape();
    await signedPost(t.request(), other, VALIDATE_PIN, { member_id: 1, member_pin: '12345' }, { token: '0'.repeat(64) }).expect(403);
    await signedPost(t.request(), other, VALIDATE_PIN, { member_id: 1, member_pin: '12345' }, { token: '1'.repeat(64) }).expect(403);
    const after = await scrape();
    expect(after.value('iba_partner_signature_failures_total', wrong) - before.value('iba_partner_signature_failures_total', wrong)).toBe(2);
    const mine = { connector: String(connector.id), reason: 'wrong_token' };
    expect(after.value('iba_partner_signature_failures_total', mine) - before.value('iba_partner_signature_failures_total', mine)).toBe(0);
  });

  it('counts an unknown client id or missing headers under "unknown", and never shows what the client sent', async () => {
    const madeUp = `attacker-chosen-${unique('id')}`;
    const unknown = { connector: 'unknown', reason: 'unknown_client_id' };
    const missing = { connector: 'unknown', reason: 'missing_client_id' };
    const before = await scrape();
    await signedPost(t.request(), { clientId: madeUp, secret: 'whatever' }, VALIDATE_PIN, { member_id: 1, member_pin: '12345' }).expect(404);
    await signedPost(t.request(), connector, VALIDATE_PIN, { member_id: 1, member_pin: '12345' }, { clientIdHeader: 'none' }).expect(400);
    const after = await scrape();
    expect(after.value('iba_partner_signature_failures_total', unknown) - before.value('iba_partner_signature_failures_total', unknown)).toBe(1);
    expect(after.value('iba_partner_signature_failures_total', missing) - before.value('iba_partner_signature_failures_total', missing)).toBe(1);
    expect(after.text).not.toContain(madeUp);
  });
});

describe('database pool metrics', () => {
  it('show connections in use and requests waiting for one', async () => {
    const pool = createPool(t.config.DATABASE_URL, { connectionLimit: 2 });
    const app = createApp({ config: t.config, pool, logger: silent, clock: t.now });
    const metricsOf = async () => {
      const res = await supertest(app).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
      return parseExposition(res.text);
    };
    try {
      const idle = await metricsOf();
      expect(idle.value('iba_db_pool_limit')).toBe(2);
      expect(idle.value('iba_db_pool_connections', { state: 'in_use' })).toBe(0);
      expect(idle.value('iba_db_pool_waiting_requests')).toBe(0);

      const held = await Promise.all([pool.getConnection(), pool.getConnection()]);
      const waiting = pool.query('SELECT 1');
      while (poolUsage(pool).waiting < 1) await new Promise((r) => setTimeout(r, 5));
      const scraping = metricsOf();
      // the scrape's own outbox read queues behind the held connections; let go once it is waiting
      while (poolUsage(pool).waiting < 2) await new Promise((r) => setTimeout(r, 5));
      for (const connection of held) connection.release();
      const busy = await scraping;
      await waiting;
      expect(busy.value('iba_db_pool_connections', { state: 'in_use' })).toBe(2);
      expect(busy.value('iba_db_pool_waiting_requests')).toBe(1);
      expect(busy.value('iba_database_up')).toBe(1);
    } finally {
      await pool.end();
    }
  });
});

describe('a scrape while the database is down', () => {
  it('still answers: iba_database_up 0, the outbox figures NaN, the process figures as usual', async () => {
    const pool = createPool(`mysql://iba:iba@127.0.0.1:${await freePort()}/nowhere`);
    try {
      const app = createApp({ config: t.config, pool, logger: silent, clock: t.now });
      const res = await supertest(app).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`);
      expect(res.status).toBe(200);
      const metrics = parseExposition(res.text);
      expect(metrics.value('iba_database_up')).toBe(0);
      expect(metrics.value('iba_outbox_queued_messages')).toBeNaN();
      expect(metrics.value('iba_outbox_oldest_queued_age_seconds')).toBeNaN();
      expect(metrics.value('process_resident_memory_bytes')).toBeGreaterThan(0);
    } finally {
      await pool.end();
    }
  });
});

describe('event-loop lag and memory', () => {
  it('show a blocked event loop and memory taken', async () => {
    await scrape(); // the lag histogram restarts after each scrape
    // a restart also forgets the monitor's last 10 ms tick, and the first tick after it only takes the
    // time: let one tick pass before blocking, or the blocked stretch is measured from nothing
    await new Promise((resolve) => setTimeout(resolve, 50));
    const until = Date.now() + 300;
    while (Date.now() < until); // block the loop, as a slow synchronous handler would
    const blocked = await scrape();
    expect(blocked.value('nodejs_eventloop_lag_max_seconds')).toBeGreaterThanOrEqual(0.25);

    const before = await scrape();
    const ballast = Buffer.alloc(96 * 1024 * 1024, 1);
    const after = await scrape();
    // half the ballast: the collector may free other buffers of this jest worker between the scrapes
    expect(after.value('nodejs_external_memory_bytes') - before.value('nodejs_external_memory_bytes')).toBeGreaterThanOrEqual(48 * 1024 * 1024);
    expect(after.value('process_resident_memory_bytes') - before.value('process_resident_memory_bytes')).toBeGreaterThanOrEqual(48 * 1024 * 1024);
    expect(ballast.length).toBe(96 * 1024 * 1024);
  });
});
