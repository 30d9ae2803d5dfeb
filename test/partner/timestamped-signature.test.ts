import { createHmac } from 'node:crypto';
import type { RowDataPacket } from '../../src/db/pool';
import { createConnector, createMember, createTunnel, selectRows, type CreatedConnector, type CreatedMember, type TunnelRow, uniqueNumber } from '../helpers/factories';
import { timestampedHeaders, timestampedPost } from '../helpers/signed-request';
import { createTestContext, type TestContext } from '../helpers/test-app';

/**
 * The timestamped signature (X-API-KEY, X-TIMESTAMP, X-SIGNATURE over {body, query, url, ts}), tried
 * as a partner integrating from the vendor's description and as an attacker holding a captured request.
 */

const VALIDATE_PIN = '/api/external/fuse-metrix/validate-pin';
const GET_MEMBER = '/api/external/fuse-metrix/get-member';
const CREATE_BOOKING = '/api/external/fuse-metrix/create-booking';
const NOW = new Date('2026-06-15T12:00:00Z');
const nowSeconds = Math.floor(NOW.getTime() / 1000);

let t: TestContext;
let connector: CreatedConnector;
let tunnel: TunnelRow;
let member: CreatedMember;

beforeAll(async () => {
  t = await createTestContext();
  connector = await createConnector(t.pool);
  tunnel = await createTunnel(t.pool);
  member = await createMember(t.pool, t.config.PIN_PEPPER, { pin: '67510', last_flight_at: new Date(NOW.getTime() - 30 * 86_400_000) });
});
afterAll(() => t.close());
beforeEach(() => t.setNow(NOW));

const pinBody = () => ({ member_id: member.member_id, member_pin: '67510' });
const unauthorized = (message: string) => ({ valid: false, message });

describe('the timestamped signature on every partner route', () => {
  it('validates a PIN', async () => {
    const res = await timestampedPost(t.request(), connector, VALIDATE_PIN, pinBody(), nowSeconds);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ valid: true, message: 'Member validated successfully' });
  });

  it('reads a member with POST', async () => {
    const res = await timestampedPost(t.request(), connector, GET_MEMBER, { member_id: member.member_id }, nowSeconds);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ valid: true, member_id: member.member_id });
  });

  it('reads a member with GET: the query signed as an object and the empty body as {}, as the seed shows', async () => {
    const query = { member_id: String(member.member_id) };
    const payload = JSON.stringify({ body: {}, query, url: GET_MEMBER, ts: String(nowSeconds) });
    const signature = createHmac('sha256', connector.secret).update(payload).digest('hex');
    const res = await t
      .request()
      .get(`${GET_MEMBER}?member_id=${member.member_id}`)
      .set({ 'X-API-KEY': connector.clientId, 'X-TIMESTAMP': String(nowSeconds), 'X-SIGNATURE': signature });
    expect(res.status).toBe(200);
    expect(res.body.member_id).toBe(member.member_id);
  });

  it('creates a booking, recorded for the same connector as a legacy one would be', async () => {
    const body = {
      member_id: member.member_id,
      purchase_id: uniqueNumber(),
      purchase_date: nowSeconds - 3600,
      flight_date: nowSeconds - 600,
      minutes_booked: 9,
      product_id: 12893,
      tunnel_id: tunnel.fuse_metrix_tunnel_id,
      checkin_time: nowSeconds - 600,
    };
    const res = await timestampedPost(t.request(), connector, CREATE_BOOKING, body, nowSeconds);
    expect(res.status).toBe(200);
    const [booking] = await selectRows<RowDataPacket>(t.pool, 'SELECT connector_id FROM bookings WHERE purchase_id = ?', [body.purchase_id]);
    expect(booking.connector_id).toBe(connector.id);
  });

  it('signs a query string on a POST too', async () => {
    const body = { member_id: member.member_id };
    const query = { source: 'desk 2' };
    const headers = timestampedHeaders(connector, { url: GET_MEMBER, body, query, ts: nowSeconds });
    const res = await t.request().post(`${GET_MEMBER}?source=desk%202`).set(headers).send(body);
    expect(res.status).toBe(200);
    const unsigned = await t.request().post(`${GET_MEMBER}?source=desk%203`).set(timestampedHeaders(connector, { url: GET_MEMBER, body, query, ts: nowSeconds + 1 })).send(body);
    expect(unsigned.status).toBe(401);
    expect(unsigned.body).toEqual(unauthorized('X-SIGNATURE does not match this request'));
  });
});

describe('what the signature binds', () => {
  it('refuses a replay of an accepted request with 401 "already been used", and records it once', async () => {
    const body = { member_id: member.member_id };
    const headers = timestampedHeaders(connector, { url: GET_MEMBER, body, ts: nowSeconds - 5 });
    await t.request().post(GET_MEMBER).set(headers).send(body).expect(200);
    const replay = await t.request().post(GET_MEMBER).set(headers).send(body);
    expect(replay.status).toBe(401);
    expect(replay.body).toEqual(unauthorized('X-SIGNATURE has already been used: sign every request anew'));
    const rows = await selectRows<RowDataPacket>(t.pool, 'SELECT connector_id, expires_at FROM partner_request_signatures WHERE signature = UNHEX(?)', [headers['X-SIGNATURE']]);
    expect(rows).toEqual([{ connector_id: connector.id, expires_at: new Date((nowSeconds - 5 + 300) * 1000) }]);
  });

  it('refuses a validate-pin signature sent to get-member (the path is signed)', async () => {
    const body = { member_id: member.member_id, member_pin: '67510' };
    const headers = timestampedHeaders(connector, { url: VALIDATE_PIN, body, ts: nowSeconds - 7 });
    const res = await t.request().post(GET_MEMBER).set(headers).send(body);
    expect(res.status).toBe(401);
    expect(res.body).toEqual(unauthorized('X-SIGNATURE does not match this request'));
  });

  it('refuses a captured GET moved to another member', async () => {
    const other = await createMember(t.pool, t.config.PIN_PEPPER);
    const headers = timestampedHeaders(connector, { url: GET_MEMBER, query: { member_id: String(member.member_id) }, ts: nowSeconds - 9 });
    const res = await t.request().get(`${GET_MEMBER}?member_id=${other.member_id}`).set(headers);
    expect(res.status).toBe(401);
    expect(JSON.stringify(res.body)).not.toContain(String(other.member_id));
  });

  it('refuses a body with one field changed', async () => {
    const headers = timestampedHeaders(connector, { url: VALIDATE_PIN, body: { member_id: member.member_id, member_pin: '11111' }, ts: nowSeconds - 11 });
    const res = await t.request().post(VALIDATE_PIN).set(headers).send({ member_id: member.member_id, member_pin: '67510' });
    expect(res.status).toBe(401);
  });

  it('refuses a signature made with another secret', async () => {
    const res = await timestampedPost(t.request(), { clientId: connector.clientId, secret: 'not-the-secret' }, VALIDATE_PIN, pinBody(), nowSeconds - 13);
    expect(res.status).toBe(401);
    expect(res.body).toEqual(unauthorized('X-SIGNATURE does not match this request'));
  });

  it('refuses a back-dated copy: the same request re-signed with another timestamp needs the secret', async () => {
    const body = { member_id: member.member_id };
    const headers = timestampedHeaders(connector, { url: GET_MEMBER, body, ts: nowSeconds - 15 });
    const res = await t.request().post(GET_MEMBER).set({ ...headers, 'X-TIMESTAMP': String(nowSeconds - 16) }).send(body);
    expect(res.status).toBe(401);
    expect(res.body).toEqual(unauthorized('X-SIGNATURE does not match this request'));
  });
});

describe('the time window (±300 s by default)', () => {
  it.each([
    ['300 s behind', -300],
    ['300 s ahead of', 300],
  ])('accepts a timestamp %s the server clock', async (_name, offset) => {
    const res = await timestampedPost(t.request(), connector, GET_MEMBER, { member_id: member.member_id }, nowSeconds + offset);
    expect(res.status).toBe(200);
  });

  it.each([
    ['301 s behind', -301],
    ['301 s ahead of', 301],
    ['an hour ahead of (the vendor sample adds 3600)', 3600],
  ])('refuses a timestamp %s the server clock', async (_name, offset) => {
    const res = await timestampedPost(t.request(), connector, GET_MEMBER, { member_id: member.member_id }, nowSeconds + offset);
    expect(res.status).toBe(401);
    expect(res.body).toEqual(unauthorized('X-TIMESTAMP is more than 300 seconds away from the server time'));
  });

  it('takes the window from PARTNER_SIGNATURE_WINDOW_SECONDS', async () => {
    const narrow = await createTestContext({ PARTNER_SIGNATURE_WINDOW_SECONDS: '30' });
    try {
      narrow.setNow(NOW);
      const narrowConnector = await createConnector(narrow.pool);
      const narrowMember = await createMember(narrow.pool, narrow.config.PIN_PEPPER);
      const ok = await timestampedPost(narrow.request(), narrowConnector, GET_MEMBER, { member_id: narrowMember.member_id }, nowSeconds - 30);
      expect(ok.status).toBe(200);
      const late = await timestampedPost(narrow.request(), narrowConnector, GET_MEMBER, { member_id: narrowMember.member_id }, nowSeconds - 31);
      expect(late.body).toEqual(unauthorized('X-TIMESTAMP is more than 30 seconds away from the server time'));
    } finally {
      await narrow.close();
      // the narrow context emptied this worker's tables: put back what the rest of the file uses
      connector = await createConnector(t.pool);
      tunnel = await createTunnel(t.pool);
      member = await createMember(t.pool, t.config.PIN_PEPPER, { pin: '67510', last_flight_at: new Date(NOW.getTime() - 30 * 86_400_000) });
    }
  });
});

describe('what each failure says (401, which part failed, never which byte)', () => {
  const base = () => timestampedHeaders(connector, { url: GET_MEMBER, body: { member_id: member.member_id }, ts: nowSeconds - 20 });
  it.each([
    ['X-API-KEY', 'Missing X-API-KEY header'],
    ['X-TIMESTAMP', 'Missing X-TIMESTAMP header'],
    ['X-SIGNATURE', 'Missing X-SIGNATURE header'],
  ])('answers 401 without %s', async (header, message) => {
    const headers: Record<string, string> = base();
    delete headers[header];
    const res = await t.request().post(GET_MEMBER).set(headers).send({ member_id: member.member_id });
    expect(res.status).toBe(401);
    expect(res.body).toEqual(unauthorized(message));
  });

  it.each([['1.5e9'], ['2026-06-15T12:00:00Z'], ['-5'], [`${nowSeconds * 1000}`]])('answers 401 for the X-TIMESTAMP %s', async (ts) => {
    const res = await t.request().post(GET_MEMBER).set({ ...base(), 'X-TIMESTAMP': ts }).send({ member_id: member.member_id });
    expect(res.status).toBe(401);
    expect(['X-TIMESTAMP must be Unix time in seconds', 'X-TIMESTAMP is more than 300 seconds away from the server time']).toContain(res.body.message);
  });

  it('answers 401 for an unknown X-API-KEY', async () => {
    const res = await t.request().post(GET_MEMBER).set({ ...base(), 'X-API-KEY': 'no-such-client' }).send({ member_id: member.member_id });
    expect(res.status).toBe(401);
    expect(res.body).toEqual(unauthorized('X-API-KEY is not a known client id'));
  });

  it('answers 401 for a signature that is not hex', async () => {
    const res = await t.request().post(GET_MEMBER).set({ ...base(), 'X-SIGNATURE': 'z'.repeat(64) }).send({ member_id: member.member_id });
    expect(res.status).toBe(401);
    expect(res.body).toEqual(unauthorized('X-SIGNATURE does not match this request'));
  });

  it('answers 400 to a timestamped GET that carries a body', async () => {
    const headers = timestampedHeaders(connector, { url: GET_MEMBER, body: { member_id: member.member_id }, query: { member_id: String(member.member_id) }, ts: nowSeconds - 21 });
    const res = await t.request().get(`${GET_MEMBER}?member_id=${member.member_id}`).set(headers).set('Content-Type', 'application/json').send({ member_id: member.member_id });
    expect(res.status).toBe(400);
  });
});

describe('the connector behind the signature', () => {
  it('stops accepting a deleted connector at once, even right after it signed', async () => {
    const doomed = await createConnector(t.pool);
    await timestampedPost(t.request(), doomed, GET_MEMBER, { member_id: member.member_id }, nowSeconds - 30).expect(200);
    await t.pool.query(`DELETE FROM fuse_metrix WHERE clientId = '${doomed.clientId}'`);
    const res = await timestampedPost(t.request(), doomed, GET_MEMBER, { member_id: member.member_id }, nowSeconds - 29);
    expect(res.status).toBe(401);
    expect(res.body).toEqual(unauthorized('X-API-KEY is not a known client id'));
  });

  it('accepts the new secret at once after a rotation, and the previous one during the overlap', async () => {
    const rotating = await createConnector(t.pool);
    await timestampedPost(t.request(), rotating, GET_MEMBER, { member_id: member.member_id }, nowSeconds - 40).expect(200);
    await t.pool.query(
      `UPDATE fuse_metrix SET previous_secret = secret, previous_secret_expires_at = ?, secret = 'brand-new-secret', credentials_version = credentials_version + 1 WHERE id = ?`,
      [nowSeconds + 3600, rotating.id],
    );
    await timestampedPost(t.request(), { clientId: rotating.clientId, secret: 'brand-new-secret' }, GET_MEMBER, { member_id: member.member_id }, nowSeconds - 39).expect(200);
    await timestampedPost(t.request(), rotating, GET_MEMBER, { member_id: member.member_id }, nowSeconds - 38).expect(200);
  });

  it('answers 403 when the connector may not use the timestamped method', async () => {
    const legacyOnly = await createConnector(t.pool);
    await t.pool.query("UPDATE fuse_metrix SET auth_methods = 'legacy-hmac' WHERE id = ?", [legacyOnly.id]);
    const res = await timestampedPost(t.request(), legacyOnly, GET_MEMBER, { member_id: member.member_id }, nowSeconds - 50);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ valid: false, message: 'This connector may not sign requests with the timestamped-signature method' });
  });

  it('answers 403 when the connector lacks the route scope', async () => {
    const readOnly = await createConnector(t.pool);
    await t.pool.query("UPDATE fuse_metrix SET scopes = 'members:read' WHERE id = ?", [readOnly.id]);
    const res = await timestampedPost(t.request(), readOnly, CREATE_BOOKING, { member_id: member.member_id }, nowSeconds - 51);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ valid: false, message: 'This endpoint needs the scope bookings:write, which this connector does not have' });
  });

  it('keeps the PIN lockout the same whichever way the partner signs: a replayed wrong PIN is not counted twice', async () => {
    const guessed = await createMember(t.pool, t.config.PIN_PEPPER, { pin: '67510' });
    const body = { member_id: guessed.member_id, member_pin: '00000' };
    const headers = timestampedHeaders(connector, { url: VALIDATE_PIN, body, ts: nowSeconds - 60 });
    expect((await t.request().post(VALIDATE_PIN).set(headers).send(body)).body).toEqual({ valid: false, message: 'Invalid PIN' });
    for (let i = 0; i < 6; i++) expect((await t.request().post(VALIDATE_PIN).set(headers).send(body)).status).toBe(401);
    const [counter] = await selectRows<RowDataPacket>(t.pool, "SELECT failures FROM auth_attempts WHERE member_id = ? AND kind = 'pin'", [guessed.member_id]);
    expect(counter.failures).toBe(1);
  });
});
