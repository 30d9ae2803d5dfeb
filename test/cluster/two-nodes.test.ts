import type { ParsedMail } from 'mailparser';
import { createAdmin } from '../../src/auth/admin.service';
import type { Pool, RowDataPacket } from '../../src/db/pool';
import { apiEnv, type ApiProcess, startApiProcess } from '../helpers/api-process';
import { linkIn } from '../helpers/bookings';
import { createMember, unique } from '../helpers/factories';
import { type Answer, type BookingWorld, bookingPayload, CREATE_BOOKING, createBookingWorld, signedFetch } from '../helpers/partner-client';
import { type SmtpCatcher, startSmtpCatcher } from '../helpers/smtp-catcher';
import { type ClusterDatabase, conflictCount, endPools, freshClusterDatabase, NODES, type NodeNumber, nodePools } from './cluster';

/**
 * Two API processes, each on its own Galera node, sent the same requests at the same moment. Row
 * locks are local to a node, so these races are decided by certification at commit: the loser gets
 * a deadlock (1213), is run again, and then answers as it would on one server.
 */

const PIN_PEPPER = 'cluster-test-pin-pepper-0123456789';
const VALIDATE_PIN = '/api/external/fuse-metrix/validate-pin';
let database: ClusterDatabase;
let pools: Record<NodeNumber, Pool>;
let smtp: SmtpCatcher;
let onNode1: ApiProcess;
let onNode2: ApiProcess;
let world: BookingWorld;

beforeAll(async () => {
  database = await freshClusterDatabase('iba_cluster_two_nodes');
  pools = nodePools(database, 4);
  world = await createBookingWorld(pools[1], PIN_PEPPER, 140);
  smtp = await startSmtpCatcher();
  const env = (n: NodeNumber) => apiEnv(database.node(n), { PIN_PEPPER, SMTP_URL: smtp.url, MAIL_POLL_INTERVAL_MS: '50' });
  [onNode1, onNode2] = await Promise.all([startApiProcess(env(1)), startApiProcess(env(2))]);
}, 120_000);

afterAll(async () => {
  await Promise.all([onNode1?.stop(), onNode2?.stop()]);
  await smtp?.stop();
  await endPools(pools);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const recipient = (mail: ParsedMail) => (Array.isArray(mail.to) ? mail.to[0] : mail.to)?.value[0]?.address;
const statusesOf = (answers: { status: number }[]) => answers.map((answer) => answer.status).sort();

async function countOnEveryNode(sql: string, params: unknown[] = []): Promise<number[]> {
  return Promise.all(NODES.map(async (n) => Number((await pools[n].query<RowDataPacket[]>(sql, params))[0][0].n)));
}

async function allSent(timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [rows] = await pools[1].query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM outbox_messages WHERE sent_at IS NULL');
    if (Number(rows[0].n) === 0) return;
    if (Date.now() > deadline) throw new Error(`${rows[0].n} e-mails still unsent`);
    await sleep(100);
  }
}

describe('two API processes on two Galera nodes', () => {
  it('answers 100 copies of a purchase sent to both at the same moment with one 200 and one 422 each, none 503', async () => {
    const conflictsBefore = await conflictCount(database);
    const pairs: Answer[][] = [];
    for (let i = 0; i < 100; i++) {
      const payload = bookingPayload(world, i, 900_000 + i);
      pairs.push(await Promise.all([onNode1, onNode2].map((api) => signedFetch(api.url, world.connector, CREATE_BOOKING, payload))));
    }

    const wrong = pairs.filter((pair) => statusesOf(pair).join() !== '200,422');
    expect(wrong).toEqual([]);
    for (const pair of pairs) {
      expect(pair.find((answer) => answer.status === 200)?.body).toEqual({ valid: true, message: 'Booking created successfully' });
      expect(pair.find((answer) => answer.status === 422)?.body).toEqual({ valid: false, message: 'Booking already exits' });
    }
    // the copies did race: Galera aborted the losers, and the retries turned them into duplicates
    expect((await conflictCount(database)) - conflictsBefore).toBeGreaterThan(0);

    // every purchase booked once, with its logbook entry and one queued e-mail, on every node
    const bookingsSql = 'SELECT COUNT(*) AS n FROM bookings WHERE purchase_id BETWEEN 900000 AND 900099';
    expect(await countOnEveryNode(bookingsSql)).toEqual([100, 100, 100]);
    const perPurchase = 'SELECT COUNT(*) AS n FROM (SELECT purchase_id FROM bookings GROUP BY purchase_id HAVING COUNT(*) > 1) doubles';
    expect(await countOnEveryNode(perPurchase)).toEqual([0, 0, 0]);
    const entries = `SELECT COUNT(*) AS n FROM logbook_entries l JOIN bookings b ON b.booking_id = l.booking_id WHERE b.purchase_id BETWEEN 900000 AND 900099`;
    expect(await countOnEveryNode(entries)).toEqual([100, 100, 100]);
  });

  it('sends each of those e-mails once while the workers of both processes, on two nodes, race for them', async () => {
    await allSent();
    await sleep(500);
    const [rows] = await pools[2].query<RowDataPacket[]>('SELECT message_id FROM outbox_messages');
    expect(rows.length).toBeGreaterThanOrEqual(100);
    const received = smtp.messages.map((mail) => mail.messageId).sort();
    expect(received).toEqual(rows.map((row) => String(row.message_id)).sort());
  });

  it('locks a member after exactly 5 of 10 wrong PINs sent to both nodes at once, and on both', async () => {
    const member = await createMember(pools[1], PIN_PEPPER, { pin: '246810' });
    const guess = (api: ApiProcess) => signedFetch(api.url, world.connector, VALIDATE_PIN, { member_id: member.member_id, member_pin: '111111' });
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => guess(i % 2 ? onNode2 : onNode1)));
    expect(statusesOf(answers)).toEqual([422, 422, 422, 422, 422, 429, 429, 429, 429, 429]);
    for (const api of [onNode1, onNode2]) {
      const right = await signedFetch(api.url, world.connector, VALIDATE_PIN, { member_id: member.member_id, member_pin: '246810' });
      expect(right.status).toBe(429);
    }
    expect(await countOnEveryNode("SELECT failures AS n FROM auth_attempts WHERE member_id = ? AND kind = 'pin'", [member.member_id])).toEqual([5, 5, 5]);
  });

  it('counts wrong passwords sent to both nodes at once, none answered 503', async () => {
    const username = unique('admin');
    await createAdmin(pools[1], { username, password: 'Correct-Horse-42-battery', email: `${username}@iba.example` });
    const login = (api: ApiProcess, password: string) =>
      fetch(`${api.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => login(i % 2 ? onNode2 : onNode1, `Wrong-password-${i}`)));
    const statuses = statusesOf(answers);
    expect(statuses.every((status) => status === 401 || status === 429)).toBe(true);
    // each attempt is counted before its password is checked, across nodes too (a conflicting count
    // is retried): the 3 free failures and the one that sets the delay are judged, the rest wait
    expect(statuses.filter((status) => status === 401)).toHaveLength(4);
    expect((await login(onNode2, 'Correct-Horse-42-battery')).status).toBe(429);
  });

  it('saves a flight-time link submitted to both nodes at once exactly once', async () => {
    const links = smtp.messages.filter((mail) => /flight-time/.test(mail.text ?? '')).slice(0, 20);
    expect(links).toHaveLength(20);
    for (const [i, mail] of links.entries()) {
      const path = new URL(linkIn(mail)).pathname;
      const minutes = String(1 + (i % 9));
      const answers = await Promise.all(
        [onNode1, onNode2].map((api) =>
          fetch(api.url + path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `minutes=${minutes}` }),
        ),
      );
      expect(statusesOf(answers)).toEqual([200, 410]);
      const member = await pools[1].query<RowDataPacket[]>('SELECT member_id FROM members WHERE email = ?', [recipient(mail)]);
      const memberId = member[0][0].member_id;
      expect(await countOnEveryNode('SELECT minutes_flown AS n FROM bookings WHERE member_id = ?', [memberId])).toEqual([Number(minutes), Number(minutes), Number(minutes)]);
      expect(await countOnEveryNode('SELECT minutes AS n FROM logbook_entries WHERE member_id = ?', [memberId])).toEqual([Number(minutes), Number(minutes), Number(minutes)]);
    }
  });
});
