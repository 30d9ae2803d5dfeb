import type { RowDataPacket } from '../../src/db/pool';
import { type AdminSession, signedInAdmin } from '../helpers/admin-session';
import { createConnector, createMember, selectRows, type CreatedMember } from '../helpers/factories';
import { signedPost, timestampedPost } from '../helpers/signed-request';
import { createTestContext, type TestContext } from '../helpers/test-app';

/** PUT /op/:id/access: IBA retires the legacy check partner by partner, and narrows scopes. */

const OP = '/api/external/fuse-metrix/op';
const GET_MEMBER = '/api/external/fuse-metrix/get-member';

let t: TestContext;
let admin: AdminSession;
let member: CreatedMember;

beforeAll(async () => {
  t = await createTestContext();
  admin = await signedInAdmin(t);
  member = await createMember(t.pool, t.config.PIN_PEPPER);
});
afterAll(() => t.close());
beforeEach(() => t.setNow(null));

const putAccess = (id: number | string, body: unknown) => t.request().put(`${OP}/${id}/access`).set('token', admin.token).send(body as object);

describe('PUT /api/external/fuse-metrix/op/:id/access', () => {
  it('retires the legacy check for one connector: its legacy calls get 403 within a second, its timestamped ones still work', async () => {
    const connector = await createConnector(t.pool);
    await signedPost(t.request(), connector, GET_MEMBER, { member_id: member.member_id }).expect(200);

    const res = await putAccess(connector.id, { auth_methods: ['timestamped-signature', 'oauth'], scopes: ['members:read', 'bookings:write'] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: true, message: 'Access updated successfully', data: { id: connector.id, auth_methods: ['timestamped-signature', 'oauth'] } });

    // legacy checks reuse a connector row for up to a second (src/partner/connector-cache.ts)
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const legacy = await signedPost(t.request(), connector, GET_MEMBER, { member_id: member.member_id });
    expect(legacy.status).toBe(403);
    expect(legacy.body).toEqual({ valid: false, message: 'This connector may not sign requests with the legacy-hmac method' });
    await timestampedPost(t.request(), connector, GET_MEMBER, { member_id: member.member_id }).expect(200);
  });

  it('leaves every other connector as it was', async () => {
    const narrowed = await createConnector(t.pool);
    const untouched = await createConnector(t.pool);
    await putAccess(narrowed.id, { auth_methods: ['oauth'], scopes: ['members:read'] }).expect(200);
    await signedPost(t.request(), untouched, GET_MEMBER, { member_id: member.member_id }).expect(200);
  });

  it('writes the change to the audit trail: who, which connector, from what to what', async () => {
    const connector = await createConnector(t.pool);
    await putAccess(connector.id, { auth_methods: ['legacy-hmac'], scopes: ['members:read'] }).expect(200);
    const [row] = await selectRows<RowDataPacket>(t.pool, "SELECT actor_member_id, detail FROM connector_audit WHERE action = 'update-access' AND connector_id = ?", [connector.id]);
    expect(row).toEqual({
      actor_member_id: admin.memberId,
      detail: 'methods legacy-hmac timestamped-signature oauth; scopes members:read bookings:write -> methods legacy-hmac; scopes members:read',
    });
  });

  it('shows the access in GET /op/:id', async () => {
    const connector = await createConnector(t.pool);
    await putAccess(connector.id, { auth_methods: ['oauth', 'legacy-hmac'], scopes: ['bookings:write'] }).expect(200);
    const res = await t.request().get(`${OP}/${connector.id}`).set('token', admin.token);
    expect(res.body.data).toMatchObject({ auth_methods: ['legacy-hmac', 'oauth'], scopes: ['bookings:write'] });
  });

  it.each([
    [{ auth_methods: [], scopes: ['members:read'] }, 'auth_methods must be a non-empty list of "legacy-hmac", "timestamped-signature", "oauth"'],
    [{ auth_methods: ['hmac'], scopes: ['members:read'] }, 'auth_methods must be a non-empty list of "legacy-hmac", "timestamped-signature", "oauth"'],
    [{ auth_methods: ['oauth'], scopes: ['admin'] }, 'scopes must be a non-empty list of "members:read", "bookings:write"'],
    [{ auth_methods: 'oauth', scopes: ['members:read'] }, 'auth_methods must be a non-empty list of "legacy-hmac", "timestamped-signature", "oauth"'],
    [{}, 'Missing required fields: auth_methods, scopes'],
  ])('answers 422 for %j and changes nothing', async (body, message) => {
    const connector = await createConnector(t.pool);
    const res = await putAccess(connector.id, body);
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ status: false, message });
    const [row] = await selectRows<RowDataPacket>(t.pool, 'SELECT auth_methods, scopes FROM fuse_metrix WHERE id = ?', [connector.id]);
    expect(row).toEqual({ auth_methods: 'legacy-hmac,timestamped-signature,oauth', scopes: 'members:read,bookings:write' });
  });

  it('answers 404 for an unknown connector, 401 without a token and 403 for a non-admin', async () => {
    expect((await putAccess(999_999, { auth_methods: ['oauth'], scopes: ['members:read'] })).status).toBe(404);
    expect((await t.request().put(`${OP}/1/access`).send({ auth_methods: ['oauth'], scopes: ['members:read'] })).status).toBe(401);
  });
});
