import jwt from 'jsonwebtoken';
import { hashPassword } from '../../src/security/passwords';
import { signedInAdmin, totpCodeAt } from '../helpers/admin-session';
import { createMember, selectRows, unique } from '../helpers/factories';
import pino from 'pino';
import supertest from 'supertest';
import { createApp } from '../../src/app';
import { createTestContext, type TestContext, testConfig } from '../helpers/test-app';
import type { RowDataPacket } from '../../src/db/pool';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

const T0 = new Date('2026-05-04T09:00:10Z');
const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
const LIST = '/api/external/fuse-metrix/op/';

describe('protected routes (requireRole([1]) on /op)', () => {
  it('answer 401 without a token', async () => {
    const res = await t.request().get(LIST);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ status: false, message: 'Authentication token is missing: send it in the token header' });
  });

  it('answer 401 for a malformed token, one signed with another secret, and an alg "none" token', async () => {
    const claims = { member_id: 1, role_id: 1, iat: seconds(T0), exp: seconds(T0) + 3600 };
    t.setNow(T0);
    const forged = jwt.sign(claims, 'another-secret-that-is-long-enough-1234', { algorithm: 'HS256' });
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
    const hs512 = jwt.sign(claims, t.config.JWT_SECRET, { algorithm: 'HS512' });
    for (const token of ['not-a-jwt', forged, unsigned, hs512]) {
      const res = await t.request().get(LIST).set('token', token);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ status: false, message: 'Invalid authentication token' });
    }
  });

  it('answer 401 once an admin token has expired (1 hour by default, with 30 s of leeway for clock skew)', async () => {
    const admin = await signedInAdmin(t, T0);
    expect(jwt.decode(admin.token)).toMatchObject({ iat: seconds(T0), nbf: seconds(T0), exp: seconds(T0) + 3600 });
    t.setNow(new Date(T0.getTime() + (3600 + 29) * 1000));
    expect((await t.request().get(LIST).set('token', admin.token)).status).toBe(200);
    t.setNow(new Date(T0.getTime() + (3600 + 31) * 1000));
    const res = await t.request().get(LIST).set('token', admin.token);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ status: false, message: 'Authentication token has expired: sign in again' });
  });

  it('honour ADMIN_JWT_EXPIRES_IN_SECONDS and JWT_CLOCK_TOLERANCE_SECONDS', async () => {
    let now = T0;
    const app = createApp({
      config: testConfig({ ADMIN_JWT_EXPIRES_IN_SECONDS: '60', JWT_CLOCK_TOLERANCE_SECONDS: '0' }),
      pool: t.pool,
      logger: pino({ level: 'silent' }),
      clock: () => now,
    });
    const shortLived: TestContext = { ...t, app, request: () => supertest(app), now: () => now, setNow: (date) => { now = date ?? new Date(); } };
    const admin = await signedInAdmin(shortLived, T0);
    expect(jwt.decode(admin.token)).toMatchObject({ iat: seconds(T0), exp: seconds(T0) + 60 });
    now = new Date(T0.getTime() + 59_000);
    expect((await supertest(app).get(LIST).set('token', admin.token)).status).toBe(200);
    now = new Date(T0.getTime() + 61_000);
    expect((await supertest(app).get(LIST).set('token', admin.token)).status).toBe(401);
  });

  it('give members who are not admins JWT_EXPIRES_IN_SECONDS (12 hours)', async () => {
    const flyer = await signedInFlyer();
    const claims = jwt.decode(flyer.token) as Record<string, number>;
    expect(claims.exp - claims.iat).toBe(12 * 3600);
  });

  it('answer 401 for a token not valid yet (nbf more than the leeway ahead), and accept one within the leeway', async () => {
    const admin = await signedInAdmin(t, T0);
    const claims = { member_id: admin.memberId, role_id: 1, token_version: 0, iat: seconds(T0), exp: seconds(T0) + 3600 };
    t.setNow(T0);
    const early = jwt.sign({ ...claims, nbf: seconds(T0) + 31 }, t.config.JWT_SECRET, { algorithm: 'HS256' });
    const res = await t.request().get(LIST).set('token', early);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ status: false, message: 'Authentication token is not valid yet: check the clock of the machine that sent it' });
    const skewed = jwt.sign({ ...claims, nbf: seconds(T0) + 29 }, t.config.JWT_SECRET, { algorithm: 'HS256' });
    expect((await t.request().get(LIST).set('token', skewed)).status).toBe(200);
  });

  it('answer 401 for a token without nbf or token_version (issued before tokens could be revoked)', async () => {
    const admin = await signedInAdmin(t, T0);
    t.setNow(T0);
    const old = jwt.sign({ member_id: admin.memberId, role_id: 1, iat: seconds(T0), exp: seconds(T0) + 3600 }, t.config.JWT_SECRET, { algorithm: 'HS256' });
    expect((await t.request().get(LIST).set('token', old)).status).toBe(401);
  });

  it('answer 403 for a valid token without the admin role', async () => {
    const flyer = await signedInFlyer();
    const res = await t.request().get(LIST).set('token', flyer.token);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ status: false, message: 'You do not have permission to access this resource' });
  });

  it('take the role from the database, not from the token: a token claiming role 1 for a flyer gets 403', async () => {
    const flyer = await signedInFlyer();
    t.setNow(T0);
    const claimsAdmin = jwt.sign(
      { member_id: flyer.memberId, role_id: 1, token_version: 0, iat: seconds(T0), nbf: seconds(T0), exp: seconds(T0) + 3600 },
      t.config.JWT_SECRET,
      { algorithm: 'HS256' },
    );
    expect((await t.request().get(LIST).set('token', claimsAdmin)).status).toBe(403);
  });

  it('accept the token from the token header or Authorization: Bearer', async () => {
    const admin = await signedInAdmin(t, T0);
    expect((await t.request().get(LIST).set('token', admin.token)).status).toBe(200);
    expect((await t.request().get(LIST).set('Authorization', `Bearer ${admin.token}`)).status).toBe(200);
    expect((await t.request().get(LIST).set('Authorization', 'Bearer garbage')).status).toBe(401);
  });
});

describe('revoking tokens', () => {
  const revoked = { status: false, message: 'Authentication token has been revoked: sign in again' };

  // Attack (security review): an admin demoted or deleted kept /op for up to 12 hours, because the role came only from the JWT.
  it('a demoted admin loses /op at once, whoever changes the role and however (here: SQL by hand)', async () => {
    const admin = await signedInAdmin(t, T0);
    expect((await t.request().get(LIST).set('token', admin.token)).status).toBe(200);
    await t.pool.query('UPDATE members SET role_id = 2 WHERE member_id = ?', [admin.memberId]);
    const res = await t.request().get(LIST).set('token', admin.token);
    expect(res.status).toBe(401);
    expect(res.body).toEqual(revoked);
    // made admin again, the old token stays revoked
    await t.pool.query('UPDATE members SET role_id = 1 WHERE member_id = ?', [admin.memberId]);
    expect((await t.request().get(LIST).set('token', admin.token)).status).toBe(401);
  });

  it('a deleted admin loses /op at once', async () => {
    const admin = await signedInAdmin(t, T0);
    await t.pool.query('DELETE FROM members WHERE member_id = ?', [admin.memberId]);
    expect(await responseTo(admin.token)).toEqual({ status: 401, body: revoked });
  });

  it('a password change or a TOTP reset revokes every token, and the trail says why', async () => {
    const first = await signedInAdmin(t, T0);
    await t.pool.query("UPDATE members SET password_hash = 'a-new-hash' WHERE member_id = ?", [first.memberId]);
    expect(await responseTo(first.token)).toEqual({ status: 401, body: revoked });

    const second = await signedInAdmin(t, T0);
    await t.pool.query('UPDATE members SET totp_enabled = FALSE, totp_secret = NULL, totp_last_used_step = NULL WHERE member_id = ?', [second.memberId]);
    expect(await responseTo(second.token)).toEqual({ status: 401, body: revoked });

    const trail = await selectRows<RowDataPacket>(
      t.pool,
      "SELECT member_id, detail FROM sign_in_audit WHERE event = 'tokens-revoked' AND member_id IN (?, ?) ORDER BY sign_in_audit_id",
      [first.memberId, second.memberId],
    );
    expect(trail).toEqual([
      { member_id: first.memberId, detail: 'password changed' },
      { member_id: second.memberId, detail: 'TOTP reset' },
    ]);
  });

  it('signing in, using TOTP and changing unrelated columns revoke nothing', async () => {
    const admin = await signedInAdmin(t, T0);
    await t.pool.query("UPDATE members SET first_name = 'Renamed', totp_last_used_step = totp_last_used_step + 1 WHERE member_id = ?", [admin.memberId]);
    expect((await t.request().get(LIST).set('token', admin.token)).status).toBe(200);
  });

  it('POST /api/auth/sign-out-everywhere revokes every token of the member, audited with the client address', async () => {
    const admin = await signedInAdmin(t, T0);
    t.setNow(new Date(T0.getTime() + 30_000));
    const code = await totpCodeAt(admin.totpSecret, new Date(T0.getTime() + 30_000));
    const second = await t.request().post('/api/auth/verify-totp').set('platform', 'ios').send({ username: admin.username, password: admin.password, member_id: admin.memberId, code });
    expect(second.status).toBe(200);

    const res = await t.request().post('/api/auth/sign-out-everywhere').set('token', second.body.token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: true, message: 'Signed out everywhere: every token issued so far no longer works' });
    expect(await responseTo(admin.token)).toEqual({ status: 401, body: revoked });
    expect(await responseTo(second.body.token)).toEqual({ status: 401, body: revoked });
    expect((await t.request().post('/api/auth/sign-out-everywhere').set('token', second.body.token)).status).toBe(401);

    const [entry] = await selectRows<RowDataPacket>(t.pool, "SELECT client_address, detail FROM sign_in_audit WHERE event = 'tokens-revoked' AND member_id = ?", [admin.memberId]);
    expect(entry).toEqual({ client_address: '127.0.0.1', detail: 'signed out everywhere' });

    // signing in again gives a token that works
    t.setNow(new Date(T0.getTime() + 60_000));
    const again = await t.request().post('/api/auth/verify-totp').set('platform', 'ios').send({ ...admin, member_id: admin.memberId, code: await totpCodeAt(admin.totpSecret, new Date(T0.getTime() + 60_000)) });
    expect(again.status).toBe(200);
    expect((await t.request().get(LIST).set('token', again.body.token)).status).toBe(200);
  });

  it('sign-out-everywhere works for members who are not admins, and needs a token', async () => {
    const flyer = await signedInFlyer();
    expect((await t.request().post('/api/auth/sign-out-everywhere').set('token', flyer.token)).status).toBe(200);
    expect((await t.request().post('/api/auth/sign-out-everywhere').set('token', flyer.token)).status).toBe(401);
    expect((await t.request().post('/api/auth/sign-out-everywhere')).status).toBe(401);
  });
});

async function responseTo(token: string) {
  const res = await t.request().get(LIST).set('token', token);
  return { status: res.status, body: res.body };
}

/** A flyer signed in through login + the e-mailed code, at T0. */
async function signedInFlyer(): Promise<{ memberId: number; token: string }> {
  const password = 'Flyer-password-2026';
  const username = unique('flyer');
  const flyer = await createMember(t.pool, t.config.PIN_PEPPER, { username, password_hash: await hashPassword(password) });
  t.setNow(T0);
  const login = await t.request().post('/api/auth/login').send({ username, password });
  const [mail] = await selectRows<RowDataPacket>(t.pool, 'SELECT text_body FROM outbox_messages WHERE to_address = ? ORDER BY outbox_message_id DESC', [flyer.email]);
  const code = /(\d{6})/.exec(mail.text_body)![1];
  const signedIn = await t.request().post('/api/auth/verify-otp').set('platform', 'ios').send({ member_id: flyer.member_id, challenge: login.body.challenge, code });
  expect(signedIn.status).toBe(200);
  return { memberId: flyer.member_id, token: signedIn.body.token };
}
