import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPool, type Pool, type RowDataPacket } from '../../src/db/pool';
import { migrate } from '../../src/db/migrate';
import { apiEnv, type ApiProcess, startApiProcess } from '../helpers/api-process';
import { selectRows } from '../helpers/factories';
import { MariaDbInstance } from '../helpers/mariadb-instance';
import { type Answer, type BookingWorld, bookingCompleteness, bookingPayload, CREATE_BOOKING, createBookingWorld, signedFetch } from '../helpers/partner-client';

/**
 * The database dies (SIGKILL, no clean shutdown) under a steady stream of create-bookings and comes
 * back a few seconds later, on a MariaDB server of this test's own. Requests in the gap get a 503 in
 * the partner envelope, /health says 503, the same API process serves bookings again once the
 * database is back, and no booking is half written.
 */

const PIN_PEPPER = 'fault-test-pin-pepper-0123456789';
const DATABASE = 'iba_fault';
let db: MariaDbInstance;
let pool: Pool;
let api: ApiProcess;
let world: BookingWorld;
let mailDir: string;

beforeAll(async () => {
  db = await MariaDbInstance.create(DATABASE);
  await migrate(db.url(DATABASE));
  pool = createPool(db.url(DATABASE), { connectionLimit: 2 });
  world = await createBookingWorld(pool, PIN_PEPPER, 700);
  mailDir = fs.mkdtempSync(path.join(os.tmpdir(), 'iba-fault-mail-'));
  api = await startApiProcess(apiEnv(db.url(DATABASE), { PIN_PEPPER, MAIL_OUTBOX_DIR: mailDir, MAIL_POLL_INTERVAL_MS: '200' }));
}, 60_000);

afterAll(async () => {
  await api?.stop();
  await pool?.end().catch(() => undefined);
  await db?.destroy();
  if (mailDir) fs.rmSync(mailDir, { recursive: true, force: true });
});

interface Outcome extends Answer {
  purchaseId: number;
  sentAt: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function health(): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${api.url}/health`, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: await response.json() };
}

describe('the database stopped and started again under load', () => {
  it('answers 503 JSON in the gap, recovers without a restart, and leaves no half-written booking', async () => {
    const outcomes: Outcome[] = [];
    let stop = false;
    let next = 0;
    const pid = api.child.pid;
    const worker = async () => {
      while (!stop && next < world.members.length) {
        const i = next++;
        const purchaseId = 800_000 + i;
        const sentAt = Date.now();
        const outcome: Outcome = { purchaseId, sentAt, ...(await signedFetch(api.url, world.connector, CREATE_BOOKING, bookingPayload(world, i, purchaseId))) };
        outcomes.push(outcome);
        // like a partner's client: a short pause between check-ins, a longer one after a 503
        await sleep(outcome.status === 200 ? 50 : 250);
      }
    };
    const load = Promise.all(Array.from({ length: 6 }, worker));

    await sleep(1500);
    expect(outcomes.some((o) => o.status === 200)).toBe(true);

    await db.kill();
    const killedAt = Date.now();
    // /health notices, with a JSON answer
    let down: { status: number; body: unknown } | null = null;
    for (let i = 0; i < 50 && !down; i++) {
      const answer = await health();
      if (answer.status === 503) down = answer;
      else await sleep(100);
    }
    expect(down).toEqual({ status: 503, body: { status: false, message: 'Database unavailable', database: 'down' } });
    await sleep(2500);
    const gap = outcomes.filter((o) => o.sentAt > killedAt + 200);
    expect(gap.length).toBeGreaterThan(0);

    await db.start();
    const restartedAt = Date.now();
    // the same process recovers by itself: bookings succeed again and /health is back to 200
    for (let i = 0; i < 150 && !outcomes.some((o) => o.sentAt > restartedAt && o.status === 200); i++) await sleep(100);
    expect((await health()).status).toBe(200);
    await sleep(500);
    stop = true;
    await load;

    expect(api.child.exitCode).toBeNull();
    expect(api.child.pid).toBe(pid);
    expect(next).toBeLessThan(world.members.length);
    expect(outcomes.some((o) => o.sentAt > restartedAt && o.status === 200)).toBe(true);

    // every answer was a success or a clean 503 in the partner envelope: no 500, no HTML, no dropped connection
    const unexpected = outcomes.filter(
      (o) => !(o.status === 200 && o.body?.valid === true) && !(o.status === 503 && /application\/json/.test(o.contentType) && o.body?.valid === false && typeof o.body.message === 'string'),
    );
    expect(unexpected).toEqual([]);
    expect(outcomes.filter((o) => o.status === 503).length).toBeGreaterThan(0);

    // no half-written booking: each one has its logbook entry, its link and its one queued e-mail;
    // every 200 was committed (the database was killed, not shut down, so this is InnoDB's recovery)
    const written = await bookingCompleteness(pool, world.connector.id);
    expect(written.filter((b) => !b.hasLogbookEntry || !b.hasFlightTimeLink || b.outboxMessages !== 1)).toEqual([]);
    const stored = new Set(written.map((b) => b.purchaseId));
    expect(outcomes.filter((o) => o.status === 200 && !stored.has(o.purchaseId))).toEqual([]);
    const [orphans] = await selectRows<RowDataPacket>(
      pool,
      `SELECT (SELECT COUNT(*) FROM logbook_entries) - (SELECT COUNT(*) FROM bookings) AS extra_entries,
              (SELECT COUNT(*) FROM outbox_messages) - (SELECT COUNT(*) FROM bookings) AS extra_messages`,
    );
    expect({ entries: Number(orphans.extra_entries), messages: Number(orphans.extra_messages) }).toEqual({ entries: 0, messages: 0 });
  }, 60_000);
});
