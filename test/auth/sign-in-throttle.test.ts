import type { RowDataPacket } from '../../src/db/pool';
import { createAdmin } from '../../src/auth/admin.service';
import { selectRows, unique } from '../helpers/factories';
import { createTestContext, type TestContext } from '../helpers/test-app';

/**
 * Password guessing is throttled per client address and per login at that address, with growing
 * delays; never by locking an account. The app trusts a proxy on loopback here, so each test can
 * speak from the addresses it needs (X-Forwarded-For), and uses the default per-address allowance.
 */
let t: TestContext;
beforeAll(async () => {
  t = await createTestContext({ TRUST_PROXY: 'loopback', SIGN_IN_FREE_FAILURES_PER_ADDRESS: '' });
});
afterAll(() => t.close());

const PASSWORD = 'Correct-Horse-42-battery';
const T0 = new Date('2026-05-04T09:00:10Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

async function newAdmin() {
  const username = unique('admin');
  const memberId = await createAdmin(t.pool, { username, password: PASSWORD, email: `${username}@iba.example` });
  return { memberId, username };
}

let addressCounter = 0;
/** A fresh documentation-range address for each caller, so tests do not share counters. */
const newAddress = () => `203.0.113.${++addressCounter}`;

const login = (from: string, username: string, password: string) =>
  t.request().post('/api/auth/login').set('X-Forwarded-For', from).send({ username, password });

const answer = (res: { status: number; body: unknown; headers: Record<string, string> }) => ({ status: res.status, body: res.body, retryAfter: res.headers['retry-after'] });

describe('failed sign-ins', () => {
  // Attack (security review): five wrong passwords locked any account, admins included, for 15 minutes.
  it('never lock the account for its owner: an attacker elsewhere is slowed down, the owner signs in', async () => {
    const admin = await newAdmin();
    const attacker = newAddress();
    t.setNow(T0);
    const answers = [];
    for (let attempt = 0; attempt < 12; attempt++) answers.push((await login(attacker, admin.username, `Wrong-password-${attempt}`)).status);
    expect(answers.slice(0, 4)).toEqual([401, 401, 401, 401]);
    expect(answers.slice(4)).toContain(429);

    const owner = await login(newAddress(), admin.username, PASSWORD);
    expect(owner.status).toBe(200);
    expect(owner.body).toEqual({ status: true, requiresTotpSetup: true, member_id: admin.memberId });
  });

  // Attack (security review): only existing accounts ever got the 429, so the lockout told which usernames exist.
  it('answer a known and an unknown username alike, attempt for attempt', async () => {
    const admin = await newAdmin();
    const known = newAddress();
    const unknown = newAddress();
    t.setNow(T0);
    for (let attempt = 0; attempt < 8; attempt++) {
      t.setNow(at(attempt));
      const forKnown = await login(known, admin.username, `Wrong-password-${attempt}`);
      const forUnknown = await login(unknown, `${admin.username}-nobody`, `Wrong-password-${attempt}`);
      expect(answer(forUnknown)).toEqual(answer(forKnown));
    }
  });

  it('grow the delay from 1 second, doubling, after 3 free failures per login and address; even the right password waits it out', async () => {
    const admin = await newAdmin();
    const from = newAddress();
    t.setNow(T0);
    for (let attempt = 0; attempt < 4; attempt++) expect((await login(from, admin.username, 'Wrong-password-1')).status).toBe(401);

    const waiting = await login(from, admin.username, PASSWORD);
    expect(waiting.status).toBe(429);
    expect(waiting.body).toEqual({ status: false, message: 'Too many failed sign-in attempts: try again in 1 second', retryAfterSeconds: 1 });
    expect(waiting.headers['retry-after']).toBe('1');

    t.setNow(at(1));
    expect((await login(from, admin.username, 'Wrong-password-2')).status).toBe(401);
    expect(answer(await login(from, admin.username, PASSWORD))).toMatchObject({ status: 429, retryAfter: '2' });
    t.setNow(at(3));
    expect((await login(from, admin.username, 'Wrong-password-3')).status).toBe(401);
    expect(answer(await login(from, admin.username, PASSWORD))).toMatchObject({ status: 429, retryAfter: '4' });

    // the same login from another address is not held up
    expect((await login(newAddress(), admin.username, PASSWORD)).status).toBe(200);

    // once the delay is over, the right password signs in and the login's counter starts afresh
    t.setNow(at(7));
    expect((await login(from, admin.username, PASSWORD)).status).toBe(200);
    for (let attempt = 0; attempt < 3; attempt++) expect((await login(from, admin.username, 'Wrong-password-4')).status).toBe(401);
    expect((await login(from, admin.username, PASSWORD)).status).toBe(200);
  });

  // Attack (review): the throttle was checked before argon2 and counted after it, so guesses sent in parallel all passed the check.
  it('count guesses sent in parallel one by one: a burst gets the free failures and the one that sets the delay, the rest wait', async () => {
    const admin = await newAdmin();
    const from = newAddress();
    t.setNow(T0);
    const statuses = await Promise.all(Array.from({ length: 12 }, (_, i) => login(from, admin.username, `Wrong-password-${i}`).then((res) => res.status)));
    expect(statuses.filter((status) => status === 401)).toHaveLength(4);
    expect(statuses.filter((status) => status === 429)).toHaveLength(8);
    const [counter] = await selectRows<RowDataPacket>(t.pool, 'SELECT MAX(failures) AS failures FROM sign_in_throttle WHERE last_failure_at = ?', [T0]);
    expect(counter.failures).toBe(4);
  });

  it('never count a right password against its address: the next person behind a busy address is not held up', async () => {
    const first = await newAdmin();
    const second = await newAdmin();
    const office = newAddress();
    t.setNow(T0);
    // the address's 20 free failures used up, across usernames (a busy office behind one address)
    for (let attempt = 0; attempt < 20; attempt++) expect((await login(office, unique('typo'), 'Wrong-password')).status).toBe(401);
    expect((await login(office, first.username, PASSWORD)).status).toBe(200);
    expect((await login(office, second.username, PASSWORD)).status).toBe(200);
    // the next failure is still the 21st, which sets the delay
    expect((await login(office, unique('typo'), 'Wrong-password')).status).toBe(401);
    expect(answer(await login(office, second.username, PASSWORD))).toMatchObject({ status: 429, retryAfter: '1' });
  });

  it('let many people sign in at once from one address (an office behind one NAT), all with the right password', async () => {
    const office = newAddress();
    const admins = await Promise.all(Array.from({ length: 30 }, () => newAdmin()));
    t.setNow(T0);
    const statuses = await Promise.all(admins.map((admin) => login(office, admin.username, PASSWORD).then((res) => res.status)));
    expect(statuses).toEqual(admins.map(() => 200));
  });

  it('cap the delay at SIGN_IN_MAX_DELAY_SECONDS (15 minutes) and forget failures after an hour without one', async () => {
    const admin = await newAdmin();
    const from = newAddress();
    let now = 0;
    for (let attempt = 0; attempt < 16; attempt++) {
      t.setNow(at(now));
      expect((await login(from, admin.username, 'Wrong-password')).status).toBe(401);
      now += 15 * 60; // always after the delay the last failure set
    }
    t.setNow(at(now - 15 * 60 + 1));
    expect(answer(await login(from, admin.username, PASSWORD))).toMatchObject({ status: 429, retryAfter: String(15 * 60 - 1) });

    t.setNow(at(now - 15 * 60 + 3600 + 1));
    expect((await login(from, admin.username, 'Wrong-password')).status).toBe(401);
    expect((await login(from, admin.username, PASSWORD)).status).toBe(200);
  });

  it('slow down one address guessing across many usernames after SIGN_IN_FREE_FAILURES_PER_ADDRESS (20), and only that address', async () => {
    const admin = await newAdmin();
    const sprayer = newAddress();
    t.setNow(T0);
    for (let attempt = 0; attempt < 21; attempt++) {
      expect((await login(sprayer, unique('guess'), 'Password-123456')).status).toBe(401);
    }
    const blocked = await login(sprayer, admin.username, PASSWORD);
    expect(answer(blocked)).toMatchObject({ status: 429, retryAfter: '1' });
    expect((await login(newAddress(), admin.username, PASSWORD)).status).toBe(200);
  });

  it('do not count an attempt refused before its password was checked (argon2 queue full)', async () => {
    const busy = await createTestContext({ TRUST_PROXY: 'loopback', SIGN_IN_FREE_FAILURES_PER_ADDRESS: '', ARGON2_MAX_WAITING: '0' });
    try {
      const username = unique('admin');
      await createAdmin(busy.pool, { username, password: PASSWORD, email: `${username}@iba.example` });
      busy.setNow(T0);
      const from = newAddress();
      const send = () => busy.request().post('/api/auth/login').set('X-Forwarded-For', from).send({ username, password: 'Wrong-password' });
      const statuses = (await Promise.all(Array.from({ length: 8 }, send))).map((res) => res.status);
      const checked = statuses.filter((status) => status === 401).length;
      // two argon2 computations at once and no queue: some of the burst were refused unheard
      expect(statuses.filter((status) => status === 503).length).toBeGreaterThan(0);
      // once any delay is over, only the checked ones have counted against the 3 free failures
      busy.setNow(at(20 * 60));
      const rest = [];
      for (let attempt = 0; attempt < Math.max(1, 4 - checked); attempt++) rest.push((await send()).status);
      rest.push((await send()).status);
      expect(rest).toEqual([...Array.from({ length: Math.max(1, 4 - checked) }, () => 401), 429]);
    } finally {
      await busy.close();
    }
  });

  it('count on the socket address when no proxy is trusted: a forged X-Forwarded-For does not buy fresh attempts', async () => {
    const untrusting = await createTestContext({ SIGN_IN_FREE_FAILURES_PER_ADDRESS: '' });
    try {
      const username = unique('admin');
      await createAdmin(untrusting.pool, { username, password: PASSWORD, email: `${username}@iba.example` });
      untrusting.setNow(T0);
      const statuses = [];
      for (let attempt = 0; attempt < 6; attempt++) {
        const res = await untrusting.request().post('/api/auth/login').set('X-Forwarded-For', `198.51.100.${attempt}`).send({ username, password: 'Wrong-password' });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
    } finally {
      await untrusting.close();
    }
  });

  it('apply to every step that takes a password (TOTP setup and verification too)', async () => {
    const admin = await newAdmin();
    const from = newAddress();
    t.setNow(T0);
    const body = { username: admin.username, password: 'Wrong-password', member_id: admin.memberId };
    await t.request().post('/api/auth/totp/setup').set('X-Forwarded-For', from).send(body);
    await t.request().post('/api/auth/totp/verify-setup').set('X-Forwarded-For', from).send({ ...body, code: '123456' });
    await t.request().post('/api/auth/verify-totp').set('X-Forwarded-For', from).send({ ...body, code: '123456' });
    await login(from, admin.username, 'Wrong-password');
    expect(answer(await login(from, admin.username, PASSWORD))).toMatchObject({ status: 429, retryAfter: '1' });
  });

  it('are audited with time, account (when it exists) and client address, never the password', async () => {
    const admin = await newAdmin();
    const from = newAddress();
    t.setNow(T0);
    await login(from, admin.username, 'Wrong-password-audit');
    await login(from, `${admin.username}-nobody`, 'Wrong-password-audit');
    for (let attempt = 0; attempt < 3; attempt++) await login(from, admin.username, 'Wrong-password-audit');
    await login(from, admin.username, PASSWORD);
    const trail = await selectRows<RowDataPacket>(
      t.pool,
      'SELECT event, member_id, detail, created_at FROM sign_in_audit WHERE client_address = ? ORDER BY sign_in_audit_id',
      [from],
    );
    expect(trail).toEqual([
      { event: 'password-failed', member_id: admin.memberId, detail: 'login', created_at: T0 },
      { event: 'password-failed', member_id: null, detail: 'login, unknown account', created_at: T0 },
      { event: 'password-failed', member_id: admin.memberId, detail: 'login', created_at: T0 },
      { event: 'password-failed', member_id: admin.memberId, detail: 'login', created_at: T0 },
      { event: 'password-failed', member_id: admin.memberId, detail: 'login', created_at: T0 },
      { event: 'throttled', member_id: admin.memberId, detail: 'login', created_at: T0 },
    ]);
    const everything = JSON.stringify(await selectRows(t.pool, 'SELECT * FROM sign_in_audit'));
    expect(everything).not.toContain('Wrong-password-audit');
    expect(everything).not.toContain(PASSWORD);
  });

  it('keep no typed login in the database, only hashes of it', async () => {
    const from = newAddress();
    const typed = unique('typed-login');
    t.setNow(T0);
    await login(from, typed, 'Wrong-password');
    const rows = await selectRows<RowDataPacket>(t.pool, 'SELECT throttle_key FROM sign_in_throttle');
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(Buffer.from(row.throttle_key).includes(Buffer.from(typed))).toBe(false);
  });
});
