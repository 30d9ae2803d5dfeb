import { generate } from 'otplib';
import { createAdmin } from '../../src/auth/admin.service';
import { REPLAYED_TOTP_CODE } from '../../src/auth/auth.service';
import { createPool, type Pool, type RowDataPacket } from '../../src/db/pool';
import { apiEnv, type ApiProcess, startApiProcess } from '../helpers/api-process';
import { prepareTestDatabase, testDatabaseUrl } from '../helpers/database';
import { createMember, selectRows, unique } from '../helpers/factories';
import { type BookingWorld, bookingPayload, CREATE_BOOKING, createBookingWorld, signedFetch } from '../helpers/partner-client';
import { timestampedHeaders } from '../helpers/signed-request';
import { type SmtpCatcher, startSmtpCatcher } from '../helpers/smtp-catcher';

/**
 * Two API processes on one database, requests alternating between them, as behind any load
 * balancer: every rule that needs state (duplicate bookings, PIN lockout, TOTP replay, token
 * revocation, one-time links, sending each e-mail once) holds across the two, because the state is in
 * the database.
 */

const PIN_PEPPER = 'fault-test-pin-pepper-0123456789';
const databaseUrl = testDatabaseUrl();
let pool: Pool;
let smtp: SmtpCatcher;
let a: ApiProcess;
let b: ApiProcess;
let world: BookingWorld;
const both = () => [a, b];

beforeAll(async () => {
  await prepareTestDatabase(databaseUrl);
  pool = createPool(databaseUrl, { connectionLimit: 4 });
  world = await createBookingWorld(pool, PIN_PEPPER, 60);
  smtp = await startSmtpCatcher();
  const env = apiEnv(databaseUrl, { PIN_PEPPER, SMTP_URL: smtp.url, MAIL_POLL_INTERVAL_MS: '50' });
  [a, b] = await Promise.all([startApiProcess(env), startApiProcess(env)]);
}, 60_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await smtp?.stop();
  await pool?.end();
});

async function postJson(api: ApiProcess, path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(api.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function signedPin(api: ApiProcess, memberId: number, pin: string) {
  return signedFetch(api.url, world.connector, '/api/external/fuse-metrix/validate-pin', { member_id: memberId, member_pin: pin });
}

/** A new admin with TOTP on, and the body of a verify-totp with this moment's code. */
async function adminWithTotpCode() {
  const username = unique('admin');
  const password = 'Correct-Horse-42-battery';
  const memberId = await createAdmin(pool, { username, password, email: `${username}@iba.example` });
  const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
  await pool.query('UPDATE members SET totp_secret = ?, totp_enabled = TRUE WHERE member_id = ?', [secret, memberId]);
  const code = await generate({ secret, epoch: Math.floor(Date.now() / 1000) });
  return { username, password, member_id: memberId, code };
}

describe('two API processes on one database, requests alternating', () => {
  it('creates one booking from twenty copies of a purchase sent to both at once', async () => {
    const payload = bookingPayload(world, 0, 4242);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => signedFetch(both()[i % 2].url, world.connector, CREATE_BOOKING, payload)));
    expect(answers.filter((x) => x.status === 200)).toHaveLength(1);
    const duplicates = answers.filter((x) => x.status === 422);
    expect(duplicates).toHaveLength(19);
    expect(duplicates.every((x) => x.body?.valid === false && x.body.message === 'Booking already exits')).toBe(true);
    const rows = await selectRows<RowDataPacket>(pool, 'SELECT COUNT(*) AS n FROM bookings WHERE purchase_id = 4242');
    expect(Number(rows[0].n)).toBe(1);
  });

  it('locks a member after 5 wrong PINs spread over both processes, on both', async () => {
    const member = await createMember(pool, PIN_PEPPER, { pin: '246810' });
    for (let i = 0; i < 5; i++) {
      const answer = await signedPin(both()[i % 2], member.member_id, '111111');
      expect({ status: answer.status, body: answer.body }).toEqual({ status: 422, body: { valid: false, message: 'Invalid PIN' } });
    }
    for (const api of both()) {
      const answer = await signedPin(api, member.member_id, '246810');
      expect(answer.status).toBe(429);
      expect(answer.body).toEqual({ valid: false, message: expect.stringMatching(/^Too many invalid PIN attempts/), retryAfterSeconds: expect.any(Number) });
    }
  });

  it('refuses on one process a timestamped signature already accepted on the other', async () => {
    const member = await createMember(pool, PIN_PEPPER);
    const path = '/api/external/fuse-metrix/get-member';
    const body = JSON.stringify({ member_id: member.member_id });
    const headers = { 'content-type': 'application/json', ...timestampedHeaders(world.connector, { url: path, body: JSON.parse(body) }) };
    const first = await fetch(a.url + path, { method: 'POST', headers, body });
    expect(first.status).toBe(200);
    const replay = await fetch(b.url + path, { method: 'POST', headers, body });
    expect(replay.status).toBe(401);
    expect(await replay.json()).toEqual({ valid: false, message: 'X-SIGNATURE has already been used: sign every request anew' });

    // ten copies of a fresh request (another member: a signature of its own) at once, alternating between the processes: one is accepted
    const other = await createMember(pool, PIN_PEPPER);
    const freshBody = JSON.stringify({ member_id: other.member_id });
    const fresh = { 'content-type': 'application/json', ...timestampedHeaders(world.connector, { url: path, body: JSON.parse(freshBody) }) };
    const copies = await Promise.all(Array.from({ length: 10 }, (_, i) => fetch(both()[i % 2].url + path, { method: 'POST', headers: fresh, body: freshBody })));
    expect(copies.map((response) => response.status).sort()).toEqual([200, ...Array(9).fill(401)]);
  });

  it('refuses on one process a TOTP code already accepted on the other', async () => {
    const credentials = await adminWithTotpCode();

    const accepted = await postJson(a, '/api/auth/verify-totp', credentials, { platform: 'ios' });
    expect(accepted.status).toBe(200);
    expect(typeof accepted.body.token).toBe('string');
    const replayed = await postJson(b, '/api/auth/verify-totp', credentials, { platform: 'ios' });
    expect(replayed).toEqual({ status: 401, body: { status: false, message: REPLAYED_TOTP_CODE } });
  });

  it('revokes on both processes the tokens signed out on one', async () => {
    const signedIn = await postJson(a, '/api/auth/verify-totp', await adminWithTotpCode(), { platform: 'ios' });
    const token = String(signedIn.body.token);
    const listOn = (api: ApiProcess) => fetch(`${api.url}/api/external/fuse-metrix/op/`, { headers: { token } }).then((response) => response.status);
    expect(await listOn(b)).toBe(200);
    expect((await postJson(a, '/api/auth/sign-out-everywhere', {}, { token })).status).toBe(200);
    expect(await listOn(b)).toBe(401);
    expect(await listOn(a)).toBe(401);
  });

  it('uses a flight-time link once, whichever process opens and submits it', async () => {
    const member = await createMember(pool, PIN_PEPPER);
    const now = Math.floor(Date.now() / 1000);
    const payload = { ...bookingPayload(world, 0, 5151), member_id: member.member_id, flight_date: now, checkin_time: now };
    expect((await signedFetch(b.url, world.connector, CREATE_BOOKING, payload)).status).toBe(200);
    const deadline = Date.now() + 20_000;
    let mail = smtp.messages.find((m) => (Array.isArray(m.to) ? m.to[0] : m.to)?.value[0]?.address === member.email);
    while (!mail && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      mail = smtp.messages.find((m) => (Array.isArray(m.to) ? m.to[0] : m.to)?.value[0]?.address === member.email);
    }
    const link = /https?:\/\/\S+(\/flight-time\/[A-Za-z0-9_-]+)/.exec(mail?.text ?? '');
    expect(link).not.toBeNull();
    const path = link![1];

    const opened = await fetch(a.url + path);
    expect(opened.status).toBe(200);
    expect(await opened.text()).toMatch(/<form/i);
    const form = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'minutes=7' };
    const saved = await fetch(b.url + path, form);
    expect(saved.status).toBe(200);
    expect(await saved.text()).toContain('7 minutes');
    const again = await fetch(a.url + path, form);
    expect(again.status).toBe(410);
    expect((await fetch(b.url + path)).status).toBe(410);
    const rows = await selectRows<RowDataPacket>(pool, 'SELECT minutes_flown FROM bookings WHERE purchase_id = 5151');
    expect(rows.map((r) => r.minutes_flown)).toEqual([7]);
  });

  it('sends each e-mail once while both workers drain one outbox', async () => {
    // fifty more bookings, alternating between the processes
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => signedFetch(both()[i % 2].url, world.connector, CREATE_BOOKING, bookingPayload(world, i + 10, 6000 + i))),
    );
    expect(answers.filter((x) => x.status !== 200)).toEqual([]);

    const deadline = Date.now() + 30_000;
    for (;;) {
      const [row] = await selectRows<RowDataPacket>(pool, 'SELECT COUNT(*) AS unsent FROM outbox_messages WHERE sent_at IS NULL');
      if (Number(row.unsent) === 0) break;
      if (Date.now() > deadline) throw new Error(`${row.unsent} e-mails still unsent`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 500));
    const ids = await selectRows<RowDataPacket>(pool, 'SELECT message_id FROM outbox_messages');
    const received = smtp.messages.map((m) => m.messageId);
    expect(received.length).toBe(ids.length);
    expect(received.sort()).toEqual(ids.map((r) => r.message_id).sort());
    expect(ids.length).toBeGreaterThanOrEqual(52);
  });
});
