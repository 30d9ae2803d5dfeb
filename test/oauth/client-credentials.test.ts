import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import { ClientCredentials } from 'simple-oauth2';
import { createConnector, createMember, createTunnel, type CreatedConnector, type CreatedMember, uniqueNumber } from '../helpers/factories';
import { createTestContext, type TestContext } from '../helpers/test-app';

/**
 * The OAuth2 client-credentials grant as a partner's stock OAuth library uses it (simple-oauth2,
 * against a real listening server), then the access token on every partner route.
 */

const TOKEN_PATH = '/api/oauth/token';
const VALIDATE_PIN = '/api/external/fuse-metrix/validate-pin';
const GET_MEMBER = '/api/external/fuse-metrix/get-member';
const CREATE_BOOKING = '/api/external/fuse-metrix/create-booking';

let t: TestContext;
let server: Server;
let baseUrl: string;
let connector: CreatedConnector;
let member: CreatedMember;
let tunnelId: number;

beforeAll(async () => {
  t = await createTestContext();
  server = http.createServer(t.app).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  connector = await createConnector(t.pool);
  member = await createMember(t.pool, t.config.PIN_PEPPER, { pin: '67510' });
  tunnelId = (await createTunnel(t.pool)).fuse_metrix_tunnel_id!;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await t.close();
});

function oauthClient(credentials: { clientId: string; secret: string }, authorizationMethod: 'header' | 'body' = 'header') {
  return new ClientCredentials({
    client: { id: credentials.clientId, secret: credentials.secret },
    auth: { tokenHost: baseUrl, tokenPath: TOKEN_PATH },
    options: { authorizationMethod },
  });
}

async function call(method: 'GET' | 'POST', path: string, accessToken: string, body?: unknown) {
  const response = await fetch(baseUrl + path, {
    method,
    headers: { Authorization: `Bearer ${accessToken}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

function bookingBody() {
  const now = Math.floor(Date.now() / 1000);
  return { member_id: member.member_id, purchase_id: uniqueNumber(), purchase_date: now - 3600, flight_date: now, minutes_booked: 9, product_id: 12893, tunnel_id: tunnelId, checkin_time: now };
}

describe('POST /api/oauth/token through a stock OAuth client library', () => {
  it.each([['HTTP Basic', 'header'], ['the body', 'body']] as const)('issues a token to credentials sent in %s, usable on every partner route', async (_name, method) => {
    const token = await oauthClient(connector, method).getToken({});
    const accessToken = token.token.access_token as string;
    expect(token.token).toMatchObject({ token_type: 'Bearer', expires_in: 300, scope: 'members:read bookings:write' });

    expect(await call('POST', VALIDATE_PIN, accessToken, { member_id: member.member_id, member_pin: '67510' })).toMatchObject({
      status: 200,
      body: { valid: true, message: 'Member validated successfully' },
    });
    expect(await call('POST', GET_MEMBER, accessToken, { member_id: member.member_id })).toMatchObject({ status: 200, body: { member_id: member.member_id } });
    expect(await call('GET', `${GET_MEMBER}?member_id=${member.member_id}`, accessToken)).toMatchObject({ status: 200, body: { member_id: member.member_id } });
    expect(await call('POST', CREATE_BOOKING, accessToken, bookingBody())).toMatchObject({ status: 200, body: { valid: true, message: 'Booking created successfully' } });
  });

  it('issues a JWT with the claims seed 003 describes: iss, aud, sub, scope, iat, nbf, exp', async () => {
    const before = Math.floor(Date.now() / 1000);
    const token = await oauthClient(connector).getToken({ scope: 'members:read' });
    const { header, payload } = jwt.decode(token.token.access_token as string, { complete: true }) as jwt.Jwt & { payload: jwt.JwtPayload };
    expect(header.alg).toBe('HS256');
    expect(payload).toMatchObject({ iss: 'http://localhost:3000', aud: 'http://localhost:3000/api/external/fuse-metrix', sub: connector.clientId, scope: 'members:read' });
    expect(payload.nbf).toBe(payload.iat);
    expect(payload.exp).toBe(payload.iat! + 300);
    expect(payload.iat).toBeGreaterThanOrEqual(before);
  });

  it('grants only the scopes asked for: a members:read token cannot create bookings (403 insufficient_scope)', async () => {
    const token = await oauthClient(connector).getToken({ scope: 'members:read' });
    const res = await call('POST', CREATE_BOOKING, token.token.access_token as string, bookingBody());
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ valid: false, message: 'This endpoint needs the scope bookings:write, which this access token does not have' });
    expect(res.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
  });

  it('refuses a wrong secret through the library (401 invalid_client)', async () => {
    await expect(oauthClient({ clientId: connector.clientId, secret: 'wrong' }).getToken({})).rejects.toMatchObject({
      output: { statusCode: 401 },
      data: { payload: { error: 'invalid_client', error_description: 'Client authentication failed' } },
    });
  });
});

describe('POST /api/oauth/token as RFC 6749 answers it', () => {
  const form = (fields: Record<string, string>) => t.request().post(TOKEN_PATH).type('form').send(fields);
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

  it('answers with Cache-Control: no-store and Pragma: no-cache', async () => {
    const res = await form({ grant_type: 'client_credentials', client_id: connector.clientId, client_secret: connector.secret });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.pragma).toBe('no-cache');
    expect(Object.keys(res.body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
  });

  it.each([
    ['an unknown client id', { grant_type: 'client_credentials', client_id: 'no-such-client', client_secret: 'x' }],
    ['a wrong secret', { grant_type: 'client_credentials', client_id: 'CLIENT', client_secret: 'wrong' }],
    ['no credentials', { grant_type: 'client_credentials' }],
    ['a client id in another letter case', { grant_type: 'client_credentials', client_id: 'UPPER', client_secret: 'SECRET' }],
  ])('answers 401 invalid_client for %s', async (_name, fields) => {
    const sent = Object.fromEntries(
      Object.entries(fields).map(([key, value]) => [key, value === 'CLIENT' ? connector.clientId : value === 'UPPER' ? connector.clientId.toUpperCase() : value === 'SECRET' ? connector.secret : value]),
    );
    const res = await form(sent);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'invalid_client', error_description: expect.stringMatching(/^Client authentication failed/) });
    expect(res.headers['www-authenticate']).toMatch(/^Basic realm=/);
  });

  it('accepts HTTP Basic with form-urlencoded parts', async () => {
    const odd = await createConnector(t.pool, { clientId: 'odd:client id', secret: 'se cret/+:=' });
    const res = await t.request().post(TOKEN_PATH).set('Authorization', basic(odd.clientId, odd.secret)).type('form').send({ grant_type: 'client_credentials' });
    expect(res.status).toBe(200);
  });

  it('accepts HTTP Basic sent raw, as curl -u sends it, with a base64 secret holding + and /', async () => {
    const raw = await createConnector(t.pool, { secret: 'q1w2+e3r4/t5y6u7i8o9pA==' });
    const header = `Basic ${Buffer.from(`${raw.clientId}:${raw.secret}`).toString('base64')}`;
    const res = await t.request().post(TOKEN_PATH).set('Authorization', header).type('form').send({ grant_type: 'client_credentials' });
    expect(res.status).toBe(200);
  });

  it('answers 400 invalid_request when the client authenticates twice (Basic and a body secret)', async () => {
    const res = await t
      .request()
      .post(TOKEN_PATH)
      .set('Authorization', basic(connector.clientId, connector.secret))
      .type('form')
      .send({ grant_type: 'client_credentials', client_secret: connector.secret });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
  });

  it.each([
    ['another grant type', { grant_type: 'password', username: 'a', password: 'b' }, 'unsupported_grant_type'],
    ['no grant type', { client_id: 'x', client_secret: 'y' }, 'invalid_request'],
  ])('answers 400 for %s', async (_name, fields, error) => {
    const res = await form(fields);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe(error);
  });

  it('answers 400 invalid_request to a JSON body', async () => {
    const res = await t.request().post(TOKEN_PATH).send({ grant_type: 'client_credentials', client_id: connector.clientId, client_secret: connector.secret });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_request', error_description: 'The request body must be application/x-www-form-urlencoded' });
  });

  it('answers 400 invalid_request to a repeated parameter', async () => {
    const res = await t.request().post(TOKEN_PATH).type('form').send(`grant_type=client_credentials&client_id=${connector.clientId}&client_secret=a&client_secret=b`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_request', error_description: 'client_secret must be sent once' });
  });

  it.each([
    ['an unknown scope', 'members:write', 'Unknown scope: members:write'],
    ['a scope the connector may not hold', 'bookings:write', 'This client may not hold the scope bookings:write'],
  ])('answers 400 invalid_scope for %s', async (_name, scope, description) => {
    const reader = await createConnector(t.pool);
    await t.pool.query("UPDATE fuse_metrix SET scopes = 'members:read' WHERE id = ?", [reader.id]);
    const res = await form({ grant_type: 'client_credentials', client_id: reader.clientId, client_secret: reader.secret, scope });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_scope', error_description: description });
  });

  it('gives a connector that may hold only members:read a token for that scope when it asks for none', async () => {
    const reader = await createConnector(t.pool);
    await t.pool.query("UPDATE fuse_metrix SET scopes = 'members:read' WHERE id = ?", [reader.id]);
    const res = await form({ grant_type: 'client_credentials', client_id: reader.clientId, client_secret: reader.secret });
    expect(res.body.scope).toBe('members:read');
  });

  it('answers 400 unauthorized_client when the connector may not use OAuth', async () => {
    const legacyOnly = await createConnector(t.pool);
    await t.pool.query("UPDATE fuse_metrix SET auth_methods = 'legacy-hmac,timestamped-signature' WHERE id = ?", [legacyOnly.id]);
    const res = await form({ grant_type: 'client_credentials', client_id: legacyOnly.clientId, client_secret: legacyOnly.secret });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('unauthorized_client');
  });

  it('accepts the previous secret during a rotation overlap, and not after it', async () => {
    const rotated = await createConnector(t.pool);
    const now = Math.floor(Date.now() / 1000);
    await t.pool.query("UPDATE fuse_metrix SET previous_secret = secret, previous_secret_expires_at = ?, secret = 'new-secret' WHERE id = ?", [now + 60, rotated.id]);
    expect((await form({ grant_type: 'client_credentials', client_id: rotated.clientId, client_secret: rotated.secret })).status).toBe(200);
    expect((await form({ grant_type: 'client_credentials', client_id: rotated.clientId, client_secret: 'new-secret' })).status).toBe(200);
    await t.pool.query('UPDATE fuse_metrix SET previous_secret_expires_at = ? WHERE id = ?', [now - 1, rotated.id]);
    expect((await form({ grant_type: 'client_credentials', client_id: rotated.clientId, client_secret: rotated.secret })).status).toBe(401);
  });
});
