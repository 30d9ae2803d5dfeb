import { Writable } from 'node:stream';
import pino from 'pino';
import supertest from 'supertest';
import { createApp } from '../../src/app';
import { createConnector, createMember, type CreatedConnector, type CreatedMember } from '../helpers/factories';
import { signedPost } from '../helpers/signed-request';
import { createTestContext, type TestContext, testConfig } from '../helpers/test-app';

/**
 * The partner routes' limits and alarms, tried as a partner and as an attacker would: a connector's
 * own budget (which nobody else can spend), an address that keeps failing signatures, the token
 * endpoint, and the warnings a PIN-guessing run leaves for IBA to see.
 */

const GET_MEMBER = '/api/external/fuse-metrix/get-member';
const VALIDATE_PIN = '/api/external/fuse-metrix/validate-pin';
const METRICS_TOKEN = 'metrics-token-for-the-partner-limits-test-0123456789';

let t: TestContext;
let member: CreatedMember;
let logLines: Array<Record<string, unknown>>;

/** The app with these settings over this worker's database, its log lines kept, behind one trusted proxy (so X-Forwarded-For is the client). */
function appWith(overrides: Record<string, string>) {
  const config = testConfig({ TRUST_PROXY: '1', METRICS_TOKEN, ...overrides });
  const stream = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const app = createApp({ config, pool: t.pool, logger: pino({ level: 'info' }, stream), clock: t.now });
  return () => supertest(app);
}

beforeAll(async () => {
  t = await createTestContext();
  member = await createMember(t.pool, t.config.PIN_PEPPER, { pin: '67510' });
});
afterAll(() => t.close());
beforeEach(() => {
  logLines = [];
});

const getMember = (request: () => ReturnType<typeof supertest>, connector: CreatedConnector, from = '203.0.113.10') =>
  signedPost(request(), connector, GET_MEMBER, { member_id: member.member_id }).set('X-Forwarded-For', from);

describe("a connector's own budget (PARTNER_RATE_LIMIT_PER_MINUTE)", () => {
  it('answers 429 with Retry-After in the partner envelope once the connector has used its minute, and leaves other connectors alone', async () => {
    const request = appWith({ PARTNER_RATE_LIMIT_PER_MINUTE: '5' });
    const busy = await createConnector(t.pool);
    const other = await createConnector(t.pool);
    for (let i = 0; i < 5; i++) await getMember(request, busy).expect(200);
    const refused = await getMember(request, busy);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ valid: false, message: expect.stringMatching(/^Too many requests from this connector: try again in \d+ seconds?$/), retryAfterSeconds: expect.any(Number) });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    await getMember(request, other).expect(200);
  });

  it('is spent only by requests that were signed by the connector: forged ones naming its client id do not use it up', async () => {
    const request = appWith({ PARTNER_RATE_LIMIT_PER_MINUTE: '5' });
    const victim = await createConnector(t.pool);
    for (let i = 0; i < 20; i++) {
      const forged = await getMember(request, { ...victim, secret: 'not-the-secret' }, '198.51.100.7');
      expect(forged.status).toBe(403);
    }
    for (let i = 0; i < 5; i++) await getMember(request, victim).expect(200);
  });

  it('is shared out over the WEB_CONCURRENCY workers: each process allows its share of the minute', async () => {
    const request = appWith({ PARTNER_RATE_LIMIT_PER_MINUTE: '6', WEB_CONCURRENCY: '2' });
    const connector = await createConnector(t.pool);
    for (let i = 0; i < 3; i++) await getMember(request, connector).expect(200);
    expect((await getMember(request, connector)).status).toBe(429);
  });
});

describe('an address that keeps failing signatures (PARTNER_AUTH_FAILURES_PER_MINUTE)', () => {
  it('is refused with 429 before any check for the rest of the minute, while the partner at its own address carries on', async () => {
    const request = appWith({ PARTNER_AUTH_FAILURES_PER_MINUTE: '3' });
    const partner = await createConnector(t.pool);
    const attacker = '198.51.100.66';
    for (let i = 0; i < 3; i++) expect((await getMember(request, { ...partner, secret: 'guess' }, attacker)).status).toBe(403);
    const refused = await getMember(request, { ...partner, secret: 'guess' }, attacker);
    expect(refused.status).toBe(429);
    expect(refused.body.message).toMatch(/^Too many failed signatures from this address/);
    // even a correctly signed request from that address waits; the partner's own address does not
    expect((await getMember(request, partner, attacker)).status).toBe(429);
    await getMember(request, partner, '203.0.113.10').expect(200);
  });
});

describe('the token endpoint (RATE_LIMIT_OAUTH_TOKEN_PER_MINUTE)', () => {
  it('answers 429 temporarily_unavailable with Retry-After after the minute is used, per address, shared through the database', async () => {
    const connector = await createConnector(t.pool);
    const first = appWith({ RATE_LIMIT_OAUTH_TOKEN_PER_MINUTE: '2' });
    const second = appWith({ RATE_LIMIT_OAUTH_TOKEN_PER_MINUTE: '2' }); // another API process, the same database
    const from = `192.0.2.${Math.floor(Math.random() * 200) + 1}`;
    const token = (request: () => ReturnType<typeof supertest>) =>
      request()
        .post('/api/oauth/token')
        .set('X-Forwarded-For', from)
        .type('form')
        .send({ grant_type: 'client_credentials', client_id: connector.clientId, client_secret: connector.secret });
    await token(first).expect(200);
    await token(second).expect(200);
    const refused = await token(first);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: 'temporarily_unavailable', error_description: expect.stringMatching(/^Too many requests/) });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('PIN guessing is visible', () => {
  const wrongPin = (request: () => ReturnType<typeof supertest>, connector: CreatedConnector, memberId: number) =>
    signedPost(request(), connector, VALIDATE_PIN, { member_id: memberId, member_pin: '00000' }).expect(422);

  it("logs a warning naming the connector and member when a member's PIN checks are locked, and counts every wrong PIN per connector", async () => {
    const request = appWith({});
    const connector = await createConnector(t.pool);
    const guessed = await createMember(t.pool, t.config.PIN_PEPPER, { pin: '67510' });
    const counted = async () => {
      const text = (await request().get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200)).text;
      const line = text.split('\n').find((l) => l.startsWith(`iba_partner_wrong_pins_total{connector="${connector.id}"}`));
      return line ? Number(line.split(' ').pop()) : 0;
    };
    const before = await counted();
    for (let i = 0; i < 5; i++) await wrongPin(request, connector, guessed.member_id);
    expect(await counted()).toBe(before + 5);
    const warnings = logLines.filter((line) => line.level === 40 && line.msg === "a member's PIN checks are locked after too many wrong PINs");
    expect(warnings).toEqual([expect.objectContaining({ connectorId: connector.id, memberId: guessed.member_id })]);
    expect(JSON.stringify(logLines)).not.toContain('00000');
  });

  it('logs a warning once when a connector sends PARTNER_WRONG_PIN_SPIKE_PER_MINUTE wrong PINs within a minute', async () => {
    const request = appWith({ PARTNER_WRONG_PIN_SPIKE_PER_MINUTE: '4' });
    const connector = await createConnector(t.pool);
    t.setNow(new Date(Math.floor(Date.now() / 60_000) * 60_000 + 5_000)); // all within one minute
    try {
      for (let i = 0; i < 6; i++) {
        const someone = await createMember(t.pool, t.config.PIN_PEPPER, { pin: '67510' });
        await wrongPin(request, connector, someone.member_id);
      }
    } finally {
      t.setNow(null);
    }
    const spikes = logLines.filter((line) => line.msg === 'wrong PINs are spiking for this connector');
    expect(spikes).toEqual([expect.objectContaining({ level: 40, connectorId: connector.id, wrongPinsThisMinute: 4 })]);
  });
});
