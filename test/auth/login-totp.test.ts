import jwt from 'jsonwebtoken';
import QRCode from 'qrcode';
import type { RowDataPacket } from '../../src/db/pool';
import { createAdmin } from '../../src/auth/admin.service';
import { SecretBox } from '../../src/security/secret-box';
import { totpCodeAt } from '../helpers/admin-session';
import { selectRows, unique } from '../helpers/factories';
import { createTestContext, type TestContext } from '../helpers/test-app';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

const PASSWORD = 'Correct-Horse-42-battery';
/** A step boundary plus 10 s, so one step back or forward is unambiguous. */
const T0 = new Date('2026-05-04T09:00:10Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

interface Admin {
  memberId: number;
  username: string;
}

async function newAdmin(): Promise<Admin> {
  const username = unique('admin');
  const memberId = await createAdmin(t.pool, { username, password: PASSWORD, email: `${username}@iba.example` });
  return { memberId, username };
}

async function memberRow(memberId: number) {
  const [row] = await selectRows<RowDataPacket>(t.pool, 'SELECT * FROM members WHERE member_id = ?', [memberId]);
  return row;
}

/** Runs setup + verify-setup at T0 and returns the secret and backup codes. */
async function enrolled(admin: Admin) {
  t.setNow(T0);
  const setup = await t.request().post('/api/auth/totp/setup').send({ username: admin.username, password: PASSWORD, member_id: admin.memberId });
  expect(setup.status).toBe(200);
  const code = await totpCodeAt(setup.body.secret, T0);
  const done = await t.request().post('/api/auth/totp/verify-setup').send({ username: admin.username, password: PASSWORD, member_id: admin.memberId, code });
  expect(done.status).toBe(200);
  return { secret: setup.body.secret as string, backupCodes: setup.body.backupCodes as string[] };
}

const verifyTotp = (admin: Admin, code: string, platform?: string) => {
  const request = t.request().post('/api/auth/verify-totp');
  if (platform) request.set('platform', platform);
  return request.send({ username: admin.username, password: PASSWORD, member_id: admin.memberId, code });
};

describe('POST /api/auth/login', () => {
  it('answers 401 with the same message for an unknown username and for a wrong password', async () => {
    const admin = await newAdmin();
    const unknown = await t.request().post('/api/auth/login').send({ username: 'nobody-here', password: PASSWORD });
    const wrong = await t.request().post('/api/auth/login').send({ username: admin.username, password: 'Wrong-password-123' });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.body).toEqual({ status: false, message: 'Invalid username or password' });
    expect(wrong.body).toEqual(unknown.body);
  });

  it('tells an admin without TOTP to set it up, and returns no token', async () => {
    const admin = await newAdmin();
    const res = await t.request().post('/api/auth/login').send({ username: admin.username, password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: true, requiresTotpSetup: true, member_id: admin.memberId });
    expect(res.headers.token).toBeUndefined();
  });

  it('tells an admin with TOTP to send a code', async () => {
    const admin = await newAdmin();
    await enrolled(admin);
    const res = await t.request().post('/api/auth/login').send({ username: admin.username, password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: true, requiresTotp: true, member_id: admin.memberId });
    expect(res.headers.token).toBeUndefined();
  });

  it('answers 422 naming the missing fields, and for a non-string password', async () => {
    const missing = await t.request().post('/api/auth/login').send({});
    expect(missing.status).toBe(422);
    expect(missing.body).toEqual({ status: false, message: 'Missing required fields: username, password' });
    const wrongType = await t.request().post('/api/auth/login').send({ username: 'someone', password: 12345 });
    expect(wrongType.status).toBe(422);
    expect(wrongType.body).toEqual({ status: false, message: 'password must be a string' });
  });
});

describe('POST /api/auth/totp/setup', () => {
  it('returns a scannable QR code of the otpauth URL, the secret and 10 single-use backup codes, stored hashed', async () => {
    const admin = await newAdmin();
    t.setNow(T0);
    const res = await t.request().post('/api/auth/totp/setup').send({ username: admin.username, password: PASSWORD, member_id: admin.memberId });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe(true);
    expect(res.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(res.body.otpauthUrl).toBe(`otpauth://totp/IBA:${admin.username}?secret=${res.body.secret}&issuer=IBA`);
    expect(res.body.qrCodeUrl).toMatch(/^data:image\/png;base64,/);
    const png = Buffer.from(res.body.qrCodeUrl.split(',')[1], 'base64');
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    // the QR code encodes exactly the otpauth URL (QR encoding is deterministic)
    expect(res.body.qrCodeUrl).toBe(await QRCode.toDataURL(res.body.otpauthUrl, { errorCorrectionLevel: 'M', margin: 2, width: 256 }));
    expect(res.body.backupCodes).toHaveLength(10);
    expect(new Set(res.body.backupCodes).size).toBe(10);
    for (const code of res.body.backupCodes) expect(code).toMatch(/^[a-z2-9]{8}$/);

    const member = await memberRow(admin.memberId);
    // sealed with SECRETS_KEY (AES-256-GCM), never the secret itself
    expect(member.totp_secret).toMatch(/^enc1:[0-9a-f]{8}:/);
    expect(member.totp_secret).not.toContain(res.body.secret);
    expect(SecretBox.fromConfig(t.config).reveal(member.totp_secret, `members.totp_secret:${admin.memberId}`)).toEqual({ value: res.body.secret, needsReseal: false });
    expect(member.totp_enabled).toBe(0);
    const stored = await selectRows<RowDataPacket>(t.pool, 'SELECT code_hash FROM totp_backup_codes WHERE member_id = ?', [admin.memberId]);
    expect(stored).toHaveLength(10);
    for (const { code_hash } of stored) {
      expect(code_hash).toMatch(/^\$argon2id\$/);
      expect(res.body.backupCodes).not.toContain(code_hash);
    }
  });

  it('refuses a second setup once TOTP is on (409) and never shows the secret again', async () => {
    const admin = await newAdmin();
    const { secret } = await enrolled(admin);
    const res = await t.request().post('/api/auth/totp/setup').send({ username: admin.username, password: PASSWORD, member_id: admin.memberId });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ status: false, message: 'TOTP is already set up for this account' });
    expect(JSON.stringify(res.body)).not.toContain(secret);
    expect(SecretBox.fromConfig(t.config).reveal((await memberRow(admin.memberId)).totp_secret, `members.totp_secret:${admin.memberId}`).value).toBe(secret);
  });

  it('answers 401 when username, password and member_id do not belong together', async () => {
    const admin = await newAdmin();
    const other = await newAdmin();
    const res = await t.request().post('/api/auth/totp/setup').send({ username: admin.username, password: PASSWORD, member_id: other.memberId });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ status: false, message: 'Invalid username, password or member_id' });
    expect((await memberRow(other.memberId)).totp_secret).toBeNull();
  });

  it('answers 422 for missing fields and a non-numeric member_id', async () => {
    const missing = await t.request().post('/api/auth/totp/setup').send({ username: 'x' });
    expect(missing.status).toBe(422);
    expect(missing.body).toEqual({ status: false, message: 'Missing required fields: password, member_id' });
    const bad = await t.request().post('/api/auth/totp/setup').send({ username: 'x', password: 'y', member_id: 'abc' });
    expect(bad.status).toBe(422);
    expect(bad.body).toEqual({ status: false, message: 'member_id must be a positive integer' });
  });
});

describe('POST /api/auth/totp/verify-setup', () => {
  it('turns TOTP on with a code from the app and signs in (token in the body with platform: ios)', async () => {
    const admin = await newAdmin();
    t.setNow(T0);
    const setup = await t.request().post('/api/auth/totp/setup').send({ username: admin.username, password: PASSWORD, member_id: admin.memberId });
    const wrong = await t
      .request()
      .post('/api/auth/totp/verify-setup')
      .send({ username: admin.username, password: PASSWORD, member_id: admin.memberId, code: '000000' === (await totpCodeAt(setup.body.secret, T0)) ? '111111' : '000000' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ status: false, message: 'Invalid TOTP code' });
    expect((await memberRow(admin.memberId)).totp_enabled).toBe(0);

    const code = await totpCodeAt(setup.body.secret, T0);
    const res = await t
      .request()
      .post('/api/auth/totp/verify-setup')
      .set('platform', 'ios')
      .send({ username: admin.username, password: PASSWORD, member_id: admin.memberId, code });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: true, message: 'TOTP enabled, login successful', member_id: admin.memberId, role_id: 1, token: expect.any(String) });
    const claims = jwt.verify(res.body.token, t.config.JWT_SECRET, { algorithms: ['HS256'], clockTimestamp: Math.floor(T0.getTime() / 1000) });
    expect(claims).toEqual({ member_id: admin.memberId, role_id: 1, token_version: 0, iat: T0.getTime() / 1000, nbf: T0.getTime() / 1000, exp: T0.getTime() / 1000 + 3600 });
    const member = await memberRow(admin.memberId);
    expect(member.totp_enabled).toBe(1);
    expect(Number(member.totp_last_used_step)).toBe(Math.floor(T0.getTime() / 30000));
  });

  it('answers 400 when setup was never started', async () => {
    const admin = await newAdmin();
    const res = await t
      .request()
      .post('/api/auth/totp/verify-setup')
      .send({ username: admin.username, password: PASSWORD, member_id: admin.memberId, code: '123456' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ status: false, message: 'TOTP setup has not been started: call POST /api/auth/totp/setup first' });
  });
});

describe('POST /api/auth/verify-totp', () => {
  it('returns the JWT in the body with platform: ios, and in the token header without it', async () => {
    const admin = await newAdmin();
    const { secret } = await enrolled(admin);
    t.setNow(at(30));
    const ios = await verifyTotp(admin, await totpCodeAt(secret, at(30)), 'ios');
    expect(ios.status).toBe(200);
    expect(ios.body).toEqual({ status: true, message: 'Login successful', member_id: admin.memberId, role_id: 1, token: expect.any(String) });
    expect(ios.headers.token).toBeUndefined();

    t.setNow(at(60));
    const web = await verifyTotp(admin, await totpCodeAt(secret, at(60)));
    expect(web.status).toBe(200);
    expect(web.body).toEqual({ status: true, message: 'Login successful', member_id: admin.memberId, role_id: 1 });
    expect(web.headers.token).toEqual(expect.any(String));
    expect(jwt.decode(web.headers.token, { complete: true })?.header.alg).toBe('HS256');
  });

  it('refuses a code already accepted (replay), even within its 30 seconds', async () => {
    const admin = await newAdmin();
    const { secret } = await enrolled(admin);
    t.setNow(at(30));
    const code = await totpCodeAt(secret, at(30));
    expect((await verifyTotp(admin, code)).status).toBe(200);
    t.setNow(at(45));
    const replay = await verifyTotp(admin, code);
    expect(replay.status).toBe(401);
    expect(replay.body).toEqual({ status: false, message: 'This code has already been used: wait for the next one' });
    // the setup code (step of T0) cannot be replayed either
    t.setNow(at(5));
    expect((await verifyTotp(admin, await totpCodeAt(secret, T0))).status).toBe(401);
  });

  it('accepts a code sent twice at the same moment only once', async () => {
    const admin = await newAdmin();
    const { secret } = await enrolled(admin);
    t.setNow(at(30));
    const code = await totpCodeAt(secret, at(30));
    const answers = await Promise.all([verifyTotp(admin, code), verifyTotp(admin, code), verifyTotp(admin, code)]);
    expect(answers.map((res) => res.status).sort()).toEqual([200, 401, 401]);
  });

  it('accepts one step of clock drift each way, not two', async () => {
    const admin = await newAdmin();
    const { secret } = await enrolled(admin);
    t.setNow(at(120));
    expect((await verifyTotp(admin, await totpCodeAt(secret, at(60)))).status).toBe(401); // two steps behind
    expect((await verifyTotp(admin, await totpCodeAt(secret, at(90)))).status).toBe(200); // one step behind
    expect((await verifyTotp(admin, await totpCodeAt(secret, at(150)))).status).toBe(200); // one step ahead
    expect((await verifyTotp(admin, await totpCodeAt(secret, at(180)))).status).toBe(401); // two steps ahead
  });

  it('accepts each backup code once, typed in any case with a dash', async () => {
    const admin = await newAdmin();
    const { backupCodes } = await enrolled(admin);
    const typed = `${backupCodes[3].slice(0, 4).toUpperCase()}-${backupCodes[3].slice(4)}`;
    const first = await verifyTotp(admin, typed, 'ios');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: true, message: 'Login successful', backupCodesRemaining: 9, token: expect.any(String) });
    const again = await verifyTotp(admin, backupCodes[3]);
    expect(again.status).toBe(401);
    expect(again.body).toEqual({ status: false, message: 'Invalid TOTP code' });
    const used = await selectRows<RowDataPacket>(t.pool, 'SELECT COUNT(*) AS n FROM totp_backup_codes WHERE member_id = ? AND used_at IS NOT NULL', [admin.memberId]);
    expect(Number(used[0].n)).toBe(1);
    expect((await verifyTotp(admin, 'zzzzzzzz')).status).toBe(401);
  });

  it('locks the member for 15 minutes (429) after 5 wrong codes, counted in the database', async () => {
    const admin = await newAdmin();
    const { secret } = await enrolled(admin);
    t.setNow(at(30));
    const right = await totpCodeAt(secret, at(30));
    const wrong = right === '000000' ? '111111' : '000000';
    for (let attempt = 0; attempt < 5; attempt++) {
      const res = await verifyTotp(admin, wrong);
      expect(res.status).toBe(401);
    }
    const [counter] = await selectRows<RowDataPacket>(t.pool, "SELECT failures, locked_until FROM auth_attempts WHERE member_id = ? AND kind = 'totp'", [admin.memberId]);
    expect(counter.failures).toBe(5);
    expect(counter.locked_until).toEqual(at(30 + 15 * 60));

    const locked = await verifyTotp(admin, right);
    expect(locked.status).toBe(429);
    expect(locked.body).toEqual({ status: false, message: 'Too many wrong codes: try again in 15 minutes', retryAfterSeconds: 900 });
    expect(locked.headers['retry-after']).toBe('900');

    t.setNow(at(30 + 15 * 60 + 10));
    const later = await verifyTotp(admin, await totpCodeAt(secret, at(30 + 15 * 60 + 10)));
    expect(later.status).toBe(200);
    expect(await selectRows(t.pool, "SELECT * FROM auth_attempts WHERE member_id = ? AND kind = 'totp'", [admin.memberId])).toHaveLength(0);
  });

  it('counts wrong codes toward the TOTP lock only after the right password: nobody without it can lock TOTP', async () => {
    const admin = await newAdmin();
    const { secret } = await enrolled(admin);
    // a minute apart, so the sign-in throttle's delays never get in the way
    for (let attempt = 0; attempt < 8; attempt++) {
      t.setNow(at(30 + attempt * 60));
      const wrongCode = (await totpCodeAt(secret, at(30 + attempt * 60))) === '000000' ? '111111' : '000000';
      const res = await t
        .request()
        .post('/api/auth/verify-totp')
        .send({ username: admin.username, password: `Not-the-password-${attempt}`, member_id: admin.memberId, code: wrongCode });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ status: false, message: 'Invalid username, password or member_id' });
    }
    expect(await selectRows(t.pool, "SELECT * FROM auth_attempts WHERE member_id = ? AND kind = 'totp'", [admin.memberId])).toHaveLength(0);
    t.setNow(at(30 + 8 * 60));
    expect((await verifyTotp(admin, await totpCodeAt(secret, at(30 + 8 * 60)))).status).toBe(200);
  });

  it('audits TOTP enrolment, backup-code use, wrong codes and sign-ins with the client address', async () => {
    const admin = await newAdmin();
    const { secret, backupCodes } = await enrolled(admin);
    t.setNow(at(30));
    const right = await totpCodeAt(secret, at(30));
    await verifyTotp(admin, right === '000000' ? '111111' : '000000');
    await verifyTotp(admin, backupCodes[0]);
    const trail = await selectRows<RowDataPacket>(t.pool, 'SELECT event, client_address, detail FROM sign_in_audit WHERE member_id = ? ORDER BY sign_in_audit_id', [admin.memberId]);
    expect(trail).toEqual([
      { event: 'totp-enrolled', client_address: '127.0.0.1', detail: null },
      { event: 'signed-in', client_address: '127.0.0.1', detail: 'totp verify-setup' },
      { event: 'code-failed', client_address: '127.0.0.1', detail: 'verify-totp' },
      { event: 'backup-code-used', client_address: '127.0.0.1', detail: '9 left' },
      { event: 'signed-in', client_address: '127.0.0.1', detail: 'backup code' },
    ]);
  });

  it('answers 401 when the password or member_id does not belong to the username', async () => {
    const admin = await newAdmin();
    const other = await newAdmin();
    const { secret } = await enrolled(admin);
    t.setNow(at(30));
    const code = await totpCodeAt(secret, at(30));
    const wrongId = await t.request().post('/api/auth/verify-totp').send({ username: admin.username, password: PASSWORD, member_id: other.memberId, code });
    expect(wrongId.status).toBe(401);
    expect(wrongId.body).toEqual({ status: false, message: 'Invalid username, password or member_id' });
    const wrongPassword = await t.request().post('/api/auth/verify-totp').send({ username: admin.username, password: 'Not-the-password-1', member_id: admin.memberId, code });
    expect(wrongPassword.status).toBe(401);
    expect(wrongPassword.body).toEqual({ status: false, message: 'Invalid username, password or member_id' });
    // the code was not spent by the refused calls
    expect((await verifyTotp(admin, code)).status).toBe(200);
  });

  it('answers 400 for a member who has not set TOTP up', async () => {
    const admin = await newAdmin();
    const res = await verifyTotp(admin, '123456');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ status: false, message: 'TOTP is not set up for this account: set it up with POST /api/auth/totp/setup' });
  });

  it('answers 422 for missing fields and a malformed code', async () => {
    const missing = await t.request().post('/api/auth/verify-totp').send({ username: 'a', password: 'b' });
    expect(missing.status).toBe(422);
    expect(missing.body).toEqual({ status: false, message: 'Missing required fields: member_id, code' });
    const short = await t.request().post('/api/auth/verify-totp').send({ username: 'a', password: 'b', member_id: 1, code: '12' });
    expect(short.status).toBe(422);
    expect(short.body).toEqual({ status: false, message: 'code must be a 6-digit code or an 8-character backup code' });
    const negative = await t.request().post('/api/auth/verify-totp').send({ username: 'a', password: 'b', member_id: -4, code: '123456' });
    expect(negative.status).toBe(422);
    expect(negative.body).toEqual({ status: false, message: 'member_id must be a positive integer' });
  });
});
