import { generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { signAccessToken } from '../../src/auth/jwt';
import { createConnector, createMember, type CreatedConnector, type CreatedMember } from '../helpers/factories';
import { createTestContext, type TestContext } from '../helpers/test-app';

/**
 * OAuth access tokens on the partner routes, tried as an attacker would: expired, not yet valid, for
 * another audience, unsigned, signed with another algorithm, after the connector was rotated,
 * restricted or deleted, an admin JWT in its place.
 */

const TOKEN_PATH = '/api/oauth/token';
const GET_MEMBER = '/api/external/fuse-metrix/get-member';
const OP = '/api/external/fuse-metrix/op';
const T0 = new Date('2026-06-15T12:00:00Z');
const later = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

let t: TestContext;
let member: CreatedMember;

beforeAll(async () => {
  t = await createTestContext();
  member = await createMember(t.pool, t.config.PIN_PEPPER);
});
afterAll(() => t.close());
beforeEach(() => t.setNow(T0));

async function accessTokenFor(connector: CreatedConnector, context: TestContext = t): Promise<string> {
  const res = await context.request().post(TOKEN_PATH).type('form').send({ grant_type: 'client_credentials', client_id: connector.clientId, client_secret: connector.secret });
  expect(res.status).toBe(200);
  return res.body.access_token;
}

const getMember = (accessToken: string, context: TestContext = t) =>
  context.request().post(GET_MEMBER).set('Authorization', `Bearer ${accessToken}`).send({ member_id: member.member_id });

function expectRefused(res: { status: number; body: unknown; headers: Record<string, string> }, message: string) {
  expect(res.status).toBe(401);
  expect(res.body).toEqual({ valid: false, message });
  expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
}

describe('an access token on the partner routes', () => {
  it('works until it expires, within the clock tolerance, and not after', async () => {
    const token = await accessTokenFor(await createConnector(t.pool));
    t.setNow(later(300 + 29));
    expect((await getMember(token)).status).toBe(200);
    t.setNow(later(300 + 31));
    expectRefused(await getMember(token), 'Access token has expired');
  });

  it('is refused before its nbf (a token issued by a clock running ahead)', async () => {
    const connector = await createConnector(t.pool);
    t.setNow(later(120));
    const token = await accessTokenFor(connector);
    t.setNow(T0);
    expectRefused(await getMember(token), 'Access token is not valid yet');
    t.setNow(later(95));
    expect((await getMember(token)).status).toBe(200);
  });

  it('is refused by an API with another audience (a token from another environment)', async () => {
    const connector = await createConnector(t.pool);
    const token = await accessTokenFor(connector);
    const production = await createTestContext({ APP_BASE_URL: 'https://api.tunnelflight.example' });
    try {
      production.setNow(T0);
      // the same connector row (same id, secret and version) in the other environment: only the audience differs
      await production.pool.query('INSERT INTO fuse_metrix (id, email, created_by, secret, clientId, created_at) VALUES (?, ?, 1, ?, ?, UNIX_TIMESTAMP())', [
        connector.id,
        connector.email,
        connector.secret,
        connector.clientId,
      ]);
      const otherMember = await createMember(production.pool, production.config.PIN_PEPPER);
      const res = await production.request().post(GET_MEMBER).set('Authorization', `Bearer ${token}`).send({ member_id: otherMember.member_id });
      expectRefused(res, 'Access token is not meant for this API');
    } finally {
      await production.close();
      member = await createMember(t.pool, t.config.PIN_PEPPER);
    }
  });

  it.each([
    ['unsigned (alg none)', (claims: object) => jwt.sign(claims, '', { algorithm: 'none' })],
    ['RS256 with a key of its own', (claims: object) => jwt.sign(claims, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, { algorithm: 'RS256' })],
    ['HS256 with the server JWT_SECRET', (claims: object) => jwt.sign(claims, t.config.JWT_SECRET, { algorithm: 'HS256' })],
    ['HS512 with the connector secret', (claims: object) => jwt.sign(claims, 'SECRET', { algorithm: 'HS512' })],
  ])('is refused when %s', async (_name, forge) => {
    const connector = await createConnector(t.pool);
    const genuine = jwt.decode(await accessTokenFor(connector)) as jwt.JwtPayload;
    const forged = forge(genuine).replace('SECRET', connector.secret);
    expectRefused(await getMember(forged), 'Invalid access token');
  });

  it('is refused with its claims changed (another scope, a later expiry)', async () => {
    const connector = await createConnector(t.pool);
    const [header, payload, signature] = (await accessTokenFor(connector)).split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const tampered = Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 3600 })).toString('base64url');
    expectRefused(await getMember(`${header}.${tampered}.${signature}`), 'Invalid access token');
  });

  it.each([
    ['the secret is rotated', (c: CreatedConnector) => t.request().post(`${OP}/${c.id}/rotate-secret`)],
    ['its access changes', (c: CreatedConnector) => t.request().put(`${OP}/${c.id}/access`).send({ auth_methods: ['oauth'], scopes: ['members:read'] })],
    ['it is deleted', (c: CreatedConnector) => t.request().delete(`${OP}/${c.id}`)],
  ])('stops working at once when %s', async (_name, change) => {
    const connector = await createConnector(t.pool);
    const token = await accessTokenFor(connector);
    expect((await getMember(token)).status).toBe(200);
    const admin = signAccessToken(t.config, { memberId: 1, roleId: 1 }, T0);
    expect((await change(connector).set('token', admin)).status).toBe(200);
    expectRefused(await getMember(token), 'Invalid access token');
  });

  it('stops working when the connector is deleted with the runbook SQL', async () => {
    const connector = await createConnector(t.pool);
    const token = await accessTokenFor(connector);
    await t.pool.query(`DELETE FROM fuse_metrix WHERE clientId = '${connector.clientId}'`);
    await createConnector(t.pool, { clientId: connector.clientId, secret: connector.secret });
    expectRefused(await getMember(token), 'Invalid access token');
  });

  it('is refused on the admin console, and an admin JWT is refused on the partner routes', async () => {
    const token = await accessTokenFor(await createConnector(t.pool));
    const console = await t.request().get(`${OP}/`).set('Authorization', `Bearer ${token}`);
    expect(console.status).toBe(401);
    const admin = signAccessToken(t.config, { memberId: 1, roleId: 1 }, T0);
    expectRefused(await getMember(admin), 'Invalid access token');
  });

  it('is judged as a legacy token when a client-id header comes with it', async () => {
    const connector = await createConnector(t.pool);
    const token = await accessTokenFor(connector);
    const res = await t.request().post(GET_MEMBER).set('client-id', connector.clientId).set('Authorization', `Bearer ${token}`).send({ member_id: member.member_id });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ valid: false, message: 'Your token does not match' });
  });
});
