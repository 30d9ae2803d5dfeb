import type { Config } from '../config';
import { type Pool, withTransaction } from '../db/pool';
import { currencyRenewalDate } from '../members/flyer-currency';
import { hashPin } from '../members/pin';
import {
  backfillDemoTunnelTimeZone,
  type DemoMember,
  insertDemoConnector,
  insertDemoLogbookEntry,
  insertDemoMember,
  insertDemoTunnel,
} from './demo.model';

/**
 * The demo data the README documents: the members the public page uses in its examples, a lapsed
 * member, tunnels (one with FuzeMetrix tunnel id 25) and a demo connector. Flight dates are relative
 * to the day of the first seed, so the "current" members are current on a new box.
 * No admin account is seeded: use `npm run admin:create`.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

export const DEMO_CONNECTOR = {
  email: 'demo-partner@example.com',
  clientId: 'demo-fuse-metrix-client',
  secret: 'demo-fuse-metrix-secret',
} as const;

/** Support Center is no place one flies at, so it keeps the neutral UTC. */
export const DEMO_TUNNELS = [
  { tunnelId: 1, name: 'Support Center', fuseMetrixTunnelId: null, timeZone: 'UTC' },
  { tunnelId: 2, name: 'Demo Windtunnel Rotterdam', fuseMetrixTunnelId: 25, timeZone: 'Europe/Amsterdam' },
  { tunnelId: 3, name: 'Demo Indoor Skydiving Denver', fuseMetrixTunnelId: 31, timeZone: 'America/Denver' },
] as const;

const DEMO_PINS = { 40: '123456', 60649: '67510', 70001: '24680', 70002: '13579' } as const;

export async function seedDemoData(pool: Pool, config: Pick<Config, 'PIN_PEPPER' | 'FLYER_CURRENCY_DAYS'>, now: Date): Promise<void> {
  const daysAgo = (days: number, hour = 10, minute = 0) => {
    const date = new Date(now.getTime() - days * DAY_MS);
    date.setUTCHours(hour, minute, 0, 0);
    return date;
  };
  const lastFlight = { 40: daysAgo(20, 7, 40), 60649: daysAgo(45, 15, 0), 70001: daysAgo(240, 11, 20) };
  const renewal = (at: Date) => currencyRenewalDate(at, config.FLYER_CURRENCY_DAYS);
  const pinHash = (memberId: keyof typeof DEMO_PINS) => hashPin(DEMO_PINS[memberId], config.PIN_PEPPER);

  const members: DemoMember[] = [
    {
      memberId: 40,
      email: 'rusty.lewis@example.com',
      pinHash: pinHash(40),
      roleId: 4,
      screenName: 'Rusty Lewis',
      firstName: 'Rusty',
      lastName: 'Lewis',
      dateOfBirth: new Date('1979-06-08T15:28:42.000Z'),
      homeTunnelId: 1,
      isCoach: true,
      paymentStatus: 'Not required',
      flyerLevels: { level1: 'Yes', static: 'Pro', dynamic: 'Pro', formation: 'Level 4' },
      lastFlightAt: lastFlight[40],
      currencyRenewalAt: renewal(lastFlight[40]),
    },
    {
      memberId: 60649,
      email: 'morgan.reyes@example.com',
      pinHash: pinHash(60649),
      roleId: 2,
      screenName: 'Mo Reyes',
      firstName: 'Morgan',
      lastName: 'Reyes',
      dateOfBirth: new Date('1992-03-14T00:00:00.000Z'),
      homeTunnelId: 2,
      isCoach: false,
      paymentStatus: 'Paid',
      flyerLevels: { level1: 'Yes', static: 'Level 2', dynamic: 'Level 1', formation: 'None' },
      lastFlightAt: lastFlight[60649],
      currencyRenewalAt: renewal(lastFlight[60649]),
    },
    {
      memberId: 70001,
      email: 'casey.lapsed@example.com',
      pinHash: pinHash(70001),
      roleId: 2,
      screenName: 'Casey L',
      firstName: 'Casey',
      lastName: 'Lindqvist',
      dateOfBirth: new Date('1988-11-02T00:00:00.000Z'),
      homeTunnelId: 3,
      isCoach: false,
      paymentStatus: 'Unpaid',
      flyerLevels: { level1: 'Yes', static: 'Level 1', dynamic: 'None', formation: 'None' },
      lastFlightAt: lastFlight[70001],
      currencyRenewalAt: renewal(lastFlight[70001]),
    },
    {
      memberId: 70002,
      email: 'noa.newcomer@example.com',
      pinHash: pinHash(70002),
      roleId: 2,
      screenName: 'Noa N',
      firstName: 'Noa',
      lastName: 'Newcomer',
      dateOfBirth: new Date('2001-07-21T00:00:00.000Z'),
      homeTunnelId: 2,
      isCoach: false,
      paymentStatus: 'Not required',
      flyerLevels: { level1: 'No', static: 'None', dynamic: 'None', formation: 'None' },
      lastFlightAt: null,
      currencyRenewalAt: null,
    },
  ];

  const logbook = [
    // Rusty Lewis: 53 minutes in all, "0:53" as on the public page
    { logbookEntryId: 1, memberId: 40, tunnelId: 1, flightAt: daysAgo(80, 9, 0), minutes: 20 },
    { logbookEntryId: 2, memberId: 40, tunnelId: 2, flightAt: daysAgo(50, 16, 30), minutes: 18 },
    { logbookEntryId: 3, memberId: 40, tunnelId: 2, flightAt: lastFlight[40], minutes: 15 },
    { logbookEntryId: 4, memberId: 60649, tunnelId: 2, flightAt: lastFlight[60649], minutes: 12 },
    { logbookEntryId: 5, memberId: 70001, tunnelId: 3, flightAt: lastFlight[70001], minutes: 10 },
  ];

  await withTransaction(pool, async (connection) => {
    for (const tunnel of DEMO_TUNNELS) {
      await insertDemoTunnel(connection, tunnel);
      await backfillDemoTunnelTimeZone(connection, tunnel);
    }
    for (const member of members) await insertDemoMember(connection, member);
    for (const entry of logbook) await insertDemoLogbookEntry(connection, entry);
    await insertDemoConnector(connection, DEMO_CONNECTOR);
  });
}
