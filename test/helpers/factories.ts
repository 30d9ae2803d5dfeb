import { type Pool, type ResultSetHeader, type RowDataPacket, withTransaction } from '../../src/db/pool';
import { addToFlightTotal } from '../../src/logbook/logbook.model';
import { hashPin } from '../../src/members/pin';

/** Small row builders: each test makes the rows it needs, with unique values, and nothing more. */

let sequence = 0;
export const unique = (prefix: string) => `${prefix}${process.pid}x${Date.now().toString(36)}x${++sequence}`;
export const uniqueNumber = () => Number(`${Date.now() % 1_000_000}${String(++sequence).padStart(3, '0')}`);

export interface TunnelRow {
  tunnel_id: number;
  name: string;
  fuse_metrix_tunnel_id: number | null;
  time_zone: string;
}

/** A tunnel bookable through FuzeMetrix; in UTC (the column's default) unless a time_zone is given. */
export async function createTunnel(pool: Pool, fields: Partial<Omit<TunnelRow, 'tunnel_id'>> = {}): Promise<TunnelRow> {
  const name = fields.name ?? unique('Tunnel ');
  const fuseMetrixTunnelId = fields.fuse_metrix_tunnel_id === undefined ? uniqueNumber() : fields.fuse_metrix_tunnel_id;
  const timeZone = fields.time_zone ?? 'UTC';
  const [result] = await pool.execute<ResultSetHeader>('INSERT INTO tunnels (name, fuse_metrix_tunnel_id, time_zone) VALUES (?, ?, ?)', [
    name,
    fuseMetrixTunnelId,
    timeZone,
  ]);
  return { tunnel_id: result.insertId, name, fuse_metrix_tunnel_id: fuseMetrixTunnelId, time_zone: timeZone };
}

export interface MemberFields {
  member_id?: number;
  username?: string | null;
  email?: string;
  password_hash?: string | null;
  pin?: string | null;
  role_id?: number;
  screen_name?: string;
  first_name?: string;
  last_name?: string;
  date_of_birth?: Date | null;
  home_tunnel_id?: number | null;
  is_coach?: boolean;
  payment_status?: string;
  flyer_level1?: string;
  flyer_static?: string;
  flyer_dynamic?: string;
  flyer_formation?: string;
  last_flight_at?: Date | null;
  flyer_currency_renewal_at?: Date | null;
}

export interface CreatedMember {
  member_id: number;
  email: string;
  pin: string | null;
}

/** A flyer; by default current (last flight 30 days ago, renewal 150 days ahead) with PIN 123456. */
export async function createMember(pool: Pool, pinPepper: string, fields: MemberFields = {}): Promise<CreatedMember> {
  const day = 24 * 60 * 60 * 1000;
  const lastFlight = fields.last_flight_at === undefined ? new Date(Math.floor((Date.now() - 30 * day) / 1000) * 1000) : fields.last_flight_at;
  const renewal =
    fields.flyer_currency_renewal_at === undefined
      ? lastFlight && new Date(lastFlight.getTime() + 180 * day)
      : fields.flyer_currency_renewal_at;
  const pin = fields.pin === undefined ? '123456' : fields.pin;
  const email = fields.email ?? `${unique('flyer')}@example.com`;
  const [result] = await pool.execute<ResultSetHeader>(
    `INSERT INTO members (member_id, username, email, password_hash, pin_hash, role_id, screen_name, first_name, last_name,
       date_of_birth, home_tunnel_id, is_coach, payment_status, flyer_level1, flyer_static, flyer_dynamic, flyer_formation,
       last_flight_at, flyer_currency_renewal_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      fields.member_id ?? null,
      fields.username ?? null,
      email,
      fields.password_hash ?? null,
      pin === null ? null : hashPin(pin, pinPepper),
      fields.role_id ?? 2,
      fields.screen_name ?? 'Test Flyer',
      fields.first_name ?? 'Test',
      fields.last_name ?? 'Flyer',
      fields.date_of_birth === undefined ? new Date('1990-01-15T00:00:00Z') : fields.date_of_birth,
      fields.home_tunnel_id ?? null,
      fields.is_coach ?? false,
      fields.payment_status ?? 'Not required',
      fields.flyer_level1 ?? 'Yes',
      fields.flyer_static ?? 'None',
      fields.flyer_dynamic ?? 'None',
      fields.flyer_formation ?? 'None',
      lastFlight,
      renewal,
    ],
  );
  return { member_id: fields.member_id ?? result.insertId, email, pin };
}

/**
 * Manual logbook entries for a member (one per value of minutes), written as every logbook writer
 * must write them: the entries and the member's running total in one transaction.
 */
export async function addLogbookEntries(pool: Pool, memberId: number, tunnelId: number, minutes: number[], flightAt = new Date('2025-04-08T07:40:00Z')): Promise<void> {
  await withTransaction(pool, async (connection) => {
    for (const value of minutes) {
      await connection.execute("INSERT INTO logbook_entries (member_id, tunnel_id, flight_at, minutes, source) VALUES (?, ?, ?, ?, 'manual')", [memberId, tunnelId, flightAt, value]);
      await addToFlightTotal(connection, memberId, value);
    }
  });
}

export interface CreatedConnector {
  id: number;
  clientId: string;
  secret: string;
  email: string;
}

/** A connector row exactly as the runbook's SQL shortcut inserts it. */
export async function createConnector(pool: Pool, fields: Partial<Omit<CreatedConnector, 'id'>> = {}): Promise<CreatedConnector> {
  const clientId = fields.clientId ?? unique('client');
  const secret = fields.secret ?? unique('secret');
  const email = fields.email ?? `${unique('partner')}@example.com`;
  const [result] = await pool.query<ResultSetHeader>(
    'INSERT INTO fuse_metrix (email, created_by, secret, clientId, created_at) VALUES (?, 1, ?, ?, UNIX_TIMESTAMP())',
    [email, secret, clientId],
  );
  return { id: result.insertId, clientId, secret, email };
}

export async function selectRows<T extends RowDataPacket>(pool: Pool, sql: string, params: unknown[] = []): Promise<T[]> {
  const [rows] = await pool.query<T[]>(sql, params);
  return rows;
}
