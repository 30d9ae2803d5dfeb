import { unixSeconds } from '../../src/clock';
import type { RowDataPacket } from '../../src/db/pool';
import { findFlightTotalMismatches } from '../../src/logbook/flight-totals.model';
import { createBooking } from '../helpers/bookings';
import { runCliScript } from '../helpers/cli';
import { addLogbookEntries, createConnector, createMember, createTunnel, type CreatedConnector, selectRows, type TunnelRow } from '../helpers/factories';
import { signedPost } from '../helpers/signed-request';
import { createTestContext, type TestContext } from '../helpers/test-app';

/**
 * get-member answers total_flight_time from the member row's running total. These tests write the
 * logbook every way the product does (bookings, late bookings, bookings of lapsed flyers, duplicates,
 * parallel bookings, corrections on the form) and check the total against the logbook's sum.
 */

let t: TestContext;
let connector: CreatedConnector;
let tunnel: TunnelRow;

beforeAll(async () => {
  t = await createTestContext();
  connector = await createConnector(t.pool);
  tunnel = await createTunnel(t.pool);
});
afterAll(() => t.close());

const DAY = 24 * 60 * 60 * 1000;
/** Yesterday at 10:00 UTC: bookings are accepted for flights within days of the server clock. */
const yesterday = new Date(Math.floor(Date.now() / DAY) * DAY - DAY + 10 * 60 * 60 * 1000);

async function totals(memberId: number): Promise<{ recorded: number; summed: number }> {
  const [row] = await selectRows<RowDataPacket>(
    t.pool,
    `SELECT m.total_flight_minutes AS recorded, (SELECT COALESCE(SUM(minutes), 0) FROM logbook_entries WHERE member_id = m.member_id) AS summed
       FROM members m WHERE m.member_id = ?`,
    [memberId],
  );
  return { recorded: Number(row.recorded), summed: Number(row.summed) };
}

async function totalFlightTime(memberId: number): Promise<string> {
  const res = await signedPost(t.request(), connector, '/api/external/fuse-metrix/get-member', { member_id: memberId });
  expect(res.status).toBe(200);
  return res.body.total_flight_time as string;
}

const book = (memberId: number, minutes: number, flightAt = yesterday, purchaseId?: number) =>
  createBooking(t, connector, { member_id: memberId, tunnel_id: tunnel.fuse_metrix_tunnel_id!, flight_date: unixSeconds(flightAt), minutes_booked: minutes, purchase_id: purchaseId });

async function linkPathOf(memberId: number, minutes: number): Promise<string> {
  const rows = await selectRows<RowDataPacket>(t.pool, 'SELECT text_body FROM outbox_messages WHERE to_address = (SELECT email FROM members WHERE member_id = ?)', [memberId]);
  const texts = rows.map((row) => String(row.text_body)).filter((text) => new RegExp(`Minutes: +${minutes}\\n`).test(text));
  const match = /https?:\/\/\S+(\/flight-time\/[A-Za-z0-9_-]+)/.exec(texts[0] ?? '');
  if (!match) throw new Error(`no e-mail with a link for the ${minutes}-minute booking`);
  return match[1];
}

describe('the running total of flight minutes', () => {
  it('equals the logbook sum after bookings, a late older flight, duplicates, parallel bookings and corrections', async () => {
    const member = await createMember(t.pool, t.config.PIN_PEPPER, { last_flight_at: new Date(yesterday.getTime() - 20 * DAY) });
    await addLogbookEntries(t.pool, member.member_id, tunnel.tunnel_id, [40]);

    expect((await book(member.member_id, 15)).status).toBe(200);
    // flown before the last flight on record: the total grows, the last flight stays
    const [before] = await selectRows<RowDataPacket>(t.pool, 'SELECT last_flight_at FROM members WHERE member_id = ?', [member.member_id]);
    expect((await book(member.member_id, 7, new Date(yesterday.getTime() - 2 * DAY))).status).toBe(200);
    const [after] = await selectRows<RowDataPacket>(t.pool, 'SELECT last_flight_at FROM members WHERE member_id = ?', [member.member_id]);
    expect(after.last_flight_at).toEqual(before.last_flight_at);

    // the same purchase twice adds its minutes once
    const duplicate = await book(member.member_id, 11, yesterday, 880_001);
    expect(duplicate.status).toBe(200);
    const again = await book(member.member_id, 11, yesterday, 880_001);
    expect(again.status).toBe(422);
    expect(again.body).toEqual({ valid: false, message: 'Booking already exits' });

    // eight bookings for one member at once: each transaction adds its own minutes
    const parallel = await Promise.all([2, 3, 4, 5, 6, 8, 9, 10].map((minutes) => book(member.member_id, minutes)));
    expect(parallel.map((res) => res.status)).toEqual(Array(8).fill(200));

    expect(await totals(member.member_id)).toEqual({ recorded: 40 + 15 + 7 + 11 + 47, summed: 120 });
    expect(await totalFlightTime(member.member_id)).toBe('2:00');

    // the member flew 12 of 15 booked minutes, and all 7 of the late booking
    expect((await t.request().post(await linkPathOf(member.member_id, 15)).type('form').send({ minutes: '12' })).status).toBe(200);
    expect((await t.request().post(await linkPathOf(member.member_id, 7)).type('form').send({ minutes: '7' })).status).toBe(200);
    expect(await totals(member.member_id)).toEqual({ recorded: 117, summed: 117 });
    expect(await totalFlightTime(member.member_id)).toBe('1:57');
  });

  it('does not move for a lapsed flyer, whose booking writes no logbook entry', async () => {
    const member = await createMember(t.pool, t.config.PIN_PEPPER, {
      last_flight_at: new Date(yesterday.getTime() - 400 * DAY),
      flyer_currency_renewal_at: new Date(yesterday.getTime() - 220 * DAY),
    });
    await addLogbookEntries(t.pool, member.member_id, tunnel.tunnel_id, [25]);
    expect((await book(member.member_id, 30)).status).toBe(200);
    expect(await totals(member.member_id)).toEqual({ recorded: 25, summed: 25 });
    expect(await totalFlightTime(member.member_id)).toBe('0:25');
  });

  it('leaves no member whose total differs from the logbook', async () => {
    expect(await findFlightTotalMismatches(t.pool)).toEqual([]);
  });
});

describe('npm run db:check-flight-totals', () => {
  const check = (...args: string[]) => runCliScript('src/cli/check-flight-totals.ts', args, t.config.DATABASE_URL);

  it('says every total matches when they do', async () => {
    const result = await check();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Flight totals match the logbook for all \d+ members\n$/);
  });

  it('names a member whose logbook was written around the total, exits 1, and --repair sets the total to the sum', async () => {
    const member = await createMember(t.pool, t.config.PIN_PEPPER);
    await addLogbookEntries(t.pool, member.member_id, tunnel.tunnel_id, [30]);
    // as a hand-made SQL change would: an entry without the total
    await t.pool.execute("INSERT INTO logbook_entries (member_id, tunnel_id, flight_at, minutes, source) VALUES (?, ?, NOW(), 14, 'manual')", [member.member_id, tunnel.tunnel_id]);
    expect(await totalFlightTime(member.member_id)).toBe('0:30');

    const found = await check();
    expect(found.code).toBe(1);
    expect(found.stderr).toContain(`member ${member.member_id}: total 30 min, logbook sums to 44 min`);
    expect(found.stderr).toMatch(/1 of \d+ members' flight totals differ from their logbook; run with --repair to set them to the sum/);
    expect(await totals(member.member_id)).toEqual({ recorded: 30, summed: 44 });

    const repaired = await check('--repair');
    expect(repaired.code).toBe(0);
    expect(repaired.stdout).toContain(`member ${member.member_id}: total 30 min, logbook sums to 44 min`);
    expect(repaired.stdout).toMatch(/Repaired 1 of \d+ members/);
    expect(await totals(member.member_id)).toEqual({ recorded: 44, summed: 44 });
    expect(await totalFlightTime(member.member_id)).toBe('0:44');

    expect((await check()).code).toBe(0);
  });

  it('refuses an unknown option with its usage', async () => {
    const result = await check('--fix');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Usage: npm run db:check-flight-totals [-- --repair]');
  });
});
