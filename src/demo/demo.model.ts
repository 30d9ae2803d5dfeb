import type { Queryable, ResultSetHeader } from '../db/pool';
import { addToFlightTotal } from '../logbook/logbook.model';

/**
 * Idempotent inserts for the demo data: every row has a fixed primary key and INSERT IGNORE skips
 * rows that are already there, so running the seed twice changes nothing.
 */

export interface DemoTunnel {
  tunnelId: number;
  name: string;
  fuseMetrixTunnelId: number | null;
  timeZone: string;
}

export async function insertDemoTunnel(db: Queryable, tunnel: DemoTunnel): Promise<void> {
  await db.execute('INSERT IGNORE INTO tunnels (tunnel_id, name, fuse_metrix_tunnel_id, time_zone) VALUES (?, ?, ?, ?)', [
    tunnel.tunnelId,
    tunnel.name,
    tunnel.fuseMetrixTunnelId,
    tunnel.timeZone,
  ]);
}

/**
 * A demo tunnel seeded before tunnels had time zones was given UTC by the migration: it gets its
 * demo zone. A zone someone set by hand since is left alone.
 */
export async function backfillDemoTunnelTimeZone(db: Queryable, tunnel: DemoTunnel): Promise<void> {
  await db.execute("UPDATE tunnels SET time_zone = ? WHERE tunnel_id = ? AND name = ? AND time_zone = 'UTC'", [tunnel.timeZone, tunnel.tunnelId, tunnel.name]);
}

export interface DemoMember {
  memberId: number;
  email: string;
  pinHash: string;
  roleId: number;
  screenName: string;
  firstName: string;
  lastName: string;
  dateOfBirth: Date;
  homeTunnelId: number;
  isCoach: boolean;
  paymentStatus: string;
  flyerLevels: { level1: string; static: string; dynamic: string; formation: string };
  lastFlightAt: Date | null;
  currencyRenewalAt: Date | null;
}

export async function insertDemoMember(db: Queryable, member: DemoMember): Promise<void> {
  await db.execute(
    `INSERT IGNORE INTO members (member_id, email, pin_hash, role_id, screen_name, first_name, last_name, date_of_birth,
       home_tunnel_id, is_coach, payment_status, flyer_level1, flyer_static, flyer_dynamic, flyer_formation,
       last_flight_at, flyer_currency_renewal_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      member.memberId,
      member.email,
      member.pinHash,
      member.roleId,
      member.screenName,
      member.firstName,
      member.lastName,
      member.dateOfBirth,
      member.homeTunnelId,
      member.isCoach,
      member.paymentStatus,
      member.flyerLevels.level1,
      member.flyerLevels.static,
      member.flyerLevels.dynamic,
      member.flyerLevels.formation,
      member.lastFlightAt,
      member.currencyRenewalAt,
    ],
  );
}

export interface DemoLogbookEntry {
  logbookEntryId: number;
  memberId: number;
  tunnelId: number;
  flightAt: Date;
  minutes: number;
}

/** Inserts the entry unless it is there already, and then adds its minutes to the member's running total. */
export async function insertDemoLogbookEntry(db: Queryable, entry: DemoLogbookEntry): Promise<void> {
  const [result] = await db.execute<ResultSetHeader>(
    `INSERT IGNORE INTO logbook_entries (logbook_entry_id, member_id, tunnel_id, flight_at, minutes, source)
     VALUES (?, ?, ?, ?, ?, 'manual')`,
    [entry.logbookEntryId, entry.memberId, entry.tunnelId, entry.flightAt, entry.minutes],
  );
  if (result.affectedRows === 1) {
    await addToFlightTotal(db, entry.memberId, entry.minutes);
  }
}

export interface DemoConnector {
  email: string;
  clientId: string;
  secret: string;
}

/** The demo connector, as the runbook's SQL shortcut would insert it. */
export async function insertDemoConnector(db: Queryable, connector: DemoConnector): Promise<void> {
  await db.execute(
    'INSERT IGNORE INTO fuse_metrix (email, created_by, secret, clientId, created_at) VALUES (?, 1, ?, ?, UNIX_TIMESTAMP())',
    [connector.email, connector.secret, connector.clientId],
  );
}
