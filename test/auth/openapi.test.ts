import { createTestContext, type TestContext } from '../helpers/test-app';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

describe('GET /api/openapi.json', () => {
  it('describes the sign-in routes and the connector console, with the token header security scheme', async () => {
    const res = await t.request().get('/api/openapi.json');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/auth/login',
        '/api/auth/totp/setup',
        '/api/auth/totp/verify-setup',
        '/api/auth/verify-totp',
        '/api/auth/verify-otp',
        '/api/external/fuse-metrix/op',
        '/api/external/fuse-metrix/op/generate-token',
        '/api/external/fuse-metrix/op/{id}',
        '/api/external/fuse-metrix/op/{id}/rotate-secret',
      ]),
    );
    expect(Object.keys(res.body.paths['/api/external/fuse-metrix/op'])).toEqual(['post', 'get', 'put']);
    expect(res.body.components.securitySchemes.adminToken).toMatchObject({ type: 'apiKey', in: 'header', name: 'token' });
    expect(res.body.components.schemas.TotpCodeRequest.required).toEqual(['username', 'password', 'member_id', 'code']);
    expect(res.body.components.schemas.EmailOtpRequest.required).toEqual(['member_id', 'challenge', 'code']);
  });
});
