import { randomBytes } from 'node:crypto';
import pino from 'pino';
import supertest from 'supertest';
import { createApp } from '../../src/app';
import type { RowDataPacket } from '../../src/db/pool';
import { resealAllSecrets } from '../../src/security/secret-rotation';
import { SecretBox } from '../../src/security/secret-box';
import { type AdminSession, signedInAdmin } from '../helpers/admin-session';
import { createConnector, createMember, selectRows, type CreatedMember } from '../helpers/factories';
import { signedPost, timestampedPost } from '../helpers/signed-request';
import { createTestContext, type TestContext, testConfig } from '../helpers/test-app';

/**
 * Connector secrets are stored sealed (AES-256-GCM under SECRETS_KEY), shown in clear to admins as the
 * runbook needs, and a connector inserted by hand with the runbook's SQL keeps working and is sealed
 * the first time it is used. What a stolen copy of the table holds: no secret.
 */

const OP = '/api/external/fuse-metrix/op';
const GET_MEMBER = '/api/external/fuse-metrix/get-member';

let t: TestContext;
let admin: AdminSession;
let member: CreatedMember;

beforeAll(async () => {
  t = await createTestContext();
  admin = await signedInAdmin(t);
  t.setNow(null);
  member = await createMember(t.pool, t.config.PIN_PEPPER);
});
afterAll(() => t.close());

const stored = async (clientId: string) =>
  (await selectRows<RowDataPacket>(t.pool, 'SELECT id, secret, previous_secret FROM fuse_metrix WHERE clientId = ?', [clientId]))[0];
const context = (id: number) => `fuse_metrix.secret:${id}`;

describe('connector secrets at rest', () => {
  it('stores the secret of a connector made with POST /op sealed, shows it in clear to the admin, and it signs', async () => {
    await t.request().post(OP).set('token', admin.token).send({ email: 'sealed@partner.example' }).expect(200);
    const list = await t.request().get(`${OP}/`).set('token', admin.token).expect(200);
    const shown = list.body.data.find((row: { email: string }) => row.email === 'sealed@partner.example');
    expect(Buffer.from(shown.secret, 'base64')).toHaveLength(16);

    const row = await stored(shown.clientId);
    expect(row.secret).toMatch(/^enc1:[0-9a-f]{8}:/);
    expect(row.secret).not.toContain(shown.secret);
    expect(SecretBox.fromConfig(t.config).reveal(row.secret, context(row.id)).value).toBe(shown.secret);

    await signedPost(t.request(), shown, GET_MEMBER, { member_id: member.member_id }).expect(200);
    await timestampedPost(t.request(), shown, GET_MEMBER, { member_id: member.member_id }).expect(200);
  });

  it('keeps a connector inserted with the runbook SQL (plain secret) working, and seals it the first time it is used', async () => {
    const handMade = { clientId: randomBytes(16).toString('hex'), secret: randomBytes(16).toString('base64') };
    await t.pool.query(
      `INSERT INTO fuse_metrix (email, created_by, secret, clientId, created_at) VALUES ('partner@example.com', 1, '${handMade.secret}', '${handMade.clientId}', UNIX_TIMESTAMP())`,
    );
    expect((await stored(handMade.clientId)).secret).toBe(handMade.secret);

    await signedPost(t.request(), handMade, GET_MEMBER, { member_id: member.member_id }).expect(200);
    const row = await stored(handMade.clientId);
    expect(row.secret).toMatch(/^enc1:/);
    expect(row.secret).not.toContain(handMade.secret);

    // still the same secret, for every method and for the admin
    await signedPost(t.request(), handMade, GET_MEMBER, { member_id: member.member_id }).expect(200);
    const token = await t.request().post('/api/oauth/token').type('form').send({ grant_type: 'client_credentials', client_id: handMade.clientId, client_secret: handMade.secret });
    expect(token.status).toBe(200);
    const shown = await t.request().get(`${OP}/${row.id}`).set('token', admin.token).expect(200);
    expect(shown.body.data.secret).toBe(handMade.secret);
  });

  it('seals a plain secret the first time the token endpoint or the console reads it, too', async () => {
    const viaToken = await createConnector(t.pool);
    await t.request().post('/api/oauth/token').type('form').send({ grant_type: 'client_credentials', client_id: viaToken.clientId, client_secret: viaToken.secret }).expect(200);
    expect((await stored(viaToken.clientId)).secret).toMatch(/^enc1:/);

    const viaConsole = await createConnector(t.pool);
    await t.request().get(`${OP}/${viaConsole.id}`).set('token', admin.token).expect(200);
    expect((await stored(viaConsole.clientId)).secret).toMatch(/^enc1:/);
  });

  it('keeps both secrets sealed through a rotation; both sign during the overlap', async () => {
    const connector = await createConnector(t.pool);
    const rotated = await t.request().post(`${OP}/${connector.id}/rotate-secret`).set('token', admin.token).expect(200);
    const row = await stored(connector.clientId);
    expect(row.secret).toMatch(/^enc1:/);
    expect(row.previous_secret).toMatch(/^enc1:/);
    expect(rotated.body.data).toMatchObject({ previous_secret: connector.secret });
    await signedPost(t.request(), { clientId: connector.clientId, secret: rotated.body.data.secret }, GET_MEMBER, { member_id: member.member_id }).expect(200);
    await signedPost(t.request(), connector, GET_MEMBER, { member_id: member.member_id }).expect(200);
  });

  it('re-seals every connector under a new SECRETS_KEY with secrets:rotate-key, and the API with the new key still signs', async () => {
    const plain = await createConnector(t.pool);
    const sealed = await createConnector(t.pool);
    await signedPost(t.request(), sealed, GET_MEMBER, { member_id: member.member_id }).expect(200); // sealed under the current key now

    const newKey = randomBytes(32);
    const rotatedConfig = testConfig({ SECRETS_KEY: newKey.toString('base64'), SECRETS_OLD_KEYS: t.config.SECRETS_KEY.toString('base64') });
    const box = SecretBox.fromConfig(rotatedConfig);
    const results = await resealAllSecrets(t.pool, box);
    for (const column of ['fuse_metrix.secret', 'fuse_metrix.previous_secret']) {
      expect(results.find((result) => result.column === column)).toMatchObject({ remaining: 0 });
    }
    for (const connector of [plain, sealed]) {
      const row = await stored(connector.clientId);
      expect(row.secret.startsWith(`enc1:${box.currentKeyId}:`)).toBe(true);
    }

    // an API that knows only the new key
    const newKeyOnly = testConfig({ SECRETS_KEY: newKey.toString('base64') });
    const app = createApp({ config: newKeyOnly, pool: t.pool, logger: pino({ level: 'silent' }), clock: t.now });
    for (const connector of [plain, sealed]) await signedPost(supertest(app), connector, GET_MEMBER, { member_id: member.member_id }).expect(200);
  });
});
