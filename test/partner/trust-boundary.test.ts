import type { RowDataPacket } from '../../src/db/pool';
import { createConnector, createMember, createTunnel, selectRows, type CreatedConnector, type TunnelRow, uniqueNumber } from '../helpers/factories';
import { partnerToken, signedPost } from '../helpers/signed-request';
import { createTestContext, type TestContext } from '../helpers/test-app';

/**
 * The holes a security review found in the page's check, each tried as the attacker tried it: a
 * captured request pointed at another member, a duplicate booked again after the connector was
 * replaced, back- and future-dated bookings, PINs of the wrong length.
 */

const GET_MEMBER = '/api/external/fuse-metrix/get-member';
const CREATE_BOOKING = '/api/external/fuse-metrix/create-booking';
const DAY = 24 * 60 * 60;
const NOW = new Date('2026-06-15T12:00:00Z');
const nowSeconds = Math.floor(NOW.getTime() / 1000);

let t: TestContext;
let connector: CreatedConnector;
let tunnel: TunnelRow;

beforeAll(async () => {
  t = await createTestContext();
  connector = await createConnector(t.pool);
  tunnel = await createTunnel(t.pool);
});
afterAll(() => t.close());
beforeEach(() => t.setNow(NOW));

const memberRow = async (memberId: number) =>
  (await selectRows<RowDataPacket>(t.pool, 'SELECT last_flight_at, flyer_currency_renewal_at FROM members WHERE member_id = ?', [memberId]))[0];
const bookingsOf = (memberId: number) => selectRows<RowDataPacket>(t.pool, 'SELECT * FROM bookings WHERE member_id = ?', [memberId]);
const entriesOf = (memberId: number) => selectRows<RowDataPacket>(t.pool, 'SELECT * FROM logbook_entries WHERE member_id = ?', [memberId]);

function booking(memberId: number, dates: { flight?: number; checkin?: number; purchase?: number } = {}) {
  const flight = dates.flight ?? nowSeconds - 3600;
  return {
    member_id: memberId,
    purchase_id: uniqueNumber(),
    purchase_date: dates.purchase ?? flight - 86_000,
    flight_date: flight,
    minutes_booked: 9,
    product_id: 12893,
    tunnel_id: tunnel.fuse_metrix_tunnel_id,
    checkin_time: dates.checkin ?? flight,
  };
}

describe('a captured get-member request pointed at another member', () => {
  it("answers 400 to GET get-member?member_id=B sent with member A's body and token, and shows nothing of B", async () => {
    const a = await createMember(t.pool, t.config.PIN_PEPPER);
    const b = await createMember(t.pool, t.config.PIN_PEPPER, { first_name: 'Secret', last_name: 'Person', date_of_birth: new Date('1970-01-02T00:00:00Z') });
    const capturedBody = JSON.stringify({ member_id: a.member_id });
    const res = await t
      .request()
      .get(`${GET_MEMBER}?member_id=${b.member_id}`)
      .set('client-id', connector.clientId)
      .set('Authorization', partnerToken(connector.secret, { member_id: a.member_id }))
      .set('Content-Type', 'application/json')
      .send(capturedBody);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ valid: false, message: 'A GET request must not carry a body: send the member id in the query string' });
    expect(JSON.stringify(res.body)).not.toContain('Secret');
  });

  it('refuses a GET with a body even when the body has no content type', async () => {
    const a = await createMember(t.pool, t.config.PIN_PEPPER);
    const res = await t
      .request()
      .get(`${GET_MEMBER}?member_id=${a.member_id}`)
      .set('client-id', connector.clientId)
      .set('token', partnerToken(connector.secret, { member_id: a.member_id }))
      .send('{}');
    expect(res.status).toBe(400);
  });

  it('answers a GET only from its signed query: a token for A does not open B', async () => {
    const a = await createMember(t.pool, t.config.PIN_PEPPER);
    const b = await createMember(t.pool, t.config.PIN_PEPPER);
    const res = await t
      .request()
      .get(`${GET_MEMBER}?member_id=${b.member_id}`)
      .set('client-id', connector.clientId)
      .set('token', partnerToken(connector.secret, { member_id: a.member_id }));
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ valid: false, message: 'Your token does not match' });
  });

  it('ignores a query string on a POST: the member is the one in the signed body', async () => {
    const a = await createMember(t.pool, t.config.PIN_PEPPER, { first_name: 'Alice' });
    const b = await createMember(t.pool, t.config.PIN_PEPPER, { first_name: 'Bob' });
    const res = await signedPost(t.request(), connector, `${GET_MEMBER}?member_id=${b.member_id}`, { member_id: a.member_id });
    expect(res.status).toBe(200);
    expect(res.body.member_id).toBe(a.member_id);
    expect(res.body.real_name).toMatch(/^Alice /);
  });
});

describe('booking dates are bounded by the server clock', () => {
  it.each([
    ['1970 (flight_date: 1)', { flight: 1, checkin: 1, purchase: 1 }],
    ['8 days back', { flight: nowSeconds - 8 * DAY }],
    ['2 days ahead', { flight: nowSeconds + 2 * DAY }],
    ['a year ahead', { flight: nowSeconds + 365 * DAY }],
  ])("answers 422 naming flight_date for a flight %s, and writes nothing", async (_name, dates) => {
    const member = await createMember(t.pool, t.config.PIN_PEPPER);
    const before = await memberRow(member.member_id);
    const res = await signedPost(t.request(), connector, CREATE_BOOKING, booking(member.member_id, dates));
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ valid: false, message: 'flight_date must be within 7 days before and 1 day after the current time' });
    expect(await bookingsOf(member.member_id)).toEqual([]);
    expect(await memberRow(member.member_id)).toEqual(before);
  });

  it('accepts a flight just inside the window, 7 days back and 1 day ahead', async () => {
    const member = await createMember(t.pool, t.config.PIN_PEPPER);
    await signedPost(t.request(), connector, CREATE_BOOKING, booking(member.member_id, { flight: nowSeconds - 7 * DAY })).expect(200);
    await signedPost(t.request(), connector, CREATE_BOOKING, booking(member.member_id, { flight: nowSeconds + DAY, purchase: nowSeconds })).expect(200);
    expect(await bookingsOf(member.member_id)).toHaveLength(2);
  });

  it('answers 422 naming checkin_time when the check-in is more than a day from the flight', async () => {
    const member = await createMember(t.pool, t.config.PIN_PEPPER);
    const flight = nowSeconds - 2 * DAY;
    for (const checkin of [flight - DAY - 1, flight + DAY + 1, 1]) {
      const res = await signedPost(t.request(), connector, CREATE_BOOKING, booking(member.member_id, { flight, checkin }));
      expect(res.status).toBe(422);
      expect(res.body).toEqual({ valid: false, message: 'checkin_time must be within 1 day of flight_date' });
    }
  });

  it('answers 422 naming purchase_date when the purchase is more than a day after the flight or over a year before it', async () => {
    const member = await createMember(t.pool, t.config.PIN_PEPPER);
    const flight = nowSeconds - 3 * DAY;
    for (const purchase of [flight + DAY + 1, flight - 367 * DAY, 1]) {
      const res = await signedPost(t.request(), connector, CREATE_BOOKING, booking(member.member_id, { flight, purchase }));
      expect(res.status).toBe(422);
      expect(res.body).toEqual({ valid: false, message: 'purchase_date must be between 366 days before and 1 day after flight_date' });
    }
  });

  it("accepts the page's example shape: purchase 9 hours after a flight checked in at its start", async () => {
    const member = await createMember(t.pool, t.config.PIN_PEPPER);
    const flight = nowSeconds - 10 * 3600;
    await signedPost(t.request(), connector, CREATE_BOOKING, booking(member.member_id, { flight, checkin: flight, purchase: flight + 33_450 })).expect(200);
  });

  it('does not let a back-dated booking make a flyer whose currency lapsed current again', async () => {
    // lapsed 3 days ago: a flight dated 10 days back (when they were still current) is refused
    const member = await createMember(t.pool, t.config.PIN_PEPPER, {
      last_flight_at: new Date((nowSeconds - 183 * DAY) * 1000),
      flyer_currency_renewal_at: new Date((nowSeconds - 3 * DAY) * 1000),
    });
    const before = await memberRow(member.member_id);
    const res = await signedPost(t.request(), connector, CREATE_BOOKING, booking(member.member_id, { flight: nowSeconds - 10 * DAY }));
    expect(res.status).toBe(422);
    expect(await entriesOf(member.member_id)).toEqual([]);
    expect(await memberRow(member.member_id)).toEqual(before);
  });

  it('never moves last_flight_at past the present: a flight later today counts from now', async () => {
    const member = await createMember(t.pool, t.config.PIN_PEPPER, { last_flight_at: new Date((nowSeconds - 30 * DAY) * 1000) });
    const flight = nowSeconds + 12 * 3600;
    await signedPost(t.request(), connector, CREATE_BOOKING, booking(member.member_id, { flight, purchase: nowSeconds })).expect(200);
    const row = await memberRow(member.member_id);
    expect(row.last_flight_at.toISOString()).toBe(NOW.toISOString());
    expect(row.flyer_currency_renewal_at.toISOString()).toBe(new Date(NOW.getTime() + 180 * DAY * 1000).toISOString());
    const [entry] = await entriesOf(member.member_id);
    expect(entry.flight_at.toISOString()).toBe(new Date(flight * 1000).toISOString());
  });

  it('takes the window from BOOKING_MAX_PAST_DAYS and BOOKING_MAX_FUTURE_DAYS', async () => {
    const wide = await createTestContext({ BOOKING_MAX_PAST_DAYS: '30', BOOKING_MAX_FUTURE_DAYS: '2' });
    try {
      wide.setNow(NOW);
      const member = await createMember(wide.pool, wide.config.PIN_PEPPER);
      const wideConnector = await createConnector(wide.pool);
      const wideTunnel = await createTunnel(wide.pool);
      const at = (flight: number) => ({ ...booking(member.member_id, { flight }), tunnel_id: wideTunnel.fuse_metrix_tunnel_id });
      await signedPost(wide.request(), wideConnector, CREATE_BOOKING, at(nowSeconds - 20 * DAY)).expect(200);
      const res = await signedPost(wide.request(), wideConnector, CREATE_BOOKING, at(nowSeconds - 31 * DAY));
      expect(res.body).toEqual({ valid: false, message: 'flight_date must be within 30 days before and 2 days after the current time' });
    } finally {
      await wide.close();
    }
  });
});
