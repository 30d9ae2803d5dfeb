import { unixSeconds } from '../../src/clock';
import type { RowDataPacket } from '../../src/db/pool';
import { formatFlightDate } from '../../src/logbook/flight-date';
import { hashFlightTimeToken } from '../../src/logbook/flight-time-token';
import { createBooking } from '../helpers/bookings';
import { createConnector, createMember, createTunnel, type CreatedConnector, selectRows, type TunnelRow } from '../helpers/factories';
import { signedPost } from '../helpers/signed-request';
import { createTestContext, type TestContext } from '../helpers/test-app';

let t: TestContext;
let connector: CreatedConnector;
let tunnel: TunnelRow;

beforeAll(async () => {
  t = await createTestContext();
  connector = await createConnector(t.pool);
  tunnel = await createTunnel(t.pool, { name: 'Windtunnel <script>alert(1)</script> Rotterdam' });
});
afterAll(() => t.close());
afterEach(() => t.setNow(null));

const DAY = 24 * 60 * 60 * 1000;
/** Yesterday at 14:30 UTC: bookings are accepted for flights within days of the server clock. */
const flightAt = new Date(Math.floor(Date.now() / DAY) * DAY - DAY + 14.5 * 60 * 60 * 1000);

interface Booked {
  memberId: number;
  bookingId: number;
  path: string;
  token: string;
}

/** A booking made by the signed create-booking call; the link is read from the queued e-mail. */
async function bookAndGetLink(minutesBooked = 9): Promise<Booked> {
  const member = await createMember(t.pool, t.config.PIN_PEPPER, {
    last_flight_at: new Date(flightAt.getTime() - 50 * DAY),
    flyer_currency_renewal_at: new Date(flightAt.getTime() + 130 * DAY),
  });
  const res = await createBooking(t, connector, {
    member_id: member.member_id,
    tunnel_id: tunnel.fuse_metrix_tunnel_id!,
    flight_date: unixSeconds(flightAt),
    minutes_booked: minutesBooked,
  });
  expect(res.status).toBe(200);
  const [mail] = await selectRows<RowDataPacket>(t.pool, 'SELECT text_body FROM outbox_messages WHERE to_address = ?', [member.email]);
  const match = /https?:\/\/\S+(\/flight-time\/([A-Za-z0-9_-]+))/.exec(mail.text_body as string);
  if (!match) throw new Error('no link in the queued e-mail');
  const [booking] = await selectRows<RowDataPacket>(t.pool, 'SELECT booking_id FROM bookings WHERE member_id = ?', [member.member_id]);
  return { memberId: member.member_id, bookingId: Number(booking.booking_id), path: match[1], token: match[2] };
}

async function state(bookingId: number) {
  const [row] = await selectRows<RowDataPacket>(
    t.pool,
    `SELECT e.minutes, b.minutes_flown, l.used_at
       FROM bookings b JOIN logbook_entries e ON e.booking_id = b.booking_id JOIN flight_time_links l ON l.booking_id = b.booking_id
      WHERE b.booking_id = ?`,
    [bookingId],
  );
  return { minutes: row.minutes as number, minutesFlown: row.minutes_flown as number | null, usedAt: row.used_at as Date | null };
}

const submit = (path: string, minutes: string) => t.request().post(path).type('form').send({ minutes });

describe('GET /flight-time/:token', () => {
  it('shows the tunnel, the date in words, the booked and current minutes and the form, without using the link', async () => {
    const booked = await bookAndGetLink(9);
    for (let i = 0; i < 2; i += 1) {
      const res = await t.request().get(booked.path);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.text).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
      expect(res.text).toContain('Windtunnel &lt;script&gt;alert(1)&lt;/script&gt; Rotterdam');
      expect(res.text).not.toContain('<script');
      expect(res.text).toContain(formatFlightDate(flightAt, 'UTC'));
      expect(formatFlightDate(flightAt, 'UTC')).toMatch(/^\w+day, \d{1,2} \w+ \d{4} at 14:30 UTC$/);
      expect(res.text).toMatch(/Minutes booked<\/dt><dd>9<\/dd>/);
      expect(res.text).toContain('9 minutes');
      expect(res.text).toMatch(/<input[^>]*name="minutes"[^>]*type="number"[^>]*min="1"[^>]*max="9"/);
      expect(res.text).toContain('Save flight time');
    }
    expect(await state(booked.bookingId)).toEqual({ minutes: 9, minutesFlown: null, usedAt: null });
  });

  it('says an unknown or malformed link is not valid (404)', async () => {
    for (const token of ['A'.repeat(43), 'short', 'has.dots.in.it', `${'a'.repeat(43)}x`]) {
      const res = await t.request().get(`/flight-time/${token}`);
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toContain('This link is not valid');
    }
  });

  it('says an expired link has expired (410), to the second', async () => {
    const booked = await bookAndGetLink();
    const [link] = await selectRows<RowDataPacket>(t.pool, 'SELECT expires_at FROM flight_time_links WHERE booking_id = ?', [booked.bookingId]);
    const expiresAt = link.expires_at as Date;
    expect(expiresAt.getTime() - Date.now()).toBeGreaterThan(29 * DAY);

    t.setNow(new Date(expiresAt.getTime() - 1000));
    expect((await t.request().get(booked.path)).status).toBe(200);

    t.setNow(expiresAt);
    const res = await t.request().get(booked.path);
    expect(res.status).toBe(410);
    expect(res.text).toContain('This link has expired');
    const post = await submit(booked.path, '5');
    expect(post.status).toBe(410);
    expect(post.text).toContain('This link has expired');
    expect(await state(booked.bookingId)).toEqual({ minutes: 9, minutesFlown: null, usedAt: null });
  });
});

describe('POST /flight-time/:token', () => {
  it('refuses minutes that are not whole minutes from 1 to the booked minutes, changing nothing', async () => {
    const booked = await bookAndGetLink(9);
    for (const minutes of ['0', '10', 'abc', '2.5', '', '-3', '1e1']) {
      const res = await submit(booked.path, minutes);
      expect(res.status).toBe(422);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toContain('Please enter the minutes you flew as a whole number from 1 to 9.');
      expect(res.text).toContain('Save flight time');
    }
    const missing = await t.request().post(booked.path).type('form').send({});
    expect(missing.status).toBe(422);
    const escaped = await submit(booked.path, '"><b>x</b>');
    expect(escaped.status).toBe(422);
    expect(escaped.text).not.toContain('<b>x</b>');
    expect(await state(booked.bookingId)).toEqual({ minutes: 9, minutesFlown: null, usedAt: null });
  });

  it('saves the minutes once: logbook entry, booking and link change together, and the link is then used', async () => {
    const booked = await bookAndGetLink(9);
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    t.setNow(now);
    const res = await submit(booked.path, '7');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Thanks! Your flight time is now 7 minutes.');
    expect(await state(booked.bookingId)).toEqual({ minutes: 7, minutesFlown: 7, usedAt: now });

    const again = await t.request().get(booked.path);
    expect(again.status).toBe(410);
    expect(again.text).toContain('This link has already been used');
    const resubmit = await submit(booked.path, '3');
    expect(resubmit.status).toBe(410);
    expect(resubmit.text).toContain('This link has already been used');
    expect(await state(booked.bookingId)).toEqual({ minutes: 7, minutesFlown: 7, usedAt: now });
  });

  it('lets only one of many simultaneous submits win', async () => {
    const booked = await bookAndGetLink(9);
    const results = await Promise.all(['1', '2', '3', '4', '5', '6'].map((minutes) => submit(booked.path, minutes)));
    const winners = results.filter((res) => res.status === 200);
    expect(winners).toHaveLength(1);
    expect(results.filter((res) => res.status === 410)).toHaveLength(5);
    const saved = Number(/now (\d+) minutes/.exec(winners[0].text)![1]);
    expect(await state(booked.bookingId)).toMatchObject({ minutes: saved, minutesFlown: saved });
  });

  it('accepts the full booked minutes and stores only the token hash', async () => {
    const booked = await bookAndGetLink(4);
    const [row] = await selectRows<RowDataPacket>(t.pool, 'SELECT token_hash FROM flight_time_links WHERE booking_id = ?', [booked.bookingId]);
    expect(Buffer.compare(row.token_hash as Buffer, hashFlightTimeToken(booked.token))).toBe(0);
    expect((row.token_hash as Buffer).toString('latin1')).not.toContain(booked.token);
    const res = await submit(booked.path, ' 4 ');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Thanks! Your flight time is now 4 minutes.');
  });

  it('says an unknown link is not valid (404)', async () => {
    const res = await submit(`/flight-time/${'B'.repeat(43)}`, '5');
    expect(res.status).toBe(404);
    expect(res.text).toContain('This link is not valid');
  });
});

describe('get-member after a correction', () => {
  it('reports total_flight_time with the minutes actually flown', async () => {
    const booked = await bookAndGetLink(75);
    const before = await signedPost(t.request(), connector, '/api/external/fuse-metrix/get-member', { member_id: booked.memberId });
    expect(before.status).toBe(200);
    expect(before.body.total_flight_time).toBe('1:15');

    expect((await submit(booked.path, '62')).status).toBe(200);
    const after = await signedPost(t.request(), connector, '/api/external/fuse-metrix/get-member', { member_id: booked.memberId });
    expect(after.status).toBe(200);
    expect(after.body.total_flight_time).toBe('1:02');
  });
});
