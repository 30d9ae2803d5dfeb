import { CONNECTOR_CACHE_TTL_MS } from '../../src/partner/connector-cache';
import { createConnector, createMember, unique } from '../helpers/factories';
import { signedPost } from '../helpers/signed-request';
import { createTestContext, type TestContext } from '../helpers/test-app';

/** The signature check reuses a connector's row for up to a second; these are the promises that keeps. */

const VALIDATE_PIN = '/api/external/fuse-metrix/validate-pin';
let t: TestContext;
let memberId: number;
beforeAll(async () => {
  t = await createTestContext();
  memberId = (await createMember(t.pool, t.config.PIN_PEPPER, { pin: '135790' })).member_id;
});
afterAll(() => t.close());

const body = () => ({ member_id: memberId, member_pin: '135790' });

describe('connector credentials reused between requests', () => {
  it('accepts a secret changed in the database at once, even right after the old one was used', async () => {
    const connector = await createConnector(t.pool);
    expect((await signedPost(t.request(), connector, VALIDATE_PIN, body())).status).toBe(200);
    const secret = unique('new-secret');
    await t.pool.query('UPDATE fuse_metrix SET secret = ? WHERE id = ?', [secret, connector.id]);
    const res = await signedPost(t.request(), { ...connector, secret }, VALIDATE_PIN, body());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ valid: true, message: 'Member validated successfully' });
  });

  it('accepts a connector inserted by hand at once, even right after its client id was refused', async () => {
    const clientId = unique('handmade');
    const missing = await signedPost(t.request(), { clientId, secret: 's3cret' }, VALIDATE_PIN, body());
    expect(missing.status).toBe(404);
    const connector = await createConnector(t.pool, { clientId, secret: 's3cret' });
    expect((await signedPost(t.request(), connector, VALIDATE_PIN, body())).status).toBe(200);
  });

  it('refuses a connector deleted by hand once the reuse window has passed', async () => {
    const connector = await createConnector(t.pool);
    expect((await signedPost(t.request(), connector, VALIDATE_PIN, body())).status).toBe(200);
    await t.pool.query('DELETE FROM fuse_metrix WHERE clientId = ?', [connector.clientId]);
    await new Promise((r) => setTimeout(r, CONNECTOR_CACHE_TTL_MS + 100));
    const res = await signedPost(t.request(), connector, VALIDATE_PIN, body());
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ valid: false, message: 'Client id does not match with data' });
  });

  it('still refuses a wrong token for a cached connector', async () => {
    const connector = await createConnector(t.pool);
    expect((await signedPost(t.request(), connector, VALIDATE_PIN, body())).status).toBe(200);
    const res = await signedPost(t.request(), { ...connector, secret: 'not-the-secret' }, VALIDATE_PIN, body());
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ valid: false, message: 'Your token does not match' });
  });
});
