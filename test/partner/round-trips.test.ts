import pino from 'pino';
import supertest from 'supertest';
import { createApp } from '../../src/app';
import type { Pool, PoolConnection } from '../../src/db/pool';
import { createConnector, createMember, type CreatedConnector, type CreatedMember } from '../helpers/factories';
import { signedPost, timestampedPost } from '../helpers/signed-request';
import { createTestContext, type TestContext } from '../helpers/test-app';

/**
 * The price of each signing method in database round trips, counted on the real pool: a check-in
 * signed with the timestamped method or an OAuth token costs at most one round trip more than the
 * legacy check (the seen-signature write; the fresh connector read), as issue 10 requires.
 */

const VALIDATE_PIN = '/api/external/fuse-metrix/validate-pin';
const COUNTED = new Set(['query', 'execute', 'beginTransaction', 'commit', 'rollback']);

let t: TestContext;
let roundTrips = 0;
let request: () => ReturnType<typeof supertest>;
let connector: CreatedConnector;
let member: CreatedMember;

/** The pool and the connections it lends, each statement (and BEGIN/COMMIT) counted as one round trip. */
function counting<T extends object>(target: T): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver);
      if (typeof value !== 'function') return value;
      if (COUNTED.has(String(property))) {
        return (...args: unknown[]) => {
          roundTrips += 1;
          return value.apply(object, args);
        };
      }
      if (property === 'getConnection') {
        return async () => counting((await value.apply(object)) as PoolConnection);
      }
      return value.bind(object);
    },
  });
}

beforeAll(async () => {
  t = await createTestContext();
  const app = createApp({ config: t.config, pool: counting(t.pool) as Pool, logger: pino({ level: 'silent' }), clock: t.now });
  request = () => supertest(app);
  connector = await createConnector(t.pool);
  member = await createMember(t.pool, t.config.PIN_PEPPER, { pin: '67510' });
});
afterAll(() => t.close());

async function roundTripsOf(send: () => PromiseLike<{ status: number }>): Promise<number> {
  // the first call fills the connector cache; the second is a check-in as the hot path sees it
  expect((await send()).status).toBe(200);
  roundTrips = 0;
  expect((await send()).status).toBe(200);
  return roundTrips;
}

describe('database round trips of a right-PIN check-in', () => {
  it('costs one with the legacy HMAC, two with the timestamped signature, two with an OAuth token', async () => {
    const body = { member_id: member.member_id, member_pin: '67510' };
    const legacy = await roundTripsOf(() => signedPost(request(), connector, VALIDATE_PIN, body));

    let ts = Math.floor(Date.now() / 1000) - 100;
    const timestamped = await roundTripsOf(() => timestampedPost(request(), connector, VALIDATE_PIN, body, ts++));

    const token = (
      await request().post('/api/oauth/token').type('form').send({ grant_type: 'client_credentials', client_id: connector.clientId, client_secret: connector.secret })
    ).body.access_token as string;
    const oauth = await roundTripsOf(() => request().post(VALIDATE_PIN).set('Authorization', `Bearer ${token}`).send(body));

    expect({ legacy, timestamped, oauth }).toEqual({ legacy: 1, timestamped: 2, oauth: 2 });
  });
});
