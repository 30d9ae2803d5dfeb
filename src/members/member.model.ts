import type { Queryable, RowDataPacket } from '../db/pool';

export interface LockedMember {
  memberId: number;
  pinHash: string | null;
}

interface LockedMemberRow extends RowDataPacket {
  member_id: number;
  pin_hash: string | null;
}

/**
 * Reads a member and locks their row for the rest of the transaction. PIN checks for one member run
 * one after another (so a burst of parallel guesses cannot all slip in before the lockout), and a
 * booking takes it before its insert, so every booking transaction locks in the same order (member,
 * then booking key) as the logbook update that follows.
 */
export async function lockMember(db: Queryable, memberId: number): Promise<LockedMember | null> {
  const [rows] = await db.execute<LockedMemberRow[]>('SELECT member_id, pin_hash FROM members WHERE member_id = ? FOR UPDATE', [memberId]);
  const row = rows[0];
  return row ? { memberId: row.member_id, pinHash: row.pin_hash } : null;
}

export interface MemberProfile {
  memberId: number;
  dateOfBirth: Date | null;
  screenName: string;
  roleName: string;
  firstName: string;
  lastName: string;
  homeTunnelName: string | null;
  isCoach: boolean;
  paymentStatus: string;
  totalFlightMinutes: number;
  lastFlightAt: Date | null;
  currencyRenewalAt: Date | null;
  flyerLevels: { level1: string; static: string; dynamic: string; formation: string };
}

interface MemberProfileRow extends RowDataPacket {
  member_id: number;
  date_of_birth: Date | null;
  screen_name: string;
  role_name: string;
  first_name: string;
  last_name: string;
  home_tunnel_name: string | null;
  is_coach: number;
  payment_status: string;
  total_flight_minutes: number;
  last_flight_at: Date | null;
  flyer_currency_renewal_at: Date | null;
  flyer_level1: string;
  flyer_static: string;
  flyer_dynamic: string;
  flyer_formation: string;
}

/**
 * Everything get-member shows, in one primary-key read: the flight-time total is the member row's
 * running total (kept by every logbook write), so a check-in costs the same for a member's first
 * flight and their thousandth.
 */
export async function findMemberProfile(db: Queryable, memberId: number): Promise<MemberProfile | null> {
  const [rows] = await db.execute<MemberProfileRow[]>(
    `SELECT m.member_id, m.date_of_birth, m.screen_name, r.role_name, m.first_name, m.last_name,
            t.name AS home_tunnel_name, m.is_coach, m.payment_status,
            m.total_flight_minutes,
            m.last_flight_at, m.flyer_currency_renewal_at,
            m.flyer_level1, m.flyer_static, m.flyer_dynamic, m.flyer_formation
       FROM members m
       JOIN roles r ON r.role_id = m.role_id
       LEFT JOIN tunnels t ON t.tunnel_id = m.home_tunnel_id
      WHERE m.member_id = ?`,
    [memberId],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    memberId: row.member_id,
    dateOfBirth: row.date_of_birth,
    screenName: row.screen_name,
    roleName: row.role_name,
    firstName: row.first_name,
    lastName: row.last_name,
    homeTunnelName: row.home_tunnel_name,
    isCoach: Boolean(row.is_coach),
    paymentStatus: row.payment_status,
    totalFlightMinutes: row.total_flight_minutes,
    lastFlightAt: row.last_flight_at,
    currencyRenewalAt: row.flyer_currency_renewal_at,
    flyerLevels: { level1: row.flyer_level1, static: row.flyer_static, dynamic: row.flyer_dynamic, formation: row.flyer_formation },
  };
}
