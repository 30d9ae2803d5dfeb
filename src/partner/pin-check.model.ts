import type { Queryable, RowDataPacket } from '../db/pool';

export interface PinCheckState {
  memberId: number;
  pinHash: string | null;
  /** Whether the member has recent PIN failures on record (a counter row exists). */
  hasFailures: boolean;
}

interface PinCheckRow extends RowDataPacket {
  member_id: number;
  pin_hash: string | null;
  failures: number | null;
}

/**
 * The member's PIN hash and whether PIN failures are on record, in one statement. The shared lock
 * waits for any PIN judgement holding the member's row (lockMember), so the answer reflects every
 * guess judged before it, exactly as if it had run inside that queue; it is released at once.
 */
export async function readPinCheckState(db: Queryable, memberId: number): Promise<PinCheckState | null> {
  const [rows] = await db.execute<PinCheckRow[]>(
    `SELECT m.member_id, m.pin_hash, a.failures
       FROM members m
       LEFT JOIN auth_attempts a ON a.member_id = m.member_id AND a.kind = 'pin'
      WHERE m.member_id = ?
      LOCK IN SHARE MODE`,
    [memberId],
  );
  const row = rows[0];
  return row ? { memberId: row.member_id, pinHash: row.pin_hash, hasFailures: row.failures !== null } : null;
}
