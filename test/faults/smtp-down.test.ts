import { createPool, type Pool, type RowDataPacket } from '../../src/db/pool';
import { apiEnv, type ApiProcess, freePort, startApiProcess } from '../helpers/api-process';
import { prepareTestDatabase, testDatabaseUrl } from '../helpers/database';
import { selectRows } from '../helpers/factories';
import { type BookingWorld, bookingCompleteness, bookingPayload, CREATE_BOOKING, createBookingWorld, runConcurrently, signedFetch } from '../helpers/partner-client';
import { type SmtpCatcher, startSmtpCatcher } from '../helpers/smtp-catcher';

/**
 * SMTP is down while 200 check-ins arrive: every booking and logbook entry is saved, and once the
 * SMTP server is back every e-mail arrives, each exactly once. The real server process with its real
 * outbox worker; nothing mocked, nothing but loopback.
 */

const BOOKINGS = 200;
const PIN_PEPPER = 'fault-test-pin-pepper-0123456789';
const databaseUrl = testDatabaseUrl();
let pool: Pool;
let api: ApiProcess;
let smtp: SmtpCatcher | null = null;
let smtpPort: number;
let world: BookingWorld;

beforeAll(async () => {
  await prepareTestDatabase(databaseUrl);
  pool = createPool(databaseUrl, { connectionLimit: 4 });
  world = await createBookingWorld(pool, PIN_PEPPER, BOOKINGS);
  // a port with nothing listening: the SMTP server is down
  smtpPort = await freePort();
  api = await startApiProcess(apiEnv(databaseUrl, { PIN_PEPPER, SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, MAIL_POLL_INTERVAL_MS: '100' }));
}, 60_000);

afterAll(async () => {
  await api?.stop();
  await smtp?.stop();
  await pool?.end();
});

async function waitFor<T>(what: string, probe: () => Promise<T | null>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('SMTP down during a burst of 200 bookings', () => {
  it('saves every booking and logbook entry, and delivers every e-mail exactly once when SMTP returns', async () => {
    let next = 0;
    const answers = await runConcurrently(10, () => {
      if (next >= BOOKINGS) return null;
      const i = next++;
      return () => signedFetch(api.url, world.connector, CREATE_BOOKING, bookingPayload(world, i, 700_000 + i));
    });
    expect(answers.map((a) => a.status)).toEqual(Array(BOOKINGS).fill(200));
    expect(answers.every((a) => a.body?.valid === true && a.body.message === 'Booking created successfully')).toBe(true);

    const written = await bookingCompleteness(pool, world.connector.id);
    expect(written).toHaveLength(BOOKINGS);
    expect(written.filter((b) => !b.hasLogbookEntry || !b.hasFlightTimeLink || b.outboxMessages !== 1)).toEqual([]);

    // the worker really tried while SMTP was down: every message has a failed attempt and its error on record
    await waitFor(
      'every e-mail to have failed once',
      async () => {
        const [row] = await selectRows<RowDataPacket>(pool, 'SELECT COUNT(*) AS n FROM outbox_messages WHERE attempts >= 1 AND last_error IS NOT NULL AND sent_at IS NULL');
        return Number(row.n) === BOOKINGS ? true : null;
      },
      20_000,
    );

    // SMTP comes back on the same address
    smtp = await startSmtpCatcher(smtpPort);
    await smtp.waitForMessages(BOOKINGS, 40_000);
    // a little longer, so a duplicate sent late would be seen
    await new Promise((r) => setTimeout(r, 1500));

    const [outbox] = await selectRows<RowDataPacket>(pool, 'SELECT COUNT(*) AS total, COUNT(sent_at) AS sent FROM outbox_messages');
    expect({ total: Number(outbox.total), sent: Number(outbox.sent) }).toEqual({ total: BOOKINGS, sent: BOOKINGS });
    expect(smtp.messages).toHaveLength(BOOKINGS);
    const messageIds = smtp.messages.map((m) => m.messageId);
    expect(new Set(messageIds).size).toBe(BOOKINGS);
    const ids = await selectRows<RowDataPacket>(pool, 'SELECT message_id FROM outbox_messages');
    expect(messageIds.sort()).toEqual(ids.map((r) => r.message_id).sort());
    const recipients = smtp.messages.map((m) => (Array.isArray(m.to) ? m.to[0] : m.to)?.value[0]?.address);
    expect(recipients.sort()).toEqual(world.members.map((m) => m.email).sort());
    expect(api.child.exitCode).toBeNull();
  }, 90_000);
});
