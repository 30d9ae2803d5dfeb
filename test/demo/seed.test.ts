import type { RowDataPacket } from '../../src/db/pool';
import { DEMO_CONNECTOR, seedDemoData } from '../../src/demo/demo-data';
import { flyerCurrencyStatus } from '../../src/members/flyer-currency';
import { pinMatches } from '../../src/members/pin';
import { selectRows } from '../helpers/factories';
import { createTestContext, type TestContext } from '../helpers/test-app';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
  await seedDemoData(t.pool, t.config, new Date());
});
afterAll(() => t.close());

const memberRow = async (memberId: number) =>
  (await selectRows<RowDataPacket>(t.pool, 'SELECT * FROM members WHERE member_id = ?', [memberId]))[0];

describe('db:seed demo data', () => {
  it('is idempotent: a second run adds and changes nothing', async () => {
    const count = async () =>
      (await selectRows<RowDataPacket>(
        t.pool,
        'SELECT (SELECT COUNT(*) FROM members) AS members, (SELECT COUNT(*) FROM tunnels) AS tunnels, (SELECT COUNT(*) FROM logbook_entries) AS entries, (SELECT COUNT(*) FROM fuse_metrix) AS connectors',
      ))[0];
    const before = await count();
    await seedDemoData(t.pool, t.config, new Date(Date.now() + 86_400_000));
    expect(await count()).toEqual(before);
  });

  it('has member 40 Rusty Lewis, an Examiner and coach, current, PIN 123456, 53 logbook minutes', async () => {
    const rusty = await memberRow(40);
    expect(rusty).toMatchObject({ screen_name: 'Rusty Lewis', first_name: 'Rusty', last_name: 'Lewis', role_id: 4, is_coach: 1 });
    expect(pinMatches('123456', rusty.pin_hash, t.config.PIN_PEPPER)).toBe(true);
    expect(flyerCurrencyStatus(rusty.flyer_currency_renewal_at, new Date())).toBe('Active');
    const [minutes] = await selectRows<RowDataPacket>(t.pool, 'SELECT SUM(minutes) AS total FROM logbook_entries WHERE member_id = 40');
    expect(Number(minutes.total)).toBe(53);
    // the running total get-member answers from, counted once although the seed ran twice
    expect(rusty.total_flight_minutes).toBe(53);
  });

  it('has member 60649 with PIN 67510, current', async () => {
    const member = await memberRow(60649);
    expect(pinMatches('67510', member.pin_hash, t.config.PIN_PEPPER)).toBe(true);
    expect(flyerCurrencyStatus(member.flyer_currency_renewal_at, new Date())).toBe('Active');
  });

  it('has member 70001 with PIN 24680 whose currency has lapsed', async () => {
    const member = await memberRow(70001);
    expect(pinMatches('24680', member.pin_hash, t.config.PIN_PEPPER)).toBe(true);
    expect(flyerCurrencyStatus(member.flyer_currency_renewal_at, new Date())).toBe('Inactive');
  });

  it('has a tunnel with FuzeMetrix tunnel id 25, the demo connector, and no admin account', async () => {
    expect(await selectRows(t.pool, 'SELECT tunnel_id FROM tunnels WHERE fuse_metrix_tunnel_id = 25')).toHaveLength(1);
    expect(await selectRows(t.pool, 'SELECT id FROM fuse_metrix WHERE clientId = ?', [DEMO_CONNECTOR.clientId])).toHaveLength(1);
    expect(await selectRows(t.pool, 'SELECT member_id FROM members WHERE role_id = 1')).toHaveLength(0);
  });

  it('puts the demo tunnels in their time zones, also when they were seeded before tunnels had one', async () => {
    const zones = async () => selectRows<RowDataPacket>(t.pool, 'SELECT tunnel_id, name, time_zone FROM tunnels WHERE tunnel_id IN (1, 2, 3) ORDER BY tunnel_id');
    expect(await zones()).toEqual([
      { tunnel_id: 1, name: 'Support Center', time_zone: 'UTC' },
      { tunnel_id: 2, name: 'Demo Windtunnel Rotterdam', time_zone: 'Europe/Amsterdam' },
      { tunnel_id: 3, name: 'Demo Indoor Skydiving Denver', time_zone: 'America/Denver' },
    ]);

    // as the time-zone migration left a demo tunnel seeded before it; and a zone an operator chose
    await t.pool.query("UPDATE tunnels SET time_zone = 'UTC' WHERE tunnel_id = 2");
    await t.pool.query("UPDATE tunnels SET time_zone = 'America/Boise' WHERE tunnel_id = 3");
    await seedDemoData(t.pool, t.config, new Date());
    expect((await zones()).map((row) => row.time_zone)).toEqual(['UTC', 'Europe/Amsterdam', 'America/Boise']);
  });
});
