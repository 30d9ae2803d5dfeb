import { createPool, type Pool, type RowDataPacket } from '../../src/db/pool';
import { apiEnv, type ApiProcess, freePort, startApiProcess } from '../helpers/api-process';
import { prepareTestDatabase, testDatabaseUrl } from '../helpers/database';
import { selectRows } from '../helpers/factories';
import { type Answer, type BookingWorld, bookingCompleteness, bookingPayload, CREATE_BOOKING, createBookingWorld, runConcurrently, signedFetch } from '../helpers/partner-client';
import { type SmtpCatcher, startSmtpCatcher } from '../helpers/smtp-catcher';

/**
 * The API process is SIGKILLed in the middle of a burst of create-bookings, then started again.
 * Every booking that got a 200 has its logbook entry and its queued e-mail (delivered after the
 * restart); a request that got no 200 left either nothing or a complete booking, never a part of one.
 */

const BURST = 300;
const PIN_PEPPER = 'fault-test-pin-pepper-0123456789';
const databaseUrl = testDatabaseUrl();
let pool: Pool;
let first: ApiProcess;
let second: ApiProcess | null = null;
let smtp: SmtpCatcher | null = null;
let world: BookingWorld;

beforeAll(async () => {
  await prepareTestDatabase(databaseUrl);
  pool = createPool(databaseUrl, { connectionLimit: 4 });
  world = await createBookingWorld(pool, PIN_PEPPER, BURST);
  // the first process cannot deliver (nothing listens on its SMTP port), so every e-mail is still queued when it dies
  first = await startApiProcess(apiEnv(databaseUrl, { PIN_PEPPER, SMTP_URL: `smtp://127.0.0.1:${await freePort()}`, MAIL_POLL_INTERVAL_MS: '100' }));
}, 60_000);

afterAll(async () => {
  await first?.kill();
  await second?.stop();
  await smtp?.stop();
  await pool?.end();
});

describe('the API process killed (SIGKILL) during a burst of create-bookings', () => {
  it('keeps every answered booking whole with its e-mail, and leaves no partial rows behind', async () => {
    const answers = new Map<number, Answer>();
    let next = 0;
    let killing: Promise<void> | null = null;
    await runConcurrently(30, () => {
      if (next >= BURST) return null;
      const i = next++;
      const purchaseId = 900_000 + i;
      return async () => {
        const answer = await signedFetch(first.url, world.connector, CREATE_BOOKING, bookingPayload(world, i, purchaseId));
        answers.set(purchaseId, answer);
        // pull the plug once a third of the burst has been answered, with about thirty requests in flight
        if (!killing && answers.size >= BURST / 3) killing = first.kill();
      };
    });
    await killing;
    expect(first.child.signalCode).toBe('SIGKILL');

    const ok = [...answers].filter(([, a]) => a.status === 200).map(([id]) => id);
    const unanswered = [...answers].filter(([, a]) => a.status !== 200);
    expect(ok.length).toBeGreaterThanOrEqual(BURST / 3 - 1);
    expect(unanswered.length).toBeGreaterThan(0);
    // a request either got its 200 or no answer at all: a dying process sends no half answers
    expect(unanswered.filter(([, a]) => a.status !== 0)).toEqual([]);

    // whatever the database holds is whole: entry, link and one queued e-mail per booking
    const written = await bookingCompleteness(pool, world.connector.id);
    expect(written.filter((b) => !b.hasLogbookEntry || !b.hasFlightTimeLink || b.outboxMessages !== 1)).toEqual([]);
    const stored = new Set(written.map((b) => b.purchaseId));
    expect(ok.filter((id) => !stored.has(id))).toEqual([]);
    const [counts] = await selectRows<RowDataPacket>(
      pool,
      `SELECT (SELECT COUNT(*) FROM bookings) AS bookings, (SELECT COUNT(*) FROM logbook_entries) AS entries,
              (SELECT COUNT(*) FROM flight_time_links) AS links, (SELECT COUNT(*) FROM outbox_messages) AS messages`,
    );
    const n = written.length;
    expect({ bookings: Number(counts.bookings), entries: Number(counts.entries), links: Number(counts.links), messages: Number(counts.messages) }).toEqual({
      bookings: n,
      entries: n,
      links: n,
      messages: n,
    });

    // Started again (with SMTP this time): the queued e-mails go out, each once. A batch the dead
    // worker had claimed stays leased to it (5 minutes, so a slow SMTP server is not sent the same
    // message twice); those rows are intact and wait for the lease to end.
    const [leased] = await selectRows<RowDataPacket>(
      pool,
      `SELECT COUNT(*) AS n FROM outbox_messages
        WHERE sent_at IS NULL AND html_body IS NOT NULL AND next_attempt_at > NOW(3) + INTERVAL 1 MINUTE AND next_attempt_at <= NOW(3) + INTERVAL 5 MINUTE`,
    );
    const leasedCount = Number(leased.n);
    smtp = await startSmtpCatcher();
    second = await startApiProcess(apiEnv(databaseUrl, { PIN_PEPPER, SMTP_URL: smtp.url, MAIL_POLL_INTERVAL_MS: '100' }));
    await smtp.waitForMessages(n - leasedCount, 40_000);
    // the five minutes pass (moved forward in the database rather than waited for)
    await pool.query('UPDATE outbox_messages SET next_attempt_at = NOW(3) WHERE sent_at IS NULL');
    await smtp.waitForMessages(n, 40_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(smtp.messages).toHaveLength(n);
    const ids = await selectRows<RowDataPacket>(pool, 'SELECT message_id FROM outbox_messages');
    expect(smtp.messages.map((m) => m.messageId).sort()).toEqual(ids.map((r) => r.message_id).sort());
    const okEmails = new Set(written.filter((b) => ok.includes(b.purchaseId)).map((b) => b.memberEmail));
    const delivered = new Set(smtp.messages.map((m) => (Array.isArray(m.to) ? m.to[0] : m.to)?.value[0]?.address));
    expect([...okEmails].filter((email) => !delivered.has(email))).toEqual([]);
  }, 90_000);
});
