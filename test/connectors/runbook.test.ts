import { createHmac } from 'node:crypto';
import supertest from 'supertest';
import type { RowDataPacket } from '../../src/db/pool';
import { totpCodeAt } from '../helpers/admin-session';
import { runCliScript } from '../helpers/cli';
import { createMember, selectRows } from '../helpers/factories';
import { startValidatingProxy, type ValidatingProxy } from '../helpers/openapi-proxy';
import { createTestContext, type TestContext } from '../helpers/test-app';

/**
 * The provisioning runbook, call by call, on a fresh box: admin:create, then Step 1 (login, one-time
 * TOTP setup, login, verify-totp), Step 2 (create), Step 3 (read back), editing, generate-token,
 * rotation, deletion. Codes are computed from the returned secret as an authenticator app would.
 * Every call goes through a validating proxy (Prism) with the app's OpenAPI document: anything it
 * does not describe fails.
 */
let t: TestContext;
let proxy: ValidatingProxy;
beforeAll(async () => {
  t = await createTestContext();
  proxy = await startValidatingProxy(t.app);
}, 120_000);
afterEach(() => proxy.expectEveryExchangeDescribed());
afterAll(async () => {
  await proxy?.close();
  await t.close();
});
const request = () => supertest(proxy.url);

const OP = '/api/external/fuse-metrix/op';
const USERNAME = 'iba-admin';
const PASSWORD = 'Tunnel-Admin-2026';
const T0 = new Date('2026-05-04T09:00:10Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const unix = (date: Date) => Math.floor(date.getTime() / 1000);
const hmac = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex');
const PIN_BODY = '{"member_id":40,"member_pin":"123456"}';
/** The partner's call the runbook's generate-token is meant to debug: validate-pin with that exact body. */
const validatePin = (clientId: string, token: string) =>
  request().post('/api/external/fuse-metrix/validate-pin').set('client-id', clientId).set('Authorization', token).set('content-type', 'application/json').send(PIN_BODY);

it('takes an admin from a fresh box to a working partner credential, as the runbook says', async () => {
  // a fresh box: no admin yet; member 40 of the runbook's generate-token example exists
  await createMember(t.pool, t.config.PIN_PEPPER, { member_id: 40, pin: '123456' });
  const created = await runCliScript('src/cli/admin-create.ts', ['--username', USERNAME, '--password', PASSWORD, '--email', 'ops@iba.example'], t.config.DATABASE_URL);
  expect(created.code).toBe(0);
  t.setNow(T0);

  // Step 1a: no token yet, first time → requiresTotpSetup
  const first = await request().post('/api/auth/login').set('content-type', 'application/json').send({ username: USERNAME, password: PASSWORD });
  expect(first.status).toBe(200);
  expect(first.body).toEqual({ status: true, requiresTotpSetup: true, member_id: expect.any(Number) });
  const ID = first.body.member_id as number;

  // one-time TOTP setup: QR + backup codes, then confirm a code (this also logs in)
  const setup = await request().post('/api/auth/totp/setup').send({ username: USERNAME, password: PASSWORD, member_id: ID });
  expect(setup.status).toBe(200);
  expect(setup.body).toMatchObject({ status: true, qrCodeUrl: expect.stringMatching(/^data:image\/png;base64,/), backupCodes: expect.any(Array) });
  const secret = setup.body.secret as string;
  const confirmed = await request()
    .post('/api/auth/totp/verify-setup')
    .set('platform', 'ios')
    .send({ username: USERNAME, password: PASSWORD, member_id: ID, code: await totpCodeAt(secret, T0) });
  expect(confirmed.status).toBe(200);
  expect(confirmed.body.token).toEqual(expect.any(String));

  // Step 1a again → requiresTotp; 1b with platform: ios → JWT in the body
  t.setNow(at(30));
  const second = await request().post('/api/auth/login').send({ username: USERNAME, password: PASSWORD });
  expect(second.body).toEqual({ status: true, requiresTotp: true, member_id: ID });
  const ios = await request()
    .post('/api/auth/verify-totp')
    .set('platform', 'ios')
    .send({ username: USERNAME, password: PASSWORD, member_id: ID, code: await totpCodeAt(secret, at(30)) });
  expect(ios.status).toBe(200);
  const ADMIN_JWT = ios.body.token as string;
  // ... and without it, in the token response header (curl -i)
  t.setNow(at(60));
  const web = await request().post('/api/auth/verify-totp').send({ username: USERNAME, password: PASSWORD, member_id: ID, code: await totpCodeAt(secret, at(60)) });
  expect(web.status).toBe(200);
  expect(web.headers.token).toEqual(expect.any(String));

  // Step 2: create the partner's connector user; no credentials in the answer
  const create = await request().post(OP).set('token', ADMIN_JWT).set('content-type', 'application/json').send('{"email":"partner@example.com"}');
  expect(create.status).toBe(200);
  expect(create.body).toEqual({ status: true, message: 'User created successfully' });

  // Step 3: read back the generated credentials
  const list = await request().get(`${OP}/`).set('token', ADMIN_JWT);
  expect(list.status).toBe(200);
  const row = list.body.data.find((connector: { email: string }) => connector.email === 'partner@example.com');
  expect(row).toEqual({
    id: expect.any(Number),
    email: 'partner@example.com',
    clientId: expect.stringMatching(/^[0-9a-f]{32}$/),
    secret: expect.any(String),
    created_by: ID,
    created_at: unix(at(60)),
    auth_methods: ['legacy-hmac', 'timestamped-signature', 'oauth'],
    scopes: ['members:read', 'bookings:write'],
  });
  expect(Buffer.from(row.secret, 'base64')).toHaveLength(16);
  expect(Buffer.from(row.secret, 'base64').toString('base64')).toBe(row.secret);

  const one = await request().get(`${OP}/${row.id}`).set('token', ADMIN_JWT);
  expect(one.status).toBe(200);
  expect(one.body).toEqual({ status: true, message: 'User fetched successfully', data: row });

  // Managing: edit e-mail
  const edit = await request().put(OP).set('token', ADMIN_JWT).send({ id: row.id, email: 'integrations@partner.example' });
  expect(edit.status).toBe(200);
  expect(edit.body).toEqual({ status: true, message: 'User updated successfully', data: { ...row, email: 'integrations@partner.example' } });
  const [stored] = await selectRows<RowDataPacket>(t.pool, 'SELECT email FROM fuse_metrix WHERE id = ?', [row.id]);
  expect(stored.email).toBe('integrations@partner.example');

  // Verifying a partner's HMAC: exactly HMAC_SHA256(secret, JSON.stringify(body)), hex
  const generated = await request()
    .post(`${OP}/generate-token`)
    .set('token', ADMIN_JWT)
    .set('client-id', row.clientId)
    .set('content-type', 'application/json')
    .send('{"member_id":40,"member_pin":"123456"}');
  expect(generated.status).toBe(200);
  expect(generated.body).toEqual({ status: true, message: 'Token generated successfully', token: hmac(row.secret, '{"member_id":40,"member_pin":"123456"}') });
  // ...and that token is what the partner API accepts for that body
  const validated = await validatePin(row.clientId, generated.body.token);
  expect(validated.status).toBe(200);
  expect(validated.body).toEqual({ valid: true, message: 'Member validated successfully' });

  // Beyond the runbook: rotate; the old secret stays listed (and valid) for 24 hours
  t.setNow(at(120));
  const rotate = await request().post(`${OP}/${row.id}/rotate-secret`).set('token', ADMIN_JWT);
  expect(rotate.status).toBe(200);
  const newSecret = rotate.body.data.secret as string;
  expect(newSecret).not.toBe(row.secret);
  expect(rotate.body).toEqual({
    status: true,
    message: 'Secret rotated successfully',
    data: { ...row, email: 'integrations@partner.example', secret: newSecret, previous_secret: row.secret, previous_secret_expires_at: unix(at(120)) + 24 * 3600 },
  });
  const during = await request().get(`${OP}/${row.id}`).set('token', ADMIN_JWT);
  expect(during.body.data).toMatchObject({ secret: newSecret, previous_secret: row.secret, previous_secret_expires_at: unix(at(120)) + 24 * 3600 });
  const regenerated = await request().post(`${OP}/generate-token`).set('token', ADMIN_JWT).set('client-id', row.clientId).send({ member_id: 40, member_pin: '123456' });
  expect(regenerated.body.token).toBe(hmac(newSecret, '{"member_id":40,"member_pin":"123456"}'));
  // during the overlap the partner may sign with either secret
  expect((await validatePin(row.clientId, generated.body.token)).status).toBe(200);
  expect((await validatePin(row.clientId, regenerated.body.token)).status).toBe(200);

  // the JWT lasts 12 hours: sign in again for the next day, as the runbook's gotcha says
  t.setNow(at(120 + 24 * 3600 + 1));
  expect((await request().get(`${OP}/${row.id}`).set('token', ADMIN_JWT)).status).toBe(401);
  // the overlap is over: only the new secret signs
  const stale = await validatePin(row.clientId, generated.body.token);
  expect(stale.status).toBe(403);
  expect(stale.body).toEqual({ valid: false, message: 'Your token does not match' });
  expect((await validatePin(row.clientId, regenerated.body.token)).status).toBe(200);
  const nextDay = await request()
    .post('/api/auth/verify-totp')
    .set('platform', 'ios')
    .send({ username: USERNAME, password: PASSWORD, member_id: ID, code: await totpCodeAt(secret, at(120 + 24 * 3600 + 1)) });
  const FRESH_JWT = nextDay.body.token as string;
  const after = await request().get(`${OP}/${row.id}`).set('token', FRESH_JWT);
  expect(after.body.data).toEqual({ ...row, email: 'integrations@partner.example', secret: newSecret });

  // Delete
  const removed = await request().delete(`${OP}/${row.id}`).set('token', FRESH_JWT);
  expect(removed.status).toBe(200);
  expect(removed.body).toEqual({ status: true, message: 'User deleted successfully' });
  const gone = await request().get(`${OP}/${row.id}`).set('token', FRESH_JWT);
  expect(gone.status).toBe(404);
  expect(gone.body).toEqual({ status: false, message: 'Connector user not found' });

  // every action is in the audit trail: who, what, which connector, when; never a secret
  const audit = await selectRows<RowDataPacket>(t.pool, 'SELECT actor_member_id, action, connector_id, detail, created_at FROM connector_audit ORDER BY connector_audit_id');
  expect(audit.map((entry) => [entry.action, entry.connector_id])).toEqual([
    ['create', row.id],
    ['list', null],
    ['read', row.id],
    ['update', row.id],
    ['generate-token', row.id],
    ['rotate-secret', row.id],
    ['read', row.id],
    ['generate-token', row.id],
    ['read', row.id],
    ['delete', row.id],
  ]);
  expect(audit.every((entry) => entry.actor_member_id === ID)).toBe(true);
  expect(audit[0].created_at).toEqual(at(60));
  expect(audit[9].created_at).toEqual(at(120 + 24 * 3600 + 1));
  const trail = JSON.stringify(audit);
  for (const secretValue of [row.secret, newSecret, generated.body.token]) expect(trail).not.toContain(secretValue);
});
