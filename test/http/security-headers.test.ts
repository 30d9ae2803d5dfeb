import express from 'express';
import helmet from 'helmet';
import supertest from 'supertest';
import { createConnector, createMember, type CreatedConnector, type CreatedMember } from '../helpers/factories';
import { signedPost } from '../helpers/signed-request';
import { createTestContext, type TestContext } from '../helpers/test-app';

/**
 * The security headers are computed once at start-up (src/http/security-headers.ts) instead of by
 * helmet's middlewares on every response. Every response must carry exactly what helmet() sets.
 */

/** The headers the app sent while it ran helmet() on every response, as they are today. */
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};

let t: TestContext;
let connector: CreatedConnector;
let member: CreatedMember;
beforeAll(async () => {
  t = await createTestContext();
  connector = await createConnector(t.pool);
  member = await createMember(t.pool, t.config.PIN_PEPPER, { pin: '246810' });
});
afterAll(() => t.close());

describe('security headers', () => {
  it('are the ones helmet() sets, value for value', async () => {
    const bare = express();
    bare.disable('x-powered-by');
    bare.use(helmet());
    bare.get('/', (_req, res) => {
      res.send('ok');
    });
    const res = await supertest(bare).get('/');
    const fromHelmet = Object.fromEntries(Object.entries(res.headers).filter(([name]) => !['content-type', 'content-length', 'etag', 'date', 'connection'].includes(name)));
    expect(fromHelmet).toEqual(SECURITY_HEADERS);
  });

  const responses: Array<[string, () => supertest.Test, number]> = [
    ['a check-in (validate-pin, 200)', () => signedPost(t.request(), connector, '/api/external/fuse-metrix/validate-pin', { member_id: member.member_id, member_pin: '246810' }), 200],
    ['get-member (200)', () => signedPost(t.request(), connector, '/api/external/fuse-metrix/get-member', { member_id: member.member_id }), 200],
    ['a partner request without a signature (400)', () => t.request().post('/api/external/fuse-metrix/validate-pin').send({ member_id: 1, member_pin: '1' }), 400],
    ['a partner request with a form body (415)', () => signedPost(t.request(), connector, '/api/external/fuse-metrix/validate-pin', {}, { rawBody: 'member_id=1', contentType: 'application/x-www-form-urlencoded' }), 415],
    ['an unknown route (404)', () => t.request().get('/no/such/route'), 404],
    ['/health/live', () => t.request().get('/health/live'), 200],
    ['the flight-time page for an unknown link (HTML, 404)', () => t.request().get(`/flight-time/${'A'.repeat(43)}`), 404],
    ['the API documentation (HTML)', () => t.request().get('/api/docs/'), 200],
    ['a sign-in refused (401)', () => t.request().post('/api/auth/login').send({ username: 'nobody', password: 'wrong-password-123' }), 401],
  ];

  it.each(responses)('are on %s, and X-Powered-By is not', async (_name, send, status) => {
    const res = await send();
    expect(res.status).toBe(status);
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect([name, res.headers[name]]).toEqual([name, value]);
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});

describe('the check-in answers', () => {
  it('are JSON with the charset and the exact length, as res.json wrote them', async () => {
    const res = await signedPost(t.request(), connector, '/api/external/fuse-metrix/validate-pin', { member_id: member.member_id, member_pin: '246810' });
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.text).toBe('{"valid":true,"message":"Member validated successfully"}');
    expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.text));
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
