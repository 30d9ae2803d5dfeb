import { createHmac } from 'node:crypto';
import supertest from 'supertest';
import type { RowDataPacket } from '../../src/db/pool';
import { DEMO_CONNECTOR, seedDemoData } from '../../src/demo/demo-data';
import { selectRows } from '../helpers/factories';
import { startValidatingProxy, type ValidatingProxy } from '../helpers/openapi-proxy';
import { createTestContext, type TestContext } from '../helpers/test-app';

/**
 * A partner client written only from the public page: its exact bodies, its header names and its
 * token formula, against the demo data that db:seed installs. Every request and answer goes through
 * a validating proxy (Prism) with the app's OpenAPI document: anything it does not describe fails.
 */
let t: TestContext;
let proxy: ValidatingProxy;
beforeAll(async () => {
  t = await createTestContext();
  await seedDemoData(t.pool, t.config, new Date());
  proxy = await startValidatingProxy(t.app);
}, 120_000);
afterEach(() => proxy.expectEveryExchangeDescribed());
afterAll(async () => {
  await proxy?.close();
  await t.close();
});

const clientSecret = DEMO_CONNECTOR.secret;
const token = (requestBody: object) => hmacHex(clientSecret, JSON.stringify(requestBody));
function hmacHex(secret: string, text: string) {
  return createHmac('SHA256', secret).update(text).digest('hex');
}
const post = (endpoint: string, requestBody: object, clientIdHeader = 'client-id') =>
  supertest(proxy.url)
    .post(`/api/external/fuse-metrix/${endpoint}`)
    .set(clientIdHeader, DEMO_CONNECTOR.clientId)
    .set('Authorization', token(requestBody))
    .set('Content-Type', 'application/json')
    .send(requestBody);

describe('the public page, example by example', () => {
  it('validates member 60649 with PIN 67510', async () => {
    const res = await post('validate-pin', { member_id: 60649, member_pin: '67510' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ valid: true, message: 'Member validated successfully' });
  });

  it('answers a wrong PIN and an unknown member with 422', async () => {
    expect((await post('validate-pin', { member_id: 60649, member_pin: '67511' })).body).toEqual({ valid: false, message: 'Invalid PIN' });
    expect((await post('validate-pin', { member_id: 99999999, member_pin: '67510' })).body).toEqual({ valid: false, message: 'Member not found' });
  });

  it('returns member 40 as the page shows him, with the legacy clientid header', async () => {
    const res = await post('get-member', { member_id: 40 }, 'clientid');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      valid: true,
      member_id: 40,
      date_of_birth: '1979-06-08T15:28:42.000Z',
      screen_name: 'Rusty Lewis',
      role_name: 'Examiner',
      real_name: 'Rusty Lewis',
      tunnel_name: 'Support Center',
      is_coach: true,
      paymentStatus: 'Not required',
      total_flight_time: '0:53',
      flyerLevels: { level1: 'Yes', static: 'Pro', dynamic: 'Pro', formation: 'Level 4' },
      flyer_currency_status: 'Active',
    });
    expect(res.body.last_flight).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
    expect(res.body.currency_renewal_date_flyer).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
  });

  it('creates the page example booking for member 60649 at FuzeMetrix tunnel 25, once', async () => {
    // the page's example flight is on 2025-04-08: bookings are accepted within days of the server clock
    t.setNow(new Date('2025-04-08T17:00:00Z'));
    const requestBody = {
      member_id: 60649,
      purchase_id: 215312,
      purchase_date: 1744131450,
      flight_date: 1744098000,
      minutes_booked: 9,
      product_id: 12893,
      tunnel_id: 25,
      checkin_time: 1744098000,
    };
    const res = await post('create-booking', requestBody);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ valid: true, message: 'Booking created successfully' });
    const [entry] = await selectRows<RowDataPacket>(
      t.pool,
      'SELECT l.minutes, l.flight_at FROM logbook_entries l JOIN bookings b ON b.booking_id = l.booking_id WHERE b.purchase_id = 215312',
    );
    expect(entry.minutes).toBe(9);
    expect(entry.flight_at.toISOString()).toBe('2025-04-08T07:40:00.000Z');

    const again = await post('create-booking', requestBody);
    expect(again.status).toBe(422);
    expect(again.body).toEqual({ valid: false, message: 'Booking already exits' });
    t.setNow(null);
  });

  it('sends the lapsed demo member 70001 no logbook entry', async () => {
    const res = await post('create-booking', {
      member_id: 70001,
      purchase_id: 215313,
      purchase_date: Math.floor(Date.now() / 1000) - 60,
      flight_date: Math.floor(Date.now() / 1000),
      minutes_booked: 9,
      product_id: 12893,
      tunnel_id: 25,
      checkin_time: Math.floor(Date.now() / 1000),
    });
    expect(res.status).toBe(200);
    expect(await selectRows(t.pool, 'SELECT logbook_entry_id FROM logbook_entries WHERE member_id = 70001 AND booking_id IS NOT NULL')).toHaveLength(0);
    const [mail] = await selectRows<RowDataPacket>(t.pool, "SELECT template FROM outbox_messages WHERE to_address = 'casey.lapsed@example.com'");
    expect(mail.template).toBe('logbook/external-time-entry-inactive');
  });
});
