import { createHmac, randomBytes } from 'node:crypto';
import pino from 'pino';
import supertest from 'supertest';
import { createApp } from '../../src/app';
import { signAccessToken } from '../../src/auth/jwt';
import type { RowDataPacket } from '../../src/db/pool';
import { hashPassword } from '../../src/security/passwords';
import { type AdminSession, signedInAdmin } from '../helpers/admin-session';
import { createConnector, createMember, createTunnel, selectRows, unique } from '../helpers/factories';
import { createTestContext, type TestContext, testConfig } from '../helpers/test-app';

let t: TestContext;
let admin: AdminSession;
const T0 = new Date('2026-05-04T09:00:10Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const unix = (date: Date) => Math.floor(date.getTime() / 1000);

beforeAll(async () => {
  t = await createTestContext();
  admin = await signedInAdmin(t, T0);
});
afterAll(() => t.close());
beforeEach(() => t.setNow(T0));

const OP = '/api/external/fuse-metrix/op';
/** What every connector may do until an admin narrows it: all three signing methods, both scopes. */
const ALL_ACCESS = { auth_methods: ['legacy-hmac', 'timestamped-signature', 'oauth'], scopes: ['members:read', 'bookings:write'] };
const auditCount = async () => Number((await selectRows<RowDataPacket>(t.pool, 'SELECT COUNT(*) AS n FROM connector_audit'))[0].n);

describe('the runbook SQL shortcut', () => {
  it('inserts a row, exactly as written, that GET /op/ lists; the runbook DELETE removes it', async () => {
    const clientId = randomBytes(16).toString('hex');
    const secret = randomBytes(16).toString('base64');
    // the runbook's statement, with its placeholders replaced
    await t.pool.query(
      `INSERT INTO fuse_metrix (email, created_by, secret, clientId, created_at) VALUES ('partner@example.com', 1, '${secret}', '${clientId}', UNIX_TIMESTAMP());`,
    );
    const list = await t.request().get(`${OP}/`).set('token', admin.token);
    expect(list.status).toBe(200);
    const row = list.body.data.find((connector: { clientId: string }) => connector.clientId === clientId);
    expect(row).toEqual({ id: expect.any(Number), email: 'partner@example.com', clientId, secret, created_by: 1, created_at: expect.any(Number), ...ALL_ACCESS });
    expect(Math.abs(row.created_at - Date.now() / 1000)).toBeLessThan(60);

    await t.pool.query(`DELETE FROM fuse_metrix WHERE clientId = '${clientId}';`);
    expect((await t.request().get(`${OP}/${row.id}`).set('token', admin.token)).status).toBe(404);
  });
});

describe('POST /op', () => {
  it('records created_by and created_at and generates credentials in the runbook formats', async () => {
    const email = `${unique('p')}@partner.example`;
    const res = await t.request().post(OP).set('token', admin.token).send({ email });
    expect(res.body).toEqual({ status: true, message: 'User created successfully' });
    const [row] = await selectRows<RowDataPacket>(t.pool, 'SELECT * FROM fuse_metrix WHERE email = ?', [email]);
    expect(row).toMatchObject({ created_by: admin.memberId, previous_secret: null, previous_secret_expires_at: null });
    expect(Number(row.created_at)).toBe(unix(T0));
    expect(row.clientId).toMatch(/^[0-9a-f]{32}$/);
    // stored sealed; shown in clear, in the runbook's format (16 random bytes in base64)
    expect(row.secret).toMatch(/^enc1:/);
    const shown = await t.request().get(`${OP}/${row.id}`).set('token', admin.token);
    expect(shown.body.data.secret).toMatch(/^[A-Za-z0-9+/]{22}==$/);
  });

  it('answers 422 for a missing, malformed or non-string email, and writes nothing', async () => {
    const before = await auditCount();
    const cases: Array<[unknown, string]> = [
      [{}, 'Missing required fields: email'],
      [{ email: '   ' }, 'Missing required fields: email'],
      [{ email: 'not-an-email' }, 'email must be a valid email address'],
      [{ email: 42 }, 'email must be a valid email address'],
      [{ email: `${'a'.repeat(250)}@x.example` }, 'email must be at most 254 characters long'],
    ];
    for (const [body, message] of cases) {
      const res = await t.request().post(OP).set('token', admin.token).send(body as object);
      expect(res.status).toBe(422);
      expect(res.body).toEqual({ status: false, message });
    }
    expect(await auditCount()).toBe(before);
  });
});

describe('GET /op/:id, PUT /op, DELETE /op/:id', () => {
  it('answer 404 "Connector user not found" for unknown ids, and audit nothing', async () => {
    const before = await auditCount();
    const unknown = 987654;
    for (const res of [
      await t.request().get(`${OP}/${unknown}`).set('token', admin.token),
      await t.request().put(OP).set('token', admin.token).send({ id: unknown, email: 'a@b.example' }),
      await t.request().delete(`${OP}/${unknown}`).set('token', admin.token),
      await t.request().post(`${OP}/${unknown}/rotate-secret`).set('token', admin.token),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ status: false, message: 'Connector user not found' });
    }
    expect(await auditCount()).toBe(before);
  });

  it('answer 422 for an id that is not a positive integer', async () => {
    for (const res of [
      await t.request().get(`${OP}/abc`).set('token', admin.token),
      await t.request().get(`${OP}/0`).set('token', admin.token),
      await t.request().delete(`${OP}/1.5`).set('token', admin.token),
      await t.request().post(`${OP}/x/rotate-secret`).set('token', admin.token),
      await t.request().put(OP).set('token', admin.token).send({ id: 'abc', email: 'a@b.example' }),
    ]) {
      expect(res.status).toBe(422);
      expect(res.body).toEqual({ status: false, message: 'id must be a positive integer' });
    }
  });

  it('PUT answers 422 for missing fields and a bad email, leaving the row alone', async () => {
    const connector = await createConnector(t.pool);
    const missing = await t.request().put(OP).set('token', admin.token).send({});
    expect(missing.status).toBe(422);
    expect(missing.body).toEqual({ status: false, message: 'Missing required fields: id, email' });
    const bad = await t.request().put(OP).set('token', admin.token).send({ id: connector.id, email: 'nope' });
    expect(bad.status).toBe(422);
    expect(bad.body).toEqual({ status: false, message: 'email must be a valid email address' });
    const [row] = await selectRows<RowDataPacket>(t.pool, 'SELECT email FROM fuse_metrix WHERE id = ?', [connector.id]);
    expect(row.email).toBe(connector.email);
  });

  it('PUT /op/:id works as the REST spelling of PUT /op', async () => {
    const connector = await createConnector(t.pool);
    const res = await t.request().put(`${OP}/${connector.id}`).set('token', admin.token).send({ email: 'moved@partner.example' });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ id: connector.id, email: 'moved@partner.example' });
    const mismatch = await t.request().put(`${OP}/${connector.id}`).set('token', admin.token).send({ id: connector.id + 1, email: 'x@partner.example' });
    expect(mismatch.status).toBe(400);
  });

  it('DELETE keeps the bookings of the connector, without it', async () => {
    const connector = await createConnector(t.pool);
    const member = await createMember(t.pool, t.config.PIN_PEPPER);
    const { tunnel_id: tunnelId } = await createTunnel(t.pool);
    await t.pool.execute(
      `INSERT INTO bookings (connector_id, member_id, tunnel_id, purchase_id, product_id, purchased_at, flight_at, checkin_at, minutes_booked)
       VALUES (?, ?, ?, 1, 1, NOW(), NOW(), NOW(), 2)`,
      [connector.id, member.member_id, tunnelId],
    );
    const res = await t.request().delete(`${OP}/${connector.id}`).set('token', admin.token);
    expect(res.status).toBe(200);
    const bookings = await selectRows<RowDataPacket>(t.pool, 'SELECT connector_id FROM bookings WHERE member_id = ?', [member.member_id]);
    expect(bookings).toEqual([{ connector_id: null }]);
  });
});

describe('POST /op/generate-token', () => {
  it('answers 400 without a client-id header and 404 for an unknown one', async () => {
    const missing = await t.request().post(`${OP}/generate-token`).set('token', admin.token).send({ member_id: 40 });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ status: false, message: 'client-id header is required' });
    const unknown = await t.request().post(`${OP}/generate-token`).set('token', admin.token).set('client-id', 'no-such-client').send({ member_id: 40 });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ status: false, message: 'Client id does not match with data' });
  });

  it('knows a client id only as spelled, as the partner check does', async () => {
    const connector = await createConnector(t.pool, { clientId: 'CaseSensitiveClient' });
    const respelled = await t.request().post(`${OP}/generate-token`).set('token', admin.token).set('client-id', 'casesensitiveclient').send({ member_id: 40 });
    expect(respelled.status).toBe(404);
    expect(respelled.body).toEqual({ status: false, message: 'Client id does not match with data' });
    const exact = await t.request().post(`${OP}/generate-token`).set('token', admin.token).set('client-id', connector.clientId).send({ member_id: 40 });
    expect(exact.status).toBe(200);
  });

  it('signs the compact JSON.stringify of the body as received (key order kept), also with the clientid spelling', async () => {
    const connector = await createConnector(t.pool);
    const res = await t
      .request()
      .post(`${OP}/generate-token`)
      .set('token', admin.token)
      .set('clientid', connector.clientId)
      .set('content-type', 'application/json')
      .send('{ "member_pin" : "123456",\n  "member_id": 40 }');
    expect(res.status).toBe(200);
    expect(res.body.token).toBe(createHmac('sha256', connector.secret).update('{"member_pin":"123456","member_id":40}').digest('hex'));
    const empty = await t.request().post(`${OP}/generate-token`).set('token', admin.token).set('client-id', connector.clientId);
    expect(empty.body.token).toBe(createHmac('sha256', connector.secret).update('{}').digest('hex'));
  });
});

describe('POST /op/:id/rotate-secret', () => {
  it('keeps only the secret it replaced during the overlap, and stops showing it once the overlap ends', async () => {
    const connector = await createConnector(t.pool);
    const first = await t.request().post(`${OP}/${connector.id}/rotate-secret`).set('token', admin.token);
    const secondSecret = first.body.data.secret;
    t.setNow(at(3600));
    const second = await t.request().post(`${OP}/${connector.id}/rotate-secret`).set('token', admin.token);
    expect(second.body.data).toMatchObject({ previous_secret: secondSecret, previous_secret_expires_at: unix(at(3600)) + 24 * 3600 });
    expect(JSON.stringify(second.body)).not.toContain(connector.secret);

    const later = at(3600 + 24 * 3600);
    t.setNow(later);
    const freshToken = signAccessToken(t.config, { memberId: admin.memberId, roleId: 1, tokenVersion: 0 }, later);
    const res = await t.request().get(`${OP}/${connector.id}`).set('token', freshToken);
    expect(res.body.data).toEqual({ id: connector.id, email: connector.email, clientId: connector.clientId, secret: second.body.data.secret, created_by: 1, created_at: expect.any(Number), ...ALL_ACCESS });
  });

  it('honours CONNECTOR_SECRET_OVERLAP_HOURS', async () => {
    const app = createApp({ config: testConfig({ CONNECTOR_SECRET_OVERLAP_HOURS: '2' }), pool: t.pool, logger: pino({ level: 'silent' }), clock: () => T0 });
    const connector = await createConnector(t.pool);
    const res = await supertest(app).post(`${OP}/${connector.id}/rotate-secret`).set('token', admin.token);
    expect(res.body.data).toMatchObject({ previous_secret: connector.secret, previous_secret_expires_at: unix(T0) + 2 * 3600 });
  });
});

describe('access', () => {
  const routes: Array<[string, string]> = [
    ['get', OP],
    ['get', `${OP}/1`],
    ['post', OP],
    ['put', OP],
    ['delete', `${OP}/1`],
    ['post', `${OP}/generate-token`],
    ['post', `${OP}/1/rotate-secret`],
  ];

  it('every /op route answers 401 without a token and 403 for a member who is not an admin', async () => {
    const password = 'Flyer-password-2026';
    const username = unique('flyer');
    const flyer = await createMember(t.pool, t.config.PIN_PEPPER, { username, password_hash: await hashPassword(password) });
    const login = await t.request().post('/api/auth/login').send({ username, password });
    const [mail] = await selectRows<RowDataPacket>(t.pool, 'SELECT text_body FROM outbox_messages WHERE to_address = ? ORDER BY outbox_message_id DESC', [flyer.email]);
    const signedIn = await t
      .request()
      .post('/api/auth/verify-otp')
      .set('platform', 'ios')
      .send({ member_id: flyer.member_id, challenge: login.body.challenge, code: /(\d{6})/.exec(mail.text_body)![1] });
    const flyerToken = signedIn.body.token as string;

    for (const [method, path] of routes) {
      const anonymous = await t.request()[method as 'get'](path).send({ email: 'a@b.example', id: 1 });
      expect([method, path, anonymous.status, anonymous.body.status]).toEqual([method, path, 401, false]);
      const flyerCall = await t.request()[method as 'get'](path).set('token', flyerToken).send({ email: 'a@b.example', id: 1 });
      expect([method, path, flyerCall.status, flyerCall.body.status]).toEqual([method, path, 403, false]);
    }
  });

  it('answers unknown /op paths with 404 in the console envelope, never the partner one', async () => {
    for (const res of [
      await t.request().get(`${OP}/1/nothing`).set('token', admin.token),
      await t.request().patch(OP).set('token', admin.token),
      await t.request().post(`${OP}/1`).set('token', admin.token),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ status: false, message: expect.stringMatching(/^Route not found: /) });
    }
  });
});
