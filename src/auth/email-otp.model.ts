import type { Queryable, ResultSetHeader, RowDataPacket } from '../db/pool';

/** Wrong codes a challenge survives: the fifth uses the code up, and the member signs in again for a new one. */
export const EMAIL_OTP_MAX_FAILURES = 5;

export interface LiveEmailOtp {
  emailOtpId: number;
  memberId: number;
  codeHash: string;
}

interface EmailOtpRow extends RowDataPacket {
  email_otp_id: number;
  member_id: number;
  code_hash: string;
}

/** Retires the member's earlier unused codes: only the latest e-mailed code works. */
export async function retireEmailOtps(db: Queryable, memberId: number, now: Date): Promise<void> {
  await db.execute('UPDATE email_otps SET used_at = ? WHERE member_id = ? AND used_at IS NULL', [now, memberId]);
}

export interface NewEmailOtp {
  memberId: number;
  codeHash: string;
  /** SHA-256 (hex) of the challenge /login answered with. */
  challengeHash: string;
  expiresAt: Date;
}

export async function insertEmailOtp(db: Queryable, otp: NewEmailOtp, now: Date): Promise<number> {
  const [result] = await db.execute<ResultSetHeader>(
    'INSERT INTO email_otps (member_id, code_hash, challenge_hash, expires_at, created_at) VALUES (?, ?, ?, ?, ?)',
    [otp.memberId, otp.codeHash, otp.challengeHash, otp.expiresAt, now],
  );
  return result.insertId;
}

/** The unused, unexpired code the challenge was handed out with, if any. */
export async function findLiveEmailOtpByChallenge(db: Queryable, challengeHash: string, now: Date): Promise<LiveEmailOtp | null> {
  const [rows] = await db.execute<EmailOtpRow[]>(
    'SELECT email_otp_id, member_id, code_hash FROM email_otps WHERE challenge_hash = ? AND used_at IS NULL AND expires_at > ?',
    [challengeHash, now],
  );
  return rows[0] ? { emailOtpId: rows[0].email_otp_id, memberId: rows[0].member_id, codeHash: rows[0].code_hash } : null;
}

/** Counts a wrong code in one statement; the last allowed one uses the code up. */
export async function recordEmailOtpFailure(db: Queryable, emailOtpId: number, now: Date): Promise<void> {
  await db.execute(
    `UPDATE email_otps SET failed_attempts = failed_attempts + 1, used_at = IF(failed_attempts >= ?, ?, used_at)
     WHERE email_otp_id = ? AND used_at IS NULL`,
    [EMAIL_OTP_MAX_FAILURES, now, emailOtpId],
  );
}

/** Uses the code up; false when it was used (or expired) meanwhile. */
export async function markEmailOtpUsed(db: Queryable, emailOtpId: number, now: Date): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>(
    'UPDATE email_otps SET used_at = ? WHERE email_otp_id = ? AND used_at IS NULL AND expires_at > ?',
    [now, emailOtpId, now],
  );
  return result.affectedRows === 1;
}
