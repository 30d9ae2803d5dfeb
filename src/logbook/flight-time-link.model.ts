import type { Queryable, ResultSetHeader, RowDataPacket } from '../db/pool';
import { addToFlightTotal } from './logbook.model';

/** A flight-time link with the booking it corrects, as the web form shows it. */
export interface FlightTimeLink {
  linkId: number;
  bookingId: number;
  expiresAt: Date;
  usedAt: Date | null;
  tunnelName: string;
  tunnelTimeZone: string;
  flightAt: Date;
  minutesBooked: number;
  /** The logbook entry's minutes now (the booked minutes until the member corrects them). */
  currentMinutes: number;
}

interface FlightTimeLinkRow extends RowDataPacket {
  flight_time_link_id: number;
  booking_id: number;
  expires_at: Date;
  used_at: Date | null;
  tunnel_name: string;
  tunnel_time_zone: string;
  flight_at: Date;
  minutes_booked: number;
  current_minutes: number;
}

export async function findFlightTimeLinkByTokenHash(db: Queryable, tokenHash: Buffer): Promise<FlightTimeLink | null> {
  const [rows] = await db.execute<FlightTimeLinkRow[]>(
    `SELECT l.flight_time_link_id, l.booking_id, l.expires_at, l.used_at, t.name AS tunnel_name, t.time_zone AS tunnel_time_zone, b.flight_at,
            b.minutes_booked, COALESCE(e.minutes, b.minutes_flown, b.minutes_booked) AS current_minutes
       FROM flight_time_links l
       JOIN bookings b ON b.booking_id = l.booking_id
       JOIN tunnels t ON t.tunnel_id = b.tunnel_id
       LEFT JOIN logbook_entries e ON e.booking_id = b.booking_id
      WHERE l.token_hash = ?`,
    [tokenHash],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    linkId: Number(row.flight_time_link_id),
    bookingId: Number(row.booking_id),
    expiresAt: row.expires_at,
    usedAt: row.used_at,
    tunnelName: row.tunnel_name,
    tunnelTimeZone: row.tunnel_time_zone,
    flightAt: row.flight_at,
    minutesBooked: row.minutes_booked,
    currentMinutes: Number(row.current_minutes),
  };
}

/**
 * Uses the link up if it is still open. The WHERE clause decides, so of two submits (or two API
 * processes) only one sees affectedRows = 1.
 */
export async function useFlightTimeLink(db: Queryable, linkId: number, now: Date): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>(
    'UPDATE flight_time_links SET used_at = ? WHERE flight_time_link_id = ? AND used_at IS NULL AND expires_at > ?',
    [now, linkId, now],
  );
  return result.affectedRows === 1;
}

interface LockedEntryRow extends RowDataPacket {
  member_id: number;
  minutes: number;
}

/**
 * Sets the minutes of a booking's logbook entry and moves the member's running total by the
 * difference, in the caller's transaction. The entry is read with a lock, so the difference is taken
 * from the minutes this update replaces.
 */
export async function correctLogbookEntryMinutes(db: Queryable, bookingId: number, minutes: number): Promise<void> {
  const [rows] = await db.execute<LockedEntryRow[]>('SELECT member_id, minutes FROM logbook_entries WHERE booking_id = ? FOR UPDATE', [bookingId]);
  const entry = rows[0];
  if (!entry || entry.minutes === minutes) return;
  await db.execute('UPDATE logbook_entries SET minutes = ? WHERE booking_id = ?', [minutes, bookingId]);
  await addToFlightTotal(db, entry.member_id, minutes - entry.minutes);
}

export async function setBookingMinutesFlown(db: Queryable, bookingId: number, minutes: number): Promise<void> {
  await db.execute('UPDATE bookings SET minutes_flown = ? WHERE booking_id = ?', [minutes, bookingId]);
}
