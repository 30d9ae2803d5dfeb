import pino from 'pino';
import { unixSeconds } from '../../src/clock';
import { createPool, type Pool, type RowDataPacket } from '../../src/db/pool';
import { RetentionJob } from '../../src/retention/retention-job';
import { runRetention } from '../../src/retention/retention.service';
import { createBooking } from '../helpers/bookings';
import { createConnector, createMember, createTunnel, type CreatedConnector, selectRows, type TunnelRow } from '../helpers/factories';
import { signedPost } from '../helpers/signed-request';
import { createTestContext, type TestContext } from '../helpers/test-app';

/**
 * What the retention job deletes (with the default ages: sent and failed e-mails 30 days, links 30
 * days after they expire, e-mail codes 24 hours after they expire, stale attempt counters after 24
 * hours) and, as much, what it must leave alone.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const silent = pino({ level: 'silent' });

let t: TestContext;
let connector: CreatedConnector;
let tunnel: TunnelRow;
let now: Date;

beforeAll(async () => {
  t = await createTestContext();
  connector = await createConnector(t.pool);
  tunnel = await createTunnel(t.pool);
});
afterAll(() => t.close());
beforeEach(() => {
  now = new Date(Math.floor(Date.now() / 1000) * 1000);
  t.setNow(null);
});

const ago = (ms: number) => new Date(now.getTime() - ms);
const count = async (sql: string, params: unknown[] = []) => Number((await selectRows<RowDataPacket>(t.pool, sql, params))[0].n);

async function outboxRow(fields: { sentAt?: Date; failedAt?: Date; createdAt: Date }): Promise<number> {
  const [result] = await t.pool.query<import('mysql2').ResultSetHeader>(
    `INSERT INTO outbox_messages (message_id, template, to_address, subject, html_body, text_body, next_attempt_at, sent_at, failed_at, created_at)
     VALUES (CONCAT('<', UUID(), '@tunnelflight.test>'), 'test/plain', 'flyer@example.com', 'Subject', ?, ?, ?, ?, ?, ?)`,
    [fields.sentAt ? null : '<p>body</p>', fields.sentAt ? null : 'body', fields.createdAt, fields.sentAt ?? null, fields.failedAt ?? null, fields.createdAt],
  );
  return result.insertId;
}

describe('e-mails in the outbox', () => {
  it('deletes sent e-mails after 30 days and failed ones after 30 days; keeps newer ones and every e-mail still waiting, however old', async () => {
    await t.pool.query('DELETE FROM outbox_messages');
    const oldSent = await outboxRow({ createdAt: ago(40 * DAY), sentAt: ago(31 * DAY) });
    const recentSent = await outboxRow({ createdAt: ago(40 * DAY), sentAt: ago(29 * DAY) });
    const oldFailed = await outboxRow({ createdAt: ago(40 * DAY), failedAt: ago(31 * DAY) });
    const recentFailed = await outboxRow({ createdAt: ago(40 * DAY), failedAt: ago(2 * DAY) });
    const oldWaiting = await outboxRow({ createdAt: ago(400 * DAY) });

    const report = await runRetention(t.pool, t.config, now);
    expect(report).toMatchObject({ sentEmails: 1, failedEmails: 1 });
    const left = await selectRows<RowDataPacket>(t.pool, 'SELECT outbox_message_id AS id FROM outbox_messages ORDER BY outbox_message_id');
    expect(left.map((row) => Number(row.id))).toEqual([recentSent, recentFailed, oldWaiting]);
    expect(left.map((row) => Number(row.id))).not.toContain(oldSent);
    expect(left.map((row) => Number(row.id))).not.toContain(oldFailed);
  });

  it('works through more rows than one batch', async () => {
    await t.pool.query('DELETE FROM outbox_messages');
    const rows = Array.from({ length: 2500 }, (_, i) => [`<retention-${i}@tunnelflight.test>`, 'test/plain', 'flyer@example.com', 'Subject', ago(60 * DAY), ago(60 * DAY), ago(60 * DAY)]);
    await t.pool.query('INSERT INTO outbox_messages (message_id, template, to_address, subject, next_attempt_at, sent_at, created_at) VALUES ?', [rows]);
    expect((await runRetention(t.pool, t.config, now)).sentEmails).toBe(2500);
    expect(await count('SELECT COUNT(*) AS n FROM outbox_messages')).toBe(0);
  });
});

describe('flight-time links', () => {
  it('deletes links 30 days after they expired, keeps open and recently expired ones, and never a booking or its logbook entry', async () => {
    const links: number[] = [];
    for (let i = 0; i < 3; i++) {
      const member = await createMember(t.pool, t.config.PIN_PEPPER);
      await createBooking(t, connector, { member_id: member.member_id, tunnel_id: tunnel.fuse_metrix_tunnel_id!, flight_date: unixSeconds(now) - 3600 }).expect(200);
      const [link] = await selectRows<RowDataPacket>(
        t.pool,
        'SELECT l.flight_time_link_id AS id FROM flight_time_links l JOIN bookings b ON b.booking_id = l.booking_id WHERE b.member_id = ?',
        [member.member_id],
      );
      links.push(Number(link.id));
    }
    const [longExpired, recentlyExpired, open] = links;
    await t.pool.query('UPDATE flight_time_links SET expires_at = ?, used_at = ? WHERE flight_time_link_id = ?', [ago(31 * DAY), ago(50 * DAY), longExpired]);
    await t.pool.query('UPDATE flight_time_links SET expires_at = ? WHERE flight_time_link_id = ?', [ago(29 * DAY), recentlyExpired]);
    await t.pool.query('UPDATE flight_time_links SET expires_at = ? WHERE flight_time_link_id = ?', [new Date(now.getTime() + 10 * DAY), open]);
    const bookings = await count('SELECT COUNT(*) AS n FROM bookings');
    const entries = await count('SELECT COUNT(*) AS n FROM logbook_entries');

    expect((await runRetention(t.pool, t.config, now)).flightTimeLinks).toBe(1);
    const left = (await selectRows<RowDataPacket>(t.pool, 'SELECT flight_time_link_id AS id FROM flight_time_links')).map((row) => Number(row.id));
    expect(left).not.toContain(longExpired);
    expect(left).toEqual(expect.arrayContaining([recentlyExpired, open]));
    expect(await count('SELECT COUNT(*) AS n FROM bookings')).toBe(bookings);
    expect(await count('SELECT COUNT(*) AS n FROM logbook_entries')).toBe(entries);
  });
});

describe('e-mailed sign-in codes', () => {
  it('deletes codes 24 hours after they expired, used or not; keeps live and recently expired ones', async () => {
    await t.pool.query('DELETE FROM email_otps');
    const member = await createMember(t.pool, t.config.PIN_PEPPER);
    const insert = (expiresAt: Date, usedAt: Date | null) =>
      t.pool.query('INSERT INTO email_otps (member_id, code_hash, expires_at, used_at, created_at) VALUES (?, ?, ?, ?, ?)', [
        member.member_id,
        'a'.repeat(64),
        expiresAt,
        usedAt,
        new Date(expiresAt.getTime() - 10 * 60_000),
      ]);
    await insert(ago(25 * HOUR), null); // expired unused, long ago: deleted
    await insert(ago(3 * DAY), ago(3 * DAY + 5 * 60_000)); // used, long ago: deleted
    await insert(ago(23 * HOUR), ago(23 * HOUR + 60_000)); // used recently: kept for now
    await insert(new Date(now.getTime() + 5 * 60_000), null); // live: kept

    expect((await runRetention(t.pool, t.config, now)).emailCodes).toBe(2);
    const left = await selectRows<RowDataPacket>(t.pool, 'SELECT expires_at FROM email_otps ORDER BY expires_at');
    expect(left.map((row) => row.expires_at.getTime())).toEqual([ago(23 * HOUR).getTime(), now.getTime() + 5 * 60_000]);
  });
});

describe('failed-attempt counters', () => {
  it('deletes counters whose window is long past and that hold no lock; keeps one inside its window and one whose lock still runs', async () => {
    await t.pool.query('DELETE FROM auth_attempts');
    const members = await Promise.all(Array.from({ length: 4 }, () => createMember(t.pool, t.config.PIN_PEPPER)));
    const counter = (memberId: number, kind: string, failures: number, windowStartsAt: Date, lockedUntil: Date | null) =>
      t.pool.query('INSERT INTO auth_attempts (member_id, kind, failures, window_starts_at, locked_until) VALUES (?, ?, ?, ?, ?)', [
        memberId,
        kind,
        failures,
        windowStartsAt,
        lockedUntil,
      ]);
    await counter(members[0].member_id, 'pin', 2, ago(2 * DAY), null); // stale: deleted
    await counter(members[1].member_id, 'totp', 5, ago(2 * DAY), ago(DAY)); // stale, lock long over: deleted
    await counter(members[2].member_id, 'pin', 3, ago(10 * 60_000), null); // inside its window: kept
    await counter(members[3].member_id, 'password', 5, ago(2 * DAY), new Date(now.getTime() + HOUR)); // lock still running: kept

    expect((await runRetention(t.pool, t.config, now)).attemptCounters).toBe(2);
    const left = await selectRows<RowDataPacket>(t.pool, 'SELECT member_id FROM auth_attempts ORDER BY member_id');
    expect(left.map((row) => row.member_id).sort()).toEqual([members[2].member_id, members[3].member_id].sort());
  });

  it('deletes accepted partner signatures once their timestamp has left the window, and keeps the rest (a replay of those is still refused)', async () => {
    const keep = Buffer.alloc(32, 1);
    const drop = Buffer.alloc(32, 2);
    await t.pool.query('INSERT INTO partner_request_signatures (signature, connector_id, expires_at) VALUES (?, ?, ?), (?, ?, ?)', [
      keep,
      connector.id,
      new Date(now.getTime() + 60_000),
      drop,
      connector.id,
      ago(1000),
    ]);
    expect((await runRetention(t.pool, t.config, now)).partnerSignatures).toBe(1);
    const left = await selectRows<RowDataPacket>(t.pool, 'SELECT signature FROM partner_request_signatures');
    expect(left.map((row) => Buffer.from(row.signature).equals(keep))).toEqual([true]);
  });

  it('does not reset a guessing run: 4 wrong PINs, a retention pass, and the 5th wrong PIN still locks', async () => {
    const member = await createMember(t.pool, t.config.PIN_PEPPER, { pin: '97531' });
    const validatePin = (pin: string) => signedPost(t.request(), connector, '/api/external/fuse-metrix/validate-pin', { member_id: member.member_id, member_pin: pin });
    for (let i = 0; i < 4; i++) await validatePin('00000').expect(422);
    await runRetention(t.pool, t.config, new Date());
    await validatePin('00000').expect(422);
    const locked = await validatePin('97531');
    expect(locked.status).toBe(429);
  });
});

describe('the retention job across processes', () => {
  const config = () => ({ ...t.config, RETENTION_INTERVAL_MINUTES: 60 });
  let pools: Pool[] = [];
  const job = (holder: string) => {
    const pool = createPool(t.config.DATABASE_URL, { connectionLimit: 2 });
    pools.push(pool);
    return new RetentionJob({ pool, config: config(), logger: silent, clock: t.now, holder });
  };
  afterEach(async () => {
    await Promise.all(pools.map((pool) => pool.end()));
    pools = [];
  });

  it('runs in one process at a time: of two ticking together one works, the other skips until the lease ends', async () => {
    await t.pool.query('DELETE FROM leases').catch(() => undefined);
    const first = job('api-1');
    const second = job('api-2');
    const start = new Date();
    t.setNow(start);
    const reports = await Promise.all([first.runOnce(), second.runOnce()]);
    expect(reports.filter((report) => report !== null)).toHaveLength(1);
    const winner = reports[0] ? first : second;
    const loser = reports[0] ? second : first;

    // inside the interval: the holder runs again at its next tick, the other still skips
    t.setNow(new Date(start.getTime() + 30 * 60_000));
    expect(await loser.runOnce()).toBeNull();
    expect(await winner.runOnce()).not.toBeNull();

    // a holder that stops hands the lease over
    await winner.stop();
    expect(await loser.runOnce()).not.toBeNull();
    expect(await winner.runOnce()).toBeNull();

    // a holder that dies (no stop): its lease runs out after one interval, then another takes over
    t.setNow(new Date(start.getTime() + 30 * 60_000 + 61 * 60_000));
    expect(await winner.runOnce()).not.toBeNull();
  });
});
