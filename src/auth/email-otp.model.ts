import type { Queryable, ResultSetHeader, RowDataPacket } from '../db/pool';

export interface LiveEmailOtp {
  emailOtpId: number;
  codeHash: string;
}

interface EmailOtpRow extends RowDataPacket {
  email_otp_id: number;
  code_hash: string;
}

/** Retires the member's earlier unused codes: only the latest e-mailed code works. */
export async function retireEmailOtps(db: Queryable, memberId: number, now: Date): Promise<void> {
  await db.execute('UPDATE email_otps SET used_at = ? WHERE member_id = ? AND used_at IS NULL', [now, memberId]);
}

export async function insertEmailOtp(db: Queryable, memberId: number, codeHash: string, expiresAt: Date, now: Date): Promise<number> {
  const [result] = await db.execute<ResultSetHeader>(
    'INSERT INTO email_otps (member_id, code_hash, expires_at, created_at) VALUES (?, ?, ?, ?)',
    [memberId, codeHash, expiresAt, now],
  );
  return result.insertId;
}

/** The member's latest unused, unexpired code, if any. */
export async function findLiveEmailOtp(db: Queryable, memberId: number, now: Date): Promise<LiveEmailOtp | null> {
  const [rows] = await db.execute<EmailOtpRow[]>(
    `SELECT email_otp_id, code_hash FROM email_otps
     WHERE member_id = ? AND used_at IS NULL AND expires_at > ?
     ORDER BY email_otp_id DESC LIMIT 1`,
    [memberId, now],
  );
  return rows[0] ? { emailOtpId: rows[0].email_otp_id, codeHash: rows[0].code_hash } : null;
}

/** Uses the code up; false when it was used (or expired) meanwhile. */
export async function markEmailOtpUsed(db: Queryable, emailOtpId: number, now: Date): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>(
    'UPDATE email_otps SET used_at = ? WHERE email_otp_id = ? AND used_at IS NULL AND expires_at > ?',
    [now, emailOtpId, now],
  );
  return result.affectedRows === 1;
}
