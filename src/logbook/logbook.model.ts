import type { Queryable, ResultSetHeader, RowDataPacket } from '../db/pool';

export interface MemberForLogbook {
  memberId: number;
  email: string;
  screenName: string;
  firstName: string;
  lastName: string;
  lastFlightAt: Date | null;
  currencyRenewalAt: Date | null;
}

interface MemberForLogbookRow extends RowDataPacket {
  member_id: number;
  email: string;
  screen_name: string;
  first_name: string;
  last_name: string;
  last_flight_at: Date | null;
  flyer_currency_renewal_at: Date | null;
}

/** Reads the member and locks their row, so concurrent bookings for one member move currency in turn. */
export async function findMemberForLogbookUpdate(db: Queryable, memberId: number): Promise<MemberForLogbook | null> {
  const [rows] = await db.execute<MemberForLogbookRow[]>(
    `SELECT member_id, email, screen_name, first_name, last_name, last_flight_at, flyer_currency_renewal_at
       FROM members WHERE member_id = ? FOR UPDATE`,
    [memberId],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    memberId: row.member_id,
    email: row.email,
    screenName: row.screen_name,
    firstName: row.first_name,
    lastName: row.last_name,
    lastFlightAt: row.last_flight_at,
    currencyRenewalAt: row.flyer_currency_renewal_at,
  };
}

export interface NewLogbookEntry {
  memberId: number;
  tunnelId: number;
  bookingId: number;
  flightAt: Date;
  minutes: number;
}

export async function insertBookingLogbookEntry(db: Queryable, entry: NewLogbookEntry): Promise<number> {
  const [result] = await db.execute<ResultSetHeader>(
    `INSERT INTO logbook_entries (member_id, tunnel_id, booking_id, flight_at, minutes, source)
     VALUES (?, ?, ?, ?, ?, 'fuse_metrix')`,
    [entry.memberId, entry.tunnelId, entry.bookingId, entry.flightAt, entry.minutes],
  );
  return result.insertId;
}

export interface FlightOnMember {
  minutes: number;
  /** when the member flew (never later than the present) */
  flownAt: Date;
  renewalAt: Date;
}

/**
 * A logged flight on the member row, in one statement: the running total of minutes grows by the
 * entry's minutes, and the last flight moves forward only (an older flight reported late never moves
 * it back), with the renewal date, never shortening a renewal date that already lies further ahead.
 * The renewal is assigned before last_flight_at, so both conditions read the row as it was.
 */
export async function recordFlightOnMember(db: Queryable, memberId: number, flight: FlightOnMember): Promise<void> {
  await db.execute(
    `UPDATE members
        SET total_flight_minutes = total_flight_minutes + ?,
            flyer_currency_renewal_at = IF(last_flight_at IS NULL OR last_flight_at < ?, GREATEST(COALESCE(flyer_currency_renewal_at, ?), ?), flyer_currency_renewal_at),
            last_flight_at = IF(last_flight_at IS NULL OR last_flight_at < ?, ?, last_flight_at)
      WHERE member_id = ?`,
    [flight.minutes, flight.flownAt, flight.renewalAt, flight.renewalAt, flight.flownAt, flight.flownAt, memberId],
  );
}

/**
 * Moves a member's running total of minutes (members.total_flight_minutes) by delta, in the caller's
 * transaction: every logbook writer that adds or changes an entry without recordFlightOnMember calls
 * this beside its write, so the total always equals the logbook's sum.
 */
export async function addToFlightTotal(db: Queryable, memberId: number, deltaMinutes: number): Promise<void> {
  await db.execute('UPDATE members SET total_flight_minutes = total_flight_minutes + ? WHERE member_id = ?', [deltaMinutes, memberId]);
}

export async function insertFlightTimeLink(db: Queryable, bookingId: number, tokenHash: Buffer, expiresAt: Date): Promise<number> {
  const [result] = await db.execute<ResultSetHeader>(
    'INSERT INTO flight_time_links (booking_id, token_hash, expires_at) VALUES (?, ?, ?)',
    [bookingId, tokenHash, expiresAt],
  );
  return result.insertId;
}
