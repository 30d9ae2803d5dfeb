import { addLogbookEntries, createConnector, createMember, createTunnel, type CreatedConnector } from '../helpers/factories';
import { partnerToken, signedGet, signedPost, tokenForText } from '../helpers/signed-request';
import { createTestContext, type TestContext } from '../helpers/test-app';

const GET_MEMBER = '/api/external/fuse-metrix/get-member';
const PAGE_FIELD_ORDER = [
  'valid',
  'member_id',
  'date_of_birth',
  'screen_name',
  'role_name',
  'real_name',
  'tunnel_name',
  'is_coach',
  'paymentStatus',
  'total_flight_time',
  'last_flight',
  'currency_renewal_date_flyer',
  'flyerLevels',
  'flyer_currency_status',
];

let t: TestContext;
let connector: CreatedConnector;
let rusty: number;

const addLogbookMinutes = (memberId: number, tunnelId: number, minutes: number[]) => addLogbookEntries(t.pool, memberId, tunnelId, minutes);

/** The page's example member, Rusty Lewis, as our rows. */
const rustyView = {
  valid: true,
  member_id: 0,
  date_of_birth: '1979-06-08T15:28:42.000Z',
  screen_name: 'Rusty Lewis',
  role_name: 'Examiner',
  real_name: 'Rusty Lewis',
  tunnel_name: 'Support Center',
  is_coach: true,
  paymentStatus: 'Not required',
  total_flight_time: '0:53',
  last_flight: '2025-04-08T07:40:00.000Z',
  currency_renewal_date_flyer: '2025-10-05T07:40:00.000Z',
  flyerLevels: { level1: 'Yes', static: 'Pro', dynamic: 'Pro', formation: 'Level 4' },
  flyer_currency_status: 'Active',
};

beforeAll(async () => {
  t = await createTestContext();
  connector = await createConnector(t.pool);
  const tunnel = await createTunnel(t.pool, { name: 'Support Center' });
  const member = await createMember(t.pool, t.config.PIN_PEPPER, {
    role_id: 4,
    screen_name: 'Rusty Lewis',
    first_name: 'Rusty',
    last_name: 'Lewis',
    date_of_birth: new Date('1979-06-08T15:28:42Z'),
    home_tunnel_id: tunnel.tunnel_id,
    is_coach: true,
    payment_status: 'Not required',
    flyer_level1: 'Yes',
    flyer_static: 'Pro',
    flyer_dynamic: 'Pro',
    flyer_formation: 'Level 4',
    last_flight_at: new Date('2025-04-08T07:40:00Z'),
    flyer_currency_renewal_at: new Date('2025-10-05T07:40:00Z'),
  });
  rusty = member.member_id;
  rustyView.member_id = rusty;
  await addLogbookMinutes(rusty, tunnel.tunnel_id, [20, 24, 9]);
  t.setNow(new Date('2025-05-01T12:00:00Z'));
});
afterEach(() => t.setNow(new Date('2025-05-01T12:00:00Z')));
afterAll(() => t.close());

describe('POST /api/external/fuse-metrix/get-member', () => {
  it("answers 200 with exactly the page's fields, types and order", async () => {
    const res = await signedPost(t.request(), connector, GET_MEMBER, { member_id: rusty });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(rustyView);
    expect(Object.keys(res.body)).toEqual(PAGE_FIELD_ORDER);
    expect(Object.keys(res.body.flyerLevels)).toEqual(['level1', 'static', 'dynamic', 'formation']);
  });

  it('accepts the member id as a numeric string and the legacy clientid header', async () => {
    const res = await signedPost(t.request(), connector, GET_MEMBER, { member_id: String(rusty) }, { clientIdHeader: 'clientid' });
    expect(res.status).toBe(200);
    expect(res.body.member_id).toBe(rusty);
  });

  it("reports flyer_currency_status 'Inactive' once the renewal date has passed", async () => {
    t.setNow(new Date('2025-10-05T07:40:01Z'));
    const res = await signedPost(t.request(), connector, GET_MEMBER, { member_id: rusty });
    expect(res.body.flyer_currency_status).toBe('Inactive');
    expect(res.body.currency_renewal_date_flyer).toBe('2025-10-05T07:40:00.000Z');
  });

  it('answers null dates, null tunnel and 0:00 for a member who never flew and has no home tunnel', async () => {
    const member = await createMember(t.pool, t.config.PIN_PEPPER, {
      first_name: 'Ünïcødé',
      last_name: 'Flyer',
      date_of_birth: null,
      home_tunnel_id: null,
      last_flight_at: null,
      flyer_currency_renewal_at: null,
    });
    // the factory treats a null date of birth as "use the default"
    await t.pool.execute('UPDATE members SET date_of_birth = NULL WHERE member_id = ?', [member.member_id]);
    const res = await signedPost(t.request(), connector, GET_MEMBER, { member_id: member.member_id });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      date_of_birth: null,
      real_name: 'Ünïcødé Flyer',
      role_name: 'Flyer',
      tunnel_name: null,
      is_coach: false,
      total_flight_time: '0:00',
      last_flight: null,
      currency_renewal_date_flyer: null,
      flyer_currency_status: 'Inactive',
    });
  });

  it('adds up the logbook into hours and minutes', async () => {
    const tunnel = await createTunnel(t.pool);
    const member = await createMember(t.pool, t.config.PIN_PEPPER);
    await addLogbookMinutes(member.member_id, tunnel.tunnel_id, [60, 60, 5, 600]);
    const res = await signedPost(t.request(), connector, GET_MEMBER, { member_id: member.member_id });
    expect(res.body.total_flight_time).toBe('12:05');
  });

  it("answers 422 'Member not found' for an unknown member", async () => {
    const res = await signedPost(t.request(), connector, GET_MEMBER, { member_id: 999_999_999 });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ valid: false, message: 'Member not found' });
  });

  it("answers 422 'Missing required fields: member_id' without a member id", async () => {
    const res = await signedPost(t.request(), connector, GET_MEMBER, {});
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ valid: false, message: 'Missing required fields: member_id' });
  });

  it("answers 422 'Invalid member ID' for a member id that is not a positive integer", async () => {
    const res = await signedPost(t.request(), connector, GET_MEMBER, { member_id: 'sixty' });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ valid: false, message: 'Invalid member ID' });
  });
});

describe('GET /api/external/fuse-metrix/get-member?member_id=', () => {
  it('answers 200 with the same body, signed as the JSON object the POST would send ({"member_id":60649})', async () => {
    const res = await signedGet(t.request(), connector, GET_MEMBER, { member_id: rusty }, { clientIdHeader: 'clientid' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(rustyView);
  });

  it('accepts the query signed as parsed, with the id as a string ({"member_id":"60649"})', async () => {
    const token = partnerToken(connector.secret, { member_id: String(rusty) });
    const res = await signedGet(t.request(), connector, GET_MEMBER, { member_id: rusty }, { token, tokenPlacement: 'token' });
    expect(res.status).toBe(200);
  });

  it('answers 403 for a token that does not bind the member id (over {} or an empty body)', async () => {
    for (const token of [partnerToken(connector.secret, {}), tokenForText(connector.secret, '')]) {
      const res = await signedGet(t.request(), connector, GET_MEMBER, { member_id: rusty }, { token });
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ valid: false, message: 'Your token does not match' });
    }
  });

  it('answers 403 for the token of another member', async () => {
    const token = partnerToken(connector.secret, { member_id: rusty + 1 });
    const res = await signedGet(t.request(), connector, GET_MEMBER, { member_id: rusty }, { token });
    expect(res.status).toBe(403);
  });

  it("answers 422 'Member not found' for an unknown member", async () => {
    const res = await signedGet(t.request(), connector, GET_MEMBER, { member_id: 999_999_999 });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ valid: false, message: 'Member not found' });
  });

  it("answers 422 'Missing required fields: member_id' without a query", async () => {
    const res = await signedGet(t.request(), connector, GET_MEMBER, {});
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ valid: false, message: 'Missing required fields: member_id' });
  });

  it("answers 422 'Invalid member ID' for a repeated member_id parameter", async () => {
    const query = `member_id=${rusty}&member_id=1`;
    const res = await t
      .request()
      .get(`${GET_MEMBER}?${query}`)
      .set('client-id', connector.clientId)
      .set('token', partnerToken(connector.secret, { member_id: [String(rusty), '1'] }));
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ valid: false, message: 'Invalid member ID' });
  });
});
