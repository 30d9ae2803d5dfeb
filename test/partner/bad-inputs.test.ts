import type { RowDataPacket } from '../../src/db/pool';
import { createConnector, createMember, selectRows, type CreatedConnector } from '../helpers/factories';
import { partnerToken, signedPost } from '../helpers/signed-request';
import { createTestContext, type TestContext } from '../helpers/test-app';

const VALIDATE_PIN = '/api/external/fuse-metrix/validate-pin';
const GET_MEMBER = '/api/external/fuse-metrix/get-member';
const CREATE_BOOKING = '/api/external/fuse-metrix/create-booking';
const ALL_BOOKING_FIELDS = 'member_id, purchase_id, purchase_date, flight_date, minutes_booked, product_id, tunnel_id, checkin_time';

let t: TestContext;
let connector: CreatedConnector;
let memberId: number;
let pinMembers = 0;

beforeAll(async () => {
  t = await createTestContext();
  connector = await createConnector(t.pool);
  memberId = (await createMember(t.pool, t.config.PIN_PEPPER, { pin: '67510' })).member_id;
});
afterAll(() => t.close());

/** The page's example body (validation runs before any lookup, so the ids need not exist). */
const booking = (overrides: Record<string, unknown>) => ({
  member_id: 60649,
  purchase_id: 1,
  purchase_date: 1744131450,
  flight_date: 1744098000,
  minutes_booked: 9,
  product_id: 12893,
  tunnel_id: 25,
  checkin_time: 1744098000,
  ...overrides,
});

interface BadInput {
  name: string;
  path: string;
  /** A value sent as JSON and signed with the page's formula... */
  body?: unknown;
  /** ...or this exact text, signed as sent. */
  raw?: string;
  contentType?: string;
  status: number;
  message: string;
}

const badInputs: BadInput[] = [
  // wrong types
  { name: 'member_id as a boolean', path: VALIDATE_PIN, body: { member_id: true, member_pin: '67510' }, status: 422, message: 'Invalid member ID' },
  { name: 'member_id as an object', path: GET_MEMBER, body: { member_id: { $gt: 0 } }, status: 422, message: 'Invalid member ID' },
  { name: 'minutes_booked as a string word', path: CREATE_BOOKING, body: booking({ minutes_booked: 'nine' }), status: 422, message: 'minutes_booked must be a whole number from 1 to 1440' },
  { name: 'flight_date as an ISO string', path: CREATE_BOOKING, body: booking({ flight_date: '2025-04-08' }), status: 422, message: 'flight_date must be a Unix timestamp in seconds' },
  { name: 'negative minutes', path: CREATE_BOOKING, body: booking({ minutes_booked: -30 }), status: 422, message: 'minutes_booked must be a whole number from 1 to 1440' },
  { name: 'a date in milliseconds', path: CREATE_BOOKING, body: booking({ checkin_time: 1744098000000 }), status: 422, message: 'checkin_time must be a Unix timestamp in seconds, not milliseconds' },
  // missing or empty bodies
  { name: 'no body at all on validate-pin', path: VALIDATE_PIN, raw: '', status: 422, message: 'Missing required fields: member_id, member_pin' },
  { name: 'no body at all on create-booking', path: CREATE_BOOKING, raw: '', status: 422, message: `Missing required fields: ${ALL_BOOKING_FIELDS}` },
  { name: 'an empty object', path: GET_MEMBER, body: {}, status: 422, message: 'Missing required fields: member_id' },
  { name: 'a JSON array', path: VALIDATE_PIN, raw: '[60649, "67510"]', status: 422, message: 'Missing required fields: member_id, member_pin' },
  { name: 'nulls for every field', path: VALIDATE_PIN, body: { member_id: null, member_pin: null }, status: 422, message: 'Missing required fields: member_id, member_pin' },
  { name: 'a __proto__ key instead of member_id', path: VALIDATE_PIN, raw: '{"__proto__":{"member_id":1},"member_pin":"67510"}', status: 422, message: 'Missing required fields: member_id' },
  // not JSON
  { name: 'a JSON string instead of an object', path: VALIDATE_PIN, raw: '"member_id=60649"', status: 400, message: 'Malformed JSON in request body' },
  { name: 'JSON null', path: GET_MEMBER, raw: 'null', status: 400, message: 'Malformed JSON in request body' },
  { name: 'broken JSON', path: CREATE_BOOKING, raw: '{"member_id": 60649,', status: 400, message: 'Malformed JSON in request body' },
  { name: 'plain text', path: VALIDATE_PIN, raw: 'member_id=60649&member_pin=67510', contentType: 'text/plain', status: 415, message: 'Request body must be JSON (Content-Type: application/json)' },
  { name: 'an XML body', path: GET_MEMBER, raw: '<member_id>60649</member_id>', contentType: 'application/xml', status: 415, message: 'Request body must be JSON (Content-Type: application/json)' },
  // huge numbers
  { name: 'member_id 1e308', path: GET_MEMBER, raw: '{"member_id": 1e308}', status: 422, message: 'Invalid member ID' },
  { name: 'member_id past 2^64', path: GET_MEMBER, raw: '{"member_id": 99999999999999999999999}', status: 422, message: 'Invalid member ID' },
  { name: 'member_id past 2^32', path: VALIDATE_PIN, body: { member_id: 4294967296, member_pin: '67510' }, status: 422, message: 'Invalid member ID' },
  { name: 'a huge member_id as text', path: GET_MEMBER, body: { member_id: '99999999999999999999' }, status: 422, message: 'Invalid member ID' },
  { name: 'minutes_booked that overflows to Infinity', path: CREATE_BOOKING, raw: JSON.stringify(booking({})).replace('"minutes_booked":9', '"minutes_booked":1e400'), status: 422, message: 'minutes_booked must be a whole number from 1 to 1440' },
  { name: 'purchase_id past 2^53', path: CREATE_BOOKING, raw: JSON.stringify(booking({})).replace('"purchase_id":1', '"purchase_id":18446744073709551616'), status: 422, message: 'purchase_id must be a positive whole number' },
  // SQL-looking strings
  { name: "member_id '60649 OR 1=1'", path: GET_MEMBER, body: { member_id: '60649 OR 1=1' }, status: 422, message: 'Invalid member ID' },
  { name: 'member_id with a DROP TABLE', path: VALIDATE_PIN, body: { member_id: '1; DROP TABLE members; --', member_pin: '67510' }, status: 422, message: 'Invalid member ID' },
  { name: 'tunnel_id with a UNION SELECT', path: CREATE_BOOKING, body: booking({ tunnel_id: '25 UNION SELECT secret FROM fuse_metrix' }), status: 422, message: 'tunnel_id must be a positive whole number' },
  // unicode
  { name: 'member_id in full-width digits', path: GET_MEMBER, body: { member_id: '６０６４９' }, status: 422, message: 'Invalid member ID' },
  { name: 'a right-to-left override in purchase_id', path: CREATE_BOOKING, body: booking({ purchase_id: '\u202e215312' }), status: 422, message: 'purchase_id must be a positive whole number' },
  // too big
  { name: 'a body over 100 kB', path: CREATE_BOOKING, body: booking({ note: 'x'.repeat(110 * 1024) }), status: 413, message: 'Request body is too large (limit 100 kB)' },
];

describe('bad inputs on the partner routes', () => {
  it.each(badInputs.map((input) => [input.name, input] as const))('answers %s with a 4xx JSON message in the partner envelope', async (_name, input) => {
    const res = await signedPost(t.request(), connector, input.path, input.body, { rawBody: input.raw, contentType: input.contentType });
    expect(res.status).toBe(input.status);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({ valid: false, message: input.message });
  });

  // not a PIN at all, yet a guess: the page's own "Invalid PIN", counted towards the lockout
  it.each([
    ["' OR '1'='1", "' OR '1'='1"],
    ['Arabic-Indic digits', '٦٧٥١٠'],
    ['emoji', '🙂🙂🙂🙂🙂'],
    ['a NUL byte', '6751\u00000'],
    ['50 000 characters', '1'.repeat(50_000)],
  ])('answers member_pin of %s with "Invalid PIN" and counts it as a wrong guess', async (_name, pin) => {
    const member = await createMember(t.pool, t.config.PIN_PEPPER, { pin: '67510' });
    pinMembers += 1;
    const res = await signedPost(t.request(), connector, VALIDATE_PIN, { member_id: member.member_id, member_pin: pin });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ valid: false, message: 'Invalid PIN' });
    expect(await selectRows<RowDataPacket>(t.pool, "SELECT failures FROM auth_attempts WHERE member_id = ? AND kind = 'pin'", [member.member_id])).toEqual([
      expect.objectContaining({ failures: 1 }),
    ]);
  });

  it('answers member_pin as an object with "Invalid PIN"', async () => {
    const res = await signedPost(t.request(), connector, VALIDATE_PIN, { member_id: memberId, member_pin: { pin: '67510' } });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ valid: false, message: 'Invalid PIN' });
  });

  it('answers a GET with an SQL-looking member_id with 422 "Invalid member ID"', async () => {
    const query = { member_id: "1' OR '1'='1" };
    const res = await t
      .request()
      .get(GET_MEMBER)
      .query(query)
      .set('client-id', connector.clientId)
      .set('token', partnerToken(connector.secret, query));
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ valid: false, message: 'Invalid member ID' });
  });

  it('answers an SQL-looking client id with 404, not an error', async () => {
    const res = await signedPost(t.request(), { clientId: "' OR 1=1 --", secret: 'x' }, VALIDATE_PIN, { member_id: memberId, member_pin: '67510' });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ valid: false, message: 'Client id does not match with data' });
  });

  it('leaves the data as it was: the members, connectors and bookings are untouched', async () => {
    const [members] = await selectRows<RowDataPacket>(t.pool, 'SELECT COUNT(*) AS n FROM members');
    const [connectors] = await selectRows<RowDataPacket>(t.pool, 'SELECT COUNT(*) AS n FROM fuse_metrix');
    const [bookings] = await selectRows<RowDataPacket>(t.pool, 'SELECT COUNT(*) AS n FROM bookings');
    expect([members.n, connectors.n, bookings.n]).toEqual([1 + pinMembers, 1, 0]);
  });
});
