import type { Queryable, ResultSetHeader, RowDataPacket } from '../db/pool';

export interface StoredBackupCode {
  backupCodeId: number;
  codeHash: string;
}

interface BackupCodeRow extends RowDataPacket {
  totp_backup_code_id: number;
  code_hash: string;
}

/** Forgets all of a member's backup codes (a new setup issues a new set). */
export async function deleteBackupCodes(db: Queryable, memberId: number): Promise<void> {
  await db.execute('DELETE FROM totp_backup_codes WHERE member_id = ?', [memberId]);
}

export async function insertBackupCodes(db: Queryable, memberId: number, codeHashes: string[], now: Date): Promise<void> {
  if (codeHashes.length === 0) return;
  const placeholders = codeHashes.map(() => '(?, ?, ?)').join(', ');
  await db.execute(
    `INSERT INTO totp_backup_codes (member_id, code_hash, created_at) VALUES ${placeholders}`,
    codeHashes.flatMap((codeHash) => [memberId, codeHash, now]),
  );
}

export async function findUnusedBackupCodes(db: Queryable, memberId: number): Promise<StoredBackupCode[]> {
  const [rows] = await db.execute<BackupCodeRow[]>(
    'SELECT totp_backup_code_id, code_hash FROM totp_backup_codes WHERE member_id = ? AND used_at IS NULL ORDER BY totp_backup_code_id',
    [memberId],
  );
  return rows.map((row) => ({ backupCodeId: row.totp_backup_code_id, codeHash: row.code_hash }));
}

/** Uses a backup code up; false when a concurrent request used it first. */
export async function markBackupCodeUsed(db: Queryable, backupCodeId: number, now: Date): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>(
    'UPDATE totp_backup_codes SET used_at = ? WHERE totp_backup_code_id = ? AND used_at IS NULL',
    [now, backupCodeId],
  );
  return result.affectedRows === 1;
}
