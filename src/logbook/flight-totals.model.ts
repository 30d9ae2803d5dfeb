import type { Queryable, RowDataPacket } from '../db/pool';

/** A member whose running total of flight minutes differs from the sum of their logbook entries. */
export interface FlightTotalMismatch {
  memberId: number;
  recordedMinutes: number;
  logbookMinutes: number;
}

interface MismatchRow extends RowDataPacket {
  member_id: number;
  recorded: number;
  summed: number | string;
}

/**
 * Every member whose total_flight_minutes is not the sum of their logbook entries. One statement, so
 * it reads one consistent snapshot (a booking committing meanwhile is seen whole or not at all); the
 * sums come from ix_logbook_entries_member_minutes alone.
 */
export async function findFlightTotalMismatches(db: Queryable): Promise<FlightTotalMismatch[]> {
  const [rows] = await db.query<MismatchRow[]>(
    `SELECT m.member_id, m.total_flight_minutes AS recorded, COALESCE(l.total, 0) AS summed
       FROM members m
       LEFT JOIN (SELECT member_id, SUM(minutes) AS total FROM logbook_entries GROUP BY member_id) l ON l.member_id = m.member_id
      WHERE m.total_flight_minutes <> COALESCE(l.total, 0)
      ORDER BY m.member_id`,
  );
  return rows.map((row) => ({ memberId: row.member_id, recordedMinutes: row.recorded, logbookMinutes: Number(row.summed) }));
}

/** How many members the check compared. */
export async function countMembers(db: Queryable): Promise<number> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT COUNT(*) AS members FROM members');
  return Number(rows[0]?.members ?? 0);
}

/**
 * Sets one member's total to the sum of their logbook. The member row is locked first, as a booking
 * locks it, so no booking for this member can add an entry between the sum and the update.
 */
export async function resetFlightTotalToLogbookSum(db: Queryable, memberId: number): Promise<void> {
  await db.execute('SELECT member_id FROM members WHERE member_id = ? FOR UPDATE', [memberId]);
  await db.execute(
    `UPDATE members
        SET total_flight_minutes = (SELECT COALESCE(SUM(minutes), 0) FROM logbook_entries WHERE member_id = ?)
      WHERE member_id = ?`,
    [memberId, memberId],
  );
}
