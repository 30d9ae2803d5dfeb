import jwt from 'jsonwebtoken';
import { hashPassword } from '../../src/security/passwords';
import { signedInAdmin } from '../helpers/admin-session';
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

  it('answer 401 once the token has expired (12 hours by default)', async () => {
    const admin = await signedInAdmin(t, T0);
    t.setNow(new Date(T0.getTime() + 12 * 3600 * 1000 - 1000));
    expect((await t.request().get(LIST).set('token', admin.token)).status).toBe(200);
    t.setNow(new Date(T0.getTime() + 12 * 3600 * 1000 + 1000));
    const res = await t.request().get(LIST).set('token', admin.token);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ status: false, message: 'Authentication token has expired: sign in again' });
  });

  it('honour JWT_EXPIRES_IN_SECONDS', async () => {
    let now = T0;
    const app = createApp({ config: testConfig({ JWT_EXPIRES_IN_SECONDS: '60' }), pool: t.pool, logger: pino({ level: 'silent' }), clock: () => now });
    const shortLived: TestContext = { ...t, app, request: () => supertest(app), now: () => now, setNow: (date) => { now = date ?? new Date(); } };
    const admin = await signedInAdmin(shortLived, T0);
    expect(jwt.decode(admin.token)).toMatchObject({ iat: seconds(T0), exp: seconds(T0) + 60 });
    now = new Date(T0.getTime() + 59_000);
    expect((await supertest(app).get(LIST).set('token', admin.token)).status).toBe(200);
    now = new Date(T0.getTime() + 61_000);
    expect((await supertest(app).get(LIST).set('token', admin.token)).status).toBe(401);
  });

  it('answer 403 for a valid token without the admin role', async () => {
    const password = 'Flyer-password-2026';
    const username = unique('flyer');
    const flyer = await createMember(t.pool, t.config.PIN_PEPPER, { username, password_hash: await hashPassword(password) });
    t.setNow(T0);
    await t.request().post('/api/auth/login').send({ username, password });
    const [mail] = await selectRows<RowDataPacket>(t.pool, 'SELECT text_body FROM outbox_messages WHERE to_address = ? ORDER BY outbox_message_id DESC', [flyer.email]);
    const code = /(\d{6})/.exec(mail.text_body)![1];
    const signedIn = await t.request().post('/api/auth/verify-otp').set('platform', 'ios').send({ member_id: flyer.member_id, code });
    expect(signedIn.status).toBe(200);
    const res = await t.request().get(LIST).set('token', signedIn.body.token);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ status: false, message: 'You do not have permission to access this resource' });
  });

  it('accept the token from the token header or Authorization: Bearer', async () => {
    const admin = await signedInAdmin(t, T0);
    expect((await t.request().get(LIST).set('token', admin.token)).status).toBe(200);
    expect((await t.request().get(LIST).set('Authorization', `Bearer ${admin.token}`)).status).toBe(200);
    expect((await t.request().get(LIST).set('Authorization', 'Bearer garbage')).status).toBe(401);
  });
});
