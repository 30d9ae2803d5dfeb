import { createTestContext, type TestContext } from '../helpers/test-app';

let t: TestContext;
afterEach(async () => {
  await t?.close();
});

const ADMIN_ORIGIN = 'https://admin.tunnelflight.com';

// Attack (security review): every route answered Access-Control-Allow-Origin: * and exposed the token header.
describe('CORS', () => {
  it('allows no origin by default: no CORS headers on any route, preflight included', async () => {
    t = await createTestContext();
    for (const path of ['/health', '/api/auth/login', '/api/external/fuse-metrix/op/']) {
      const res = await t.request().get(path).set('Origin', 'https://evil.example');
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.headers['access-control-expose-headers']).toBeUndefined();
    }
    const preflight = await t
      .request()
      .options('/api/auth/verify-totp')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
  });

  it('allows exactly the origins in CORS_ORIGINS, exposing the token header to them only', async () => {
    t = await createTestContext({ CORS_ORIGINS: `${ADMIN_ORIGIN},http://localhost:5173` });
    const allowed = await t.request().get('/health').set('Origin', ADMIN_ORIGIN);
    expect(allowed.headers['access-control-allow-origin']).toBe(ADMIN_ORIGIN);
    expect(allowed.headers['access-control-expose-headers']).toMatch(/\btoken\b/);
    expect(allowed.headers.vary).toMatch(/Origin/);

    const preflight = await t.request().options('/api/auth/verify-totp').set('Origin', ADMIN_ORIGIN).set('Access-Control-Request-Method', 'POST');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(ADMIN_ORIGIN);

    const other = await t.request().get('/health').set('Origin', 'https://evil.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    expect(other.headers['access-control-expose-headers']).toBeUndefined();
  });
});

describe('DOCS_ENABLED', () => {
  it('serves /api/docs and /api/openapi.json when on (the default in development and tests)', async () => {
    t = await createTestContext();
    expect((await t.request().get('/api/openapi.json')).status).toBe(200);
    expect((await t.request().get('/api/docs/')).status).toBe(200);
  });

  it('answers 404 for both when off (the default in production)', async () => {
    t = await createTestContext({ DOCS_ENABLED: 'false' });
    for (const path of ['/api/openapi.json', '/api/docs/', '/api/docs']) {
      const res = await t.request().get(path);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ status: false, message: `Route not found: GET ${path}` });
    }
  });
});
