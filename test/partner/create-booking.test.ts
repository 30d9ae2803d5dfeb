import type { RowDataPacket } from '../../src/db/pool';
import {
  createConnector,
  createMember,
  createTunnel,
  selectRows,
  type CreatedConnector,
  type CreatedMember,
  type TunnelRow,
} from '../helpers/factories';
import { signedPost } from '../helpers/signed-request';
import { createTestContext, type TestContext } from '../helpers/test-app';

const CREATE_BOOKING = '/api/external/fuse-metrix/create-booking';
const CREATED = { valid: true, message: 'Booking created successfully' };
const DAY = 24 * 60 * 60 * 1000;
/** The page's example times: purchased 2025-04-08T16:57:30Z, flight and check-in 2025-04-08T07:40:00Z. */
const PURCHASE_DATE = 1744131450;
const FLIGHT_DATE = 1744098000;

let t: TestContext;
let connector: CreatedConnector;
let tunnel: TunnelRow;
let purchaseSequence = 215312;

beforeAll(async () => {
  t = await createTestContext();
  connector = await createConnector(t.pool);
  tunnel = await createTunnel(t.pool, { name: 'Support Center' });
  t.setNow(new Date('2025-04-08T17:00:00Z'));
});
afterAll(() => t.close());

/** A current flyer: last flew 30 days before the page's flight date. */
const currentFlyer = () => createMember(t.pool, t.config.PIN_PEPPER, { last_flight_at: new Date(FLIGHT_DATE * 1000 - 30 * DAY) });
/** A flyer whose currency lapsed before the page's flight date. */
const lapsedFlyer = () =>
  createMember(t.pool, t.config.PIN_PEPPER, {
    last_flight_at: new Date(FLIGHT_DATE * 1000 - 400 * DAY),
    flyer_currency_renewal_at: new Date(FLIGHT_DATE * 1000 - 220 * DAY),
  });

function bookingBody(member: CreatedMember, overrides: Record<string, unknown> = {}) {
  return {
    member_id: member.member_id,
    purchase_id: ++purchaseSequence,
    purchase_date: PURCHASE_DATE,
    flight_date: FLIGHT_DATE,
    minutes_booked: 9,
    product_id: 12893,
    tunnel_id: tunnel.fuse_metrix_tunnel_id,
    checkin_time: FLIGHT_DATE,
    ...overrides,
  };
}

const createBooking = (body: unknown, as: CreatedConnector = connector) => signedPost(t.request(), as, CREATE_BOOKING, body);

const bookingsOf = (memberId: number) => selectRows<RowDataPacket>(t.pool, 'SELECT * FROM bookings WHERE member_id = ? ORDER BY booking_id', [memberId]);
const logbookOf = (memberId: number) => selectRows<RowDataPacket>(t.pool, 'SELECT * FROM logbook_entries WHERE member_id = ?', [memberId]);
const outboxTo = (email: string) => selectRows<RowDataPacket>(t.pool, 'SELECT template, to_address FROM outbox_messages WHERE to_address = ?', [email]);

describe('POST /api/external/fuse-metrix/create-booking', () => {
  it("answers 200 'Booking created successfully' and stores the booking as sent", async () => {
    const member = await currentFlyer();
    const body = bookingBody(member);
    const res = await createBooking(body);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(CREATED);

    const [booking, ...more] = await bookingsOf(member.member_id);
    expect(more).toEqual([]);
    expect(booking).toMatchObject({
      connector_id: connector.id,
      member_id: member.member_id,
      tunnel_id: tunnel.tunnel_id,
      purchase_id: body.purchase_id,
      product_id: 12893,
      minutes_booked: 9,
      minutes_flown: null,
    });
    expect(booking.purchased_at.toISOString()).toBe('2025-04-08T16:57:30.000Z');
    expect(booking.flight_at.toISOString()).toBe('2025-04-08T07:40:00.000Z');
    expect(booking.checkin_at.toISOString()).toBe('2025-04-08T07:40:00.000Z');
  });

  it('gives a current flyer a logbook entry, a one-time link and the "active" e-mail, in the same transaction', async () => {
    const member = await currentFlyer();
    await createBooking(bookingBody(member)).expect(200);
    const [booking] = await bookingsOf(member.member_id);

    const entries = await logbookOf(member.member_id);
    expect(entries).toEqual([expect.objectContaining({ booking_id: booking.booking_id, tunnel_id: tunnel.tunnel_id, minutes: 9, source: 'fuse_metrix' })]);
    expect(await selectRows(t.pool, 'SELECT booking_id FROM flight_time_links WHERE booking_id = ?', [booking.booking_id])).toHaveLength(1);
    expect(await outboxTo(member.email)).toEqual([{ template: 'logbook/external-time-entry-active', to_address: member.email }]);
  });

  it('gives a flyer whose currency lapsed no logbook entry and only the "inactive" e-mail', async () => {
    const member = await lapsedFlyer();
    const res = await createBooking(bookingBody(member));
    expect(res.status).toBe(200);
    expect(res.body).toEqual(CREATED);

    expect(await bookingsOf(member.member_id)).toHaveLength(1);
    expect(await logbookOf(member.member_id)).toEqual([]);
    expect(await outboxTo(member.email)).toEqual([{ template: 'logbook/external-time-entry-inactive', to_address: member.email }]);
  });

  it('accepts the numbers as numeric strings', async () => {
    const member = await currentFlyer();
    const body = bookingBody(member);
    const asStrings = Object.fromEntries(Object.entries(body).map(([key, value]) => [key, String(value)]));
    const res = await createBooking(asStrings);
    expect(res.status).toBe(200);
    expect(await bookingsOf(member.member_id)).toEqual([expect.objectContaining({ purchase_id: body.purchase_id, minutes_booked: 9 })]);
  });

  it("answers 422 'Member not found' for an unknown member, and stores nothing", async () => {
    const body = bookingBody({ member_id: 999_999_999, email: 'x@example.com', pin: null });
    const res = await createBooking(body);
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ valid: false, message: 'Member not found' });
    expect(await selectRows(t.pool, 'SELECT booking_id FROM bookings WHERE purchase_id = ?', [body.purchase_id])).toEqual([]);
  });

  it("checks the member before the tunnel: 'Member not found' when both are unknown", async () => {
    const res = await createBooking(bookingBody({ member_id: 999_999_999, email: 'x@example.com', pin: null }, { tunnel_id: 999_999_999 }));
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ valid: false, message: 'Member not found' });
  });

  it("answers 422 'Tunnel not found' for a FuzeMetrix tunnel id no tunnel carries", async () => {
    const member = await currentFlyer();
    const res = await createBooking(bookingBody(member, { tunnel_id: 999_999_999 }));
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ valid: false, message: 'Tunnel not found' });
    expect(await bookingsOf(member.member_id)).toEqual([]);
  });

  it("answers 422 'Tunnel not found' for an IBA tunnel id (tunnel_id is FuzeMetrix's)", async () => {
    const member = await currentFlyer();
    const ibaOnly = await createTunnel(t.pool, { fuse_metrix_tunnel_id: null });
    const res = await createBooking(bookingBody(member, { tunnel_id: ibaOnly.tunnel_id }));
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ valid: false, message: 'Tunnel not found' });
  });

  it("answers 422 'Booking already exits' for the same purchase_id from the same connector, and writes nothing more", async () => {
    const member = await currentFlyer();
    const body = bookingBody(member);
    await createBooking(body).expect(200);
    const again = await createBooking(body);
    expect(again.status).toBe(422);
    expect(again.body).toEqual({ valid: false, message: 'Booking already exits' });
    expect(await bookingsOf(member.member_id)).toHaveLength(1);
    expect(await logbookOf(member.member_id)).toHaveLength(1);
    expect(await outboxTo(member.email)).toHaveLength(1);
  });

  it("answers 'Booking already exits' for a purchase another FuzeMetrix connector already booked (all connectors are one partner)", async () => {
    const member = await currentFlyer();
    const body = bookingBody(member);
    const otherConnector = await createConnector(t.pool);
    await createBooking(body).expect(200);
    const res = await createBooking(body, otherConnector);
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ valid: false, message: 'Booking already exits' });
    expect((await bookingsOf(member.member_id)).map((row) => row.connector_id)).toEqual([connector.id]);
    expect(await logbookOf(member.member_id)).toHaveLength(1);
  });

  it('keeps a booked purchase a duplicate after its connector is deleted and re-created with the runbook SQL', async () => {
    const member = await currentFlyer();
    const body = bookingBody(member);
    const leaked = await createConnector(t.pool);
    await createBooking(body, leaked).expect(200);
    // the runbook's advice for a leaked secret: delete the connector, insert a new one by hand
    await t.pool.query(`DELETE FROM fuse_metrix WHERE clientId = '${leaked.clientId}'`);
    const replacement = await createConnector(t.pool);
    const res = await createBooking(body, replacement);
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ valid: false, message: 'Booking already exits' });
    const bookings = await bookingsOf(member.member_id);
    expect(bookings).toHaveLength(1);
    expect(bookings[0].connector_id).toBeNull();
    expect(await logbookOf(member.member_id)).toHaveLength(1);
    expect(await outboxTo(member.email)).toHaveLength(1);
  });

  it("creates exactly one booking from 20 identical requests at once; the other 19 answer 'Booking already exits'", async () => {
    const member = await currentFlyer();
    const body = bookingBody(member);
    const answers = await Promise.all(Array.from({ length: 20 }, () => createBooking(body)));

    expect(answers.filter((answer) => answer.status === 200).map((answer) => answer.body)).toEqual([CREATED]);
    const duplicates = answers.filter((answer) => answer.status === 422);
    expect(duplicates).toHaveLength(19);
    for (const duplicate of duplicates) expect(duplicate.body).toEqual({ valid: false, message: 'Booking already exits' });
    expect(await bookingsOf(member.member_id)).toHaveLength(1);
    expect(await logbookOf(member.member_id)).toHaveLength(1);
    expect(await outboxTo(member.email)).toHaveLength(1);
  });

  it('writes nothing at all when the e-mail cannot be queued (booking, entry and e-mail commit together)', async () => {
    const member = await currentFlyer();
    const body = bookingBody(member);
    await t.pool.query('DROP TRIGGER IF EXISTS test_outbox_refuses');
    await t.pool.query(
      "CREATE TRIGGER test_outbox_refuses BEFORE INSERT ON outbox_messages FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'outbox refuses'",
    );
    try {
      const res = await createBooking(body);
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ valid: false, message: 'Internal server error' });
    } finally {
      await t.pool.query('DROP TRIGGER IF EXISTS test_outbox_refuses');
    }
    expect(await bookingsOf(member.member_id)).toEqual([]);
    expect(await logbookOf(member.member_id)).toEqual([]);
    expect(await selectRows(t.pool, 'SELECT flight_time_link_id FROM flight_time_links l JOIN bookings b USING (booking_id) WHERE b.member_id = ?', [member.member_id])).toEqual([]);

    const retried = await createBooking(body);
    expect(retried.status).toBe(200);
    expect(await bookingsOf(member.member_id)).toHaveLength(1);
  });

  describe('validation', () => {
    it("answers 'Missing required fields' with every missing field in the page's body order", async () => {
      const res = await createBooking({});
      expect(res.status).toBe(422);
      expect(res.body).toEqual({
        valid: false,
        message: 'Missing required fields: member_id, purchase_id, purchase_date, flight_date, minutes_booked, product_id, tunnel_id, checkin_time',
      });
    });

    it('names only the fields that are missing', async () => {
      const member = await currentFlyer();
      const { purchase_date: _purchaseDate, checkin_time: _checkinTime, ...partial } = bookingBody(member);
      const res = await createBooking({ ...partial, minutes_booked: null });
      expect(res.body).toEqual({ valid: false, message: 'Missing required fields: purchase_date, minutes_booked, checkin_time' });
    });

    it.each([
      ['member_id', -1, 'Invalid member ID'],
      ['member_id', 'abc', 'Invalid member ID'],
      ['flight_date', FLIGHT_DATE * 1000, 'flight_date must be a Unix timestamp in seconds, not milliseconds'],
      ['purchase_date', PURCHASE_DATE * 1000, 'purchase_date must be a Unix timestamp in seconds, not milliseconds'],
      ['checkin_time', '2025-04-08T07:40:00Z', 'checkin_time must be a Unix timestamp in seconds'],
      ['flight_date', -5, 'flight_date must be a Unix timestamp in seconds'],
      ['flight_date', 1744098000.5, 'flight_date must be a Unix timestamp in seconds'],
      ['minutes_booked', -9, 'minutes_booked must be a whole number from 1 to 1440'],
      ['minutes_booked', 0, 'minutes_booked must be a whole number from 1 to 1440'],
      ['minutes_booked', 'nine', 'minutes_booked must be a whole number from 1 to 1440'],
      ['minutes_booked', 100000, 'minutes_booked must be a whole number from 1 to 1440'],
      ['purchase_id', 'P-215312', 'purchase_id must be a positive whole number'],
      ['purchase_id', 1e20, 'purchase_id must be a positive whole number'],
      ['product_id', [12893], 'product_id must be a positive whole number'],
      ['tunnel_id', { id: 25 }, 'tunnel_id must be a positive whole number'],
    ])('answers 422 for %s = %j: "%s"', async (field, value, message) => {
      const member = await currentFlyer();
      const res = await createBooking(bookingBody(member, { [field]: value }));
      expect(res.status).toBe(422);
      expect(res.body).toEqual({ valid: false, message });
      expect(await bookingsOf(member.member_id)).toEqual([]);
    });
  });
});
