import { createHash, randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { RowDataPacket } from '../../src/db/pool';
import { hashPassword } from '../../src/security/passwords';
import { totpCodeAt } from '../helpers/admin-session';
import { createMember, selectRows, unique } from '../helpers/factories';
import { createTestContext, type TestContext } from '../helpers/test-app';

let t: TestContext;
let passwordHash: string;
beforeAll(async () => {
  t = await createTestContext();
  passwordHash = await hashPassword(PASSWORD);
});
afterAll(() => t.close());

const PASSWORD = 'Flyer-password-2026';
const T0 = new Date('2026-05-04T09:00:10Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

async function newFlyer() {
  const username = unique('flyer');
  const member = await createMember(t.pool, t.config.PIN_PEPPER, { username, password_hash: passwordHash, first_name: 'Robin' });
  return { ...member, username };
}

/** The code from the newest e-mail queued for this address: what the flyer reads in their inbox. */
async function codeFromLatestEmail(to: string): Promise<{ code: string; row: RowDataPacket }> {
  const [row] = await selectRows<RowDataPacket>(
    t.pool,
    'SELECT template, to_address, subject, html_body, text_body FROM outbox_messages WHERE to_address = ? ORDER BY outbox_message_id DESC LIMIT 1',
    [to],
  );
  const match = /sign-in code is:\s+(\d{6})/.exec(row.text_body);
  if (!match) throw new Error(`no code in e-mail: ${row.text_body}`);
  return { code: match[1], row };
}

const verifyOtp = (body: object, platform?: string) => {
  const request = t.request().post('/api/auth/verify-otp');
  if (platform) request.set('platform', platform);
  return request.send(body);
};

/** Logs the flyer in (username or e-mail) and returns the challenge from the answer and the code from the e-mail. */
async function loginForCode(flyer: { username: string; email: string }, login = flyer.username): Promise<{ challenge: string; code: string }> {
  const res = await t.request().post('/api/auth/login').send({ username: login, password: PASSWORD });
  expect(res.status).toBe(200);
  const { code } = await codeFromLatestEmail(flyer.email);
  return { challenge: res.body.challenge, code };
}

const otherCode = (code: string) => (code === '000000' ? '111111' : '000000');
const madeUpChallenge = () => randomBytes(32).toString('base64url');

describe('POST /api/auth/login for members who are not admins', () => {
  it('e-mails a 6-digit code through the outbox and answers requiresOtp with a challenge, and no token', async () => {
    const flyer = await newFlyer();
    t.setNow(T0);
    const res = await t.request().post('/api/auth/login').send({ username: flyer.username, password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: true, requiresOtp: true, member_id: flyer.member_id, challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    expect(res.headers.token).toBeUndefined();

    const { code, row } = await codeFromLatestEmail(flyer.email);
    expect(row.template).toBe('auth/login-code');
    expect(row.subject).toBe('Your IBA sign-in code'); // the code is not shown in inbox lists and notifications
    expect(row.text_body).toContain('Hi Robin,');
    expect(row.text_body).toContain('for the next 10 minutes');
    expect(row.html_body).toContain(`>${code}</p>`);
    expect(row.text_body).not.toContain(res.body.challenge);

    const [stored] = await selectRows<RowDataPacket>(t.pool, 'SELECT code_hash, challenge_hash, expires_at, used_at FROM email_otps WHERE member_id = ?', [flyer.member_id]);
    expect(stored.code_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.code_hash).not.toContain(code);
    expect(stored.challenge_hash).toBe(createHash('sha256').update(res.body.challenge).digest('hex'));
    expect(stored.expires_at).toEqual(at(600));
    expect(stored.used_at).toBeNull();
  });
});

describe('POST /api/auth/verify-otp', () => {
  it('signs in with the challenge and the e-mailed code once (token in the body with platform: ios, else in the header)', async () => {
    const flyer = await newFlyer();
    t.setNow(T0);
    const { challenge, code } = await loginForCode(flyer);

    t.setNow(at(60));
    const res = await verifyOtp({ username: flyer.username, member_id: flyer.member_id, challenge, code }, 'ios');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: true, message: 'Login successful', member_id: flyer.member_id, role_id: 2, token: expect.any(String) });
    expect(jwt.verify(res.body.token, t.config.JWT_SECRET, { algorithms: ['HS256'], clockTimestamp: Math.floor(at(60).getTime() / 1000) })).toMatchObject({
      member_id: flyer.member_id,
      role_id: 2,
    });

    const again = await verifyOtp({ member_id: flyer.member_id, challenge, code });
    expect(again.status).toBe(401);
    expect(again.body).toEqual({ status: false, message: 'Invalid or expired code' });

    const second = await loginForCode(flyer, flyer.email);
    const web = await verifyOtp({ member_id: flyer.member_id, ...second });
    expect(web.status).toBe(200);
    expect(web.headers.token).toEqual(expect.any(String));
    expect(web.body.token).toBeUndefined();
  });

  it('refuses a code after 10 minutes', async () => {
    const flyer = await newFlyer();
    t.setNow(T0);
    const { challenge, code } = await loginForCode(flyer);
    t.setNow(at(600));
    const res = await verifyOtp({ member_id: flyer.member_id, challenge, code });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ status: false, message: 'Invalid or expired code' });
  });

  it('takes the username as /login took it, whatever its case, and refuses another member\'s', async () => {
    const flyer = await newFlyer();
    const other = await newFlyer();
    t.setNow(T0);
    const typed = flyer.username.toUpperCase();
    const { challenge, code } = await loginForCode(flyer, typed);
    const wrong = await verifyOtp({ username: other.username, member_id: flyer.member_id, challenge, code });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ status: false, message: 'Invalid or expired code' });
    expect((await verifyOtp({ username: typed, member_id: flyer.member_id, challenge, code })).status).toBe(200);
  });

  it('accepts only the latest code and challenge when the member logs in twice', async () => {
    const flyer = await newFlyer();
    t.setNow(T0);
    const first = await loginForCode(flyer);
    const second = await loginForCode(flyer);
    const rows = await selectRows<RowDataPacket>(t.pool, 'SELECT used_at FROM email_otps WHERE member_id = ? ORDER BY email_otp_id', [flyer.member_id]);
    expect(rows.map((row) => row.used_at)).toEqual([T0, null]);
    expect((await verifyOtp({ member_id: flyer.member_id, challenge: first.challenge, code: second.code })).status).toBe(401);
    expect((await verifyOtp({ member_id: flyer.member_id, ...second })).status).toBe(200);
  });

  it('answers 401 when the username or the member_id does not belong to the challenge', async () => {
    const flyer = await newFlyer();
    const other = await newFlyer();
    t.setNow(T0);
    const { challenge, code } = await loginForCode(flyer);
    expect((await verifyOtp({ username: other.username, member_id: flyer.member_id, challenge, code })).status).toBe(401);
    expect((await verifyOtp({ member_id: other.member_id, challenge, code })).status).toBe(401);
    expect((await verifyOtp({ username: flyer.username, member_id: flyer.member_id, challenge, code })).status).toBe(200);
  });

  // Attack (security review): verify-otp needed only a member_id, so anyone could lock any member's
  // sign-in with five wrong codes, and the answers told which member ids exist.
  it('without the challenge from login, answers every member id alike and locks nobody out', async () => {
    const flyer = await newFlyer();
    t.setNow(T0);
    const answers = [];
    for (let attempt = 0; attempt < 8; attempt++) {
      for (const memberId of [flyer.member_id, 999_999_999]) {
        const res = await verifyOtp({ member_id: memberId, challenge: madeUpChallenge(), code: String(100_000 + attempt) });
        answers.push({ status: res.status, body: res.body });
      }
    }
    expect(new Set(answers.map((answer) => JSON.stringify(answer)))).toEqual(new Set([JSON.stringify({ status: 401, body: { status: false, message: 'Invalid or expired code' } })]));
    expect(await selectRows(t.pool, 'SELECT * FROM auth_attempts WHERE member_id = ?', [flyer.member_id])).toHaveLength(0);

    // the member signs in at once
    const { challenge, code } = await loginForCode(flyer);
    expect((await verifyOtp({ member_id: flyer.member_id, challenge, code })).status).toBe(200);
  });

  it('uses the code up after 5 wrong ones, without locking the member: signing in again gives a working code at once', async () => {
    const flyer = await newFlyer();
    t.setNow(T0);
    const { challenge, code } = await loginForCode(flyer);
    for (let attempt = 0; attempt < 5; attempt++) {
      const res = await verifyOtp({ member_id: flyer.member_id, challenge, code: otherCode(code) });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ status: false, message: 'Invalid or expired code' });
    }
    expect((await verifyOtp({ member_id: flyer.member_id, challenge, code })).status).toBe(401);
    const [used] = await selectRows<RowDataPacket>(t.pool, 'SELECT failed_attempts, used_at FROM email_otps WHERE member_id = ?', [flyer.member_id]);
    expect(used).toEqual({ failed_attempts: 5, used_at: T0 });

    const fresh = await loginForCode(flyer);
    expect((await verifyOtp({ member_id: flyer.member_id, ...fresh })).status).toBe(200);
  });

  it('audits wrong codes and the sign-in with the client address', async () => {
    const flyer = await newFlyer();
    t.setNow(T0);
    const { challenge, code } = await loginForCode(flyer);
    await verifyOtp({ member_id: flyer.member_id, challenge, code: otherCode(code) });
    await verifyOtp({ member_id: flyer.member_id, challenge, code });
    const trail = await selectRows<RowDataPacket>(t.pool, 'SELECT event, client_address, detail, created_at FROM sign_in_audit WHERE member_id = ? ORDER BY sign_in_audit_id', [flyer.member_id]);
    expect(trail).toEqual([
      { event: 'code-failed', client_address: '127.0.0.1', detail: 'e-mailed code', created_at: T0 },
      { event: 'signed-in', client_address: '127.0.0.1', detail: 'e-mailed code', created_at: T0 },
    ]);
  });

  it('sends a member who turned TOTP on (signed in with the e-mailed code) to TOTP instead of e-mail', async () => {
    const flyer = await newFlyer();
    t.setNow(T0);
    const { challenge, code: emailed } = await loginForCode(flyer);
    const token = (await verifyOtp({ member_id: flyer.member_id, challenge, code: emailed })).headers.token;
    const credentials = { username: flyer.username, password: PASSWORD, member_id: flyer.member_id };
    const setup = await t.request().post('/api/auth/totp/setup').set('token', token).send(credentials);
    expect(setup.status).toBe(200);
    const code = await totpCodeAt(setup.body.secret, T0);
    expect((await t.request().post('/api/auth/totp/verify-setup').set('token', token).send({ ...credentials, code })).status).toBe(200);
    const emailsBefore = await selectRows(t.pool, 'SELECT outbox_message_id FROM outbox_messages WHERE to_address = ?', [flyer.email]);
    expect(emailsBefore).toHaveLength(1);
    const res = await t.request().post('/api/auth/login').send({ username: flyer.username, password: PASSWORD });
    expect(res.body).toEqual({ status: true, requiresTotp: true, member_id: flyer.member_id });
    expect(await selectRows(t.pool, 'SELECT outbox_message_id FROM outbox_messages WHERE to_address = ?', [flyer.email])).toEqual(emailsBefore);
  });

  // Attack (review): a code allows five wrong answers, but each login with the password e-mails a new
  // one, so with a stolen password the codes could be guessed login after login.
  it('locks e-mailed codes for an hour after 20 wrong ones across codes, then lets the member in again', async () => {
    const flyer = await newFlyer();
    t.setNow(T0);
    for (let login = 0; login < 4; login++) {
      const { challenge, code } = await loginForCode(flyer);
      for (let attempt = 0; attempt < 5; attempt++) expect((await verifyOtp({ member_id: flyer.member_id, challenge, code: otherCode(code) })).status).toBe(401);
    }
    const right = await loginForCode(flyer);
    const locked = await verifyOtp({ member_id: flyer.member_id, ...right });
    expect(locked.status).toBe(429);
    expect(locked.body).toEqual({ status: false, message: 'Too many wrong codes: try again in 60 minutes', retryAfterSeconds: 3600 });
    const [counter] = await selectRows<RowDataPacket>(t.pool, "SELECT failures, locked_until FROM auth_attempts WHERE member_id = ? AND kind = 'email_otp'", [flyer.member_id]);
    expect(counter).toEqual({ failures: 20, locked_until: new Date(T0.getTime() + 3_600_000) });

    t.setNow(new Date(T0.getTime() + 3_600_000));
    const later = await loginForCode(flyer);
    expect((await verifyOtp({ member_id: flyer.member_id, ...later })).status).toBe(200);
    expect(await selectRows(t.pool, "SELECT * FROM auth_attempts WHERE member_id = ? AND kind = 'email_otp'", [flyer.member_id])).toHaveLength(0);
  });

  it('does not let the password alone turn TOTP on for a member whose second factor is the e-mailed code', async () => {
    const flyer = await newFlyer();
    const other = await newFlyer();
    t.setNow(T0);
    const credentials = { username: flyer.username, password: PASSWORD, member_id: flyer.member_id };
    const refused = { status: false, message: 'Sign in with the code e-mailed to you first, and send that token with this request: turning TOTP on needs both factors' };
    // the password alone (what a phished or reused password gives an attacker)
    const alone = await t.request().post('/api/auth/totp/setup').send(credentials);
    expect(alone.status).toBe(401);
    expect(alone.body).toEqual(refused);
    // with another member's token (the attacker's own account)
    const { challenge, code } = await loginForCode(other);
    const othersToken = (await verifyOtp({ member_id: other.member_id, challenge, code })).headers.token;
    const borrowed = await t.request().post('/api/auth/totp/setup').set('token', othersToken).send(credentials);
    expect(borrowed.status).toBe(401);
    expect(borrowed.body).toEqual(refused);
    const verify = await t.request().post('/api/auth/totp/verify-setup').set('token', othersToken).send({ ...credentials, code: '123456' });
    expect(verify.status).toBe(401);
    expect(verify.body).toEqual(refused);
    // a made-up token is refused as a token
    const forged = await t.request().post('/api/auth/totp/setup').set('token', 'not-a-jwt').send(credentials);
    expect(forged.status).toBe(401);
    expect(forged.body).toEqual({ status: false, message: 'Invalid authentication token' });
    // nothing was stored, and sign-in still asks for the e-mailed code
    expect(await selectRows(t.pool, 'SELECT member_id FROM members WHERE member_id = ? AND (totp_secret IS NOT NULL OR totp_enabled)', [flyer.member_id])).toHaveLength(0);
    expect((await t.request().post('/api/auth/login').send({ username: flyer.username, password: PASSWORD })).body).toMatchObject({ requiresOtp: true });
  });

  it('answers 422 for missing fields, a malformed challenge and a code that is not 6 digits', async () => {
    const missing = await verifyOtp({});
    expect(missing.status).toBe(422);
    expect(missing.body).toEqual({ status: false, message: 'Missing required fields: member_id, challenge, code' });
    const badChallenge = await verifyOtp({ member_id: 1, challenge: 'abc', code: '123456' });
    expect(badChallenge.status).toBe(422);
    expect(badChallenge.body).toEqual({ status: false, message: 'challenge must be the challenge from the login answer' });
    const bad = await verifyOtp({ member_id: 1, challenge: madeUpChallenge(), code: '12ab' });
    expect(bad.status).toBe(422);
    expect(bad.body).toEqual({ status: false, message: 'code must be the 6-digit code from the e-mail' });
  });
});

describe('admins have no e-mail fallback', () => {
  it('never e-mails an admin a code, and refuses verify-otp for an admin', async () => {
    const username = unique('admin');
    const admin = await createMember(t.pool, t.config.PIN_PEPPER, { username, password_hash: passwordHash, role_id: 1 });
    const login = await t.request().post('/api/auth/login').send({ username, password: PASSWORD });
    expect(login.body).toEqual({ status: true, requiresTotpSetup: true, member_id: admin.member_id });
    expect(await selectRows(t.pool, 'SELECT * FROM outbox_messages WHERE to_address = ?', [admin.email])).toHaveLength(0);
    const res = await verifyOtp({ member_id: admin.member_id, challenge: madeUpChallenge(), code: '123456' });
    expect(res.status).toBe(401);
  });
});
