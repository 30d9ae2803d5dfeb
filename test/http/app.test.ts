import { createTestContext, type TestContext } from '../helpers/test-app';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

describe('GET /health', () => {
  it('answers 200 when the database answers', async () => {
    const res = await t.request().get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: true, database: 'up' });
  });
});

describe('HTTP basics', () => {
  it('answers unknown routes with 404 JSON in the status envelope', async () => {
    const res = await t.request().get('/api/nope');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body).toEqual({ status: false, message: 'Route not found: GET /api/nope' });
  });

  it('answers unknown partner routes in the partner envelope', async () => {
    const res = await t.request().get('/api/external/fuse-metrix/nope/deeper');
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body.valid).toBe(false);
    expect(typeof res.body.message).toBe('string');
  });

  it('answers malformed JSON with 400 in the envelope, never HTML', async () => {
    const res = await t.request().post('/api/auth/login').set('content-type', 'application/json').send('{"username": ');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body).toEqual({ status: false, message: 'Malformed JSON in request body' });
  });

  it('answers malformed JSON on a partner route in the partner envelope', async () => {
    const res = await t.request().post('/api/external/fuse-metrix/validate-pin').set('content-type', 'application/json').send('{oops');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ valid: false, message: 'Malformed JSON in request body' });
  });

  it('answers bodies over 100 kB with 413', async () => {
    const big = JSON.stringify({ filler: 'x'.repeat(110 * 1024) });
    const res = await t.request().post('/api/auth/login').set('content-type', 'application/json').send(big);
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ status: false, message: 'Request body is too large (limit 100 kB)' });
  });

  it('returns a request id header, and keeps a sane incoming one', async () => {
    const generated = await t.request().get('/health');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await t.request().get('/health').set('X-Request-Id', 'trace-12345678');
    expect(kept.headers['x-request-id']).toBe('trace-12345678');
    const replaced = await t.request().get('/health').set('X-Request-Id', '<script>');
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('never answers with a stack trace or SQL text', async () => {
    const res = await t.request().post('/api/auth/login').set('content-type', 'application/json').send('[1,');
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts|SELECT|INSERT|node_modules/);
  });
});
