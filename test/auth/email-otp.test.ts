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

describe('POST /api/auth/login for members who are not admins', () => {
  it('e-mails a 6-digit code through the outbox and answers requiresOtp, with no token', async () => {
    const flyer = await newFlyer();
    t.setNow(T0);
    const res = await t.request().post('/api/auth/login').send({ username: flyer.username, password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: true, requiresOtp: true, member_id: flyer.member_id });
    expect(res.headers.token).toBeUndefined();

    const { code, row } = await codeFromLatestEmail(flyer.email);
    expect(row.template).toBe('auth/login-code');
    expect(row.subject).toBe('Your IBA sign-in code'); // the code is not shown in inbox lists and notifications
    expect(row.text_body).toContain('Hi Robin,');
    expect(row.text_body).toContain('for the next 10 minutes');
    expect(row.html_body).toContain(`>${code}</p>`);

    const [stored] = await selectRows<RowDataPacket>(t.pool, 'SELECT code_hash, expires_at, used_at FROM email_otps WHERE member_id = ?', [flyer.member_id]);
    expect(stored.code_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.code_hash).not.toContain(code);
    expect(stored.expires_at).toEqual(at(600));
    expect(stored.used_at).toBeNull();
  });

  it('signs in with the e-mailed code once (token in the body with platform: ios, else in the header)', async () => {
    const flyer = await newFlyer();
    t.setNow(T0);
    await t.request().post('/api/auth/login').send({ username: flyer.username, password: PASSWORD });
    const { code } = await codeFromLatestEmail(flyer.email);

    t.setNow(at(60));
    const res = await verifyOtp({ username: flyer.username, member_id: flyer.member_id, code }, 'ios');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: true, message: 'Login successful', member_id: flyer.member_id, role_id: 2, token: expect.any(String) });
    expect(jwt.verify(res.body.token, t.config.JWT_SECRET, { algorithms: ['HS256'], clockTimestamp: Math.floor(at(60).getTime() / 1000) })).toMatchObject({
      member_id: flyer.member_id,
      role_id: 2,
    });

    const again = await verifyOtp({ member_id: flyer.member_id, code });
    expect(again.status).toBe(401);
    expect(again.body).toEqual({ status: false, message: 'Invalid or expired code' });

    await t.request().post('/api/auth/login').send({ username: flyer.email, password: PASSWORD });
    const second = await codeFromLatestEmail(flyer.email);
    const web = await verifyOtp({ member_id: flyer.member_id, code: second.code });
    expect(web.status).toBe(200);
    expect(web.headers.token).toEqual(expect.any(String));
    expect(web.body.token).toBeUndefined();
  });

  it('refuses a code after 10 minutes', async () => {
    const flyer = await newFlyer();
    t.setNow(T0);
    await t.request().post('/api/auth/login').send({ username: flyer.username, password: PASSWORD });
    const { code } = await codeFromLatestEmail(flyer.email);
    t.setNow(at(600));
    const res = await verifyOtp({ member_id: flyer.member_id, code });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ status: false, message: 'Invalid or expired code' });
  });

  it('accepts only the latest code when the member logs in twice', async () => {
    const flyer = await newFlyer();
    t.setNow(T0);
    await t.request().post('/api/auth/login').send({ username: flyer.username, password: PASSWORD });
    await t.request().post('/api/auth/login').send({ username: flyer.username, password: PASSWORD });
    const second = await codeFromLatestEmail(flyer.email);
    const rows = await selectRows<RowDataPacket>(t.pool, 'SELECT used_at FROM email_otps WHERE member_id = ? ORDER BY email_otp_id', [flyer.member_id]);
    expect(rows.map((row) => row.used_at)).toEqual([T0, null]);
    expect((await verifyOtp({ member_id: flyer.member_id, code: second.code })).status).toBe(200);
  });

  it('answers 401 when the username does not belong to member_id', async () => {
    const flyer = await newFlyer();
    const other = await newFlyer();
    t.setNow(T0);
    await t.request().post('/api/auth/login').send({ username: flyer.username, password: PASSWORD });
    const { code } = await codeFromLatestEmail(flyer.email);
    const res = await verifyOtp({ username: other.username, member_id: flyer.member_id, code });
    expect(res.status).toBe(401);
    expect((await verifyOtp({ username: flyer.username, member_id: flyer.member_id, code })).status).toBe(200);
  });

  it('locks after 5 wrong codes (429)', async () => {
    const flyer = await newFlyer();
    t.setNow(T0);
    await t.request().post('/api/auth/login').send({ username: flyer.username, password: PASSWORD });
    const { code } = await codeFromLatestEmail(flyer.email);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let attempt = 0; attempt < 5; attempt++) expect((await verifyOtp({ member_id: flyer.member_id, code: wrong })).status).toBe(401);
    const locked = await verifyOtp({ member_id: flyer.member_id, code });
    expect(locked.status).toBe(429);
    expect(locked.body).toEqual({ status: false, message: 'Too many wrong codes: try again in 15 minutes', retryAfterSeconds: 900 });
  });

  it('sends a member who turned TOTP on to TOTP instead of e-mail', async () => {
    const flyer = await newFlyer();
    t.setNow(T0);
    const setup = await t.request().post('/api/auth/totp/setup').send({ username: flyer.username, password: PASSWORD, member_id: flyer.member_id });
    const code = await totpCodeAt(setup.body.secret, T0);
    expect((await t.request().post('/api/auth/totp/verify-setup').send({ username: flyer.username, password: PASSWORD, member_id: flyer.member_id, code })).status).toBe(200);
    const res = await t.request().post('/api/auth/login').send({ username: flyer.username, password: PASSWORD });
    expect(res.body).toEqual({ status: true, requiresTotp: true, member_id: flyer.member_id });
    expect(await selectRows(t.pool, 'SELECT * FROM outbox_messages WHERE to_address = ?', [flyer.email])).toHaveLength(0);
  });

  it('answers 422 for missing fields and a code that is not 6 digits', async () => {
    const missing = await verifyOtp({});
    expect(missing.status).toBe(422);
    expect(missing.body).toEqual({ status: false, message: 'Missing required fields: member_id, code' });
    const bad = await verifyOtp({ member_id: 1, code: '12ab' });
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
    const res = await verifyOtp({ member_id: admin.member_id, code: '123456' });
    expect(res.status).toBe(401);
  });
});
