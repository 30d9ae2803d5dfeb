import type { Queryable, RowDataPacket } from './pool';

/**
 * Named leases in a table: "one process at a time" across API processes and across Galera nodes,
 * where GET_LOCK only locks on the node that ran it. A lease is a row with a holder and an expiry;
 * taking it is one conditional statement that commits, so it replicates like any other write and
 * two nodes cannot both win (one of two concurrent takers loses certification, or sees the row).
 * A holder that dies simply lets its lease expire.
 */

interface HolderRow extends RowDataPacket {
  holder: string;
}

/** Creates the leases table when it does not exist (usable before any migration ran). */
export async function ensureLeaseTable(db: Queryable): Promise<void> {
  await db.query(
    'CREATE TABLE IF NOT EXISTS leases (name VARCHAR(64) NOT NULL PRIMARY KEY, holder VARCHAR(128) NOT NULL, expires_at DATETIME(3) NOT NULL) ENGINE=InnoDB',
  );
}

/** Takes the named lease for ttlMs if it is free or expired; true when this holder has it now. */
export async function tryAcquireLease(db: Queryable, name: string, holder: string, ttlMs: number, now: Date): Promise<boolean> {
  const expiresAt = new Date(now.getTime() + ttlMs);
  try {
    // the holder changes only when the lease is expired or already ours; expires_at then moves with it
    // (MySQL and MariaDB apply these assignments left to right, so the second sees the new holder)
    await db.execute(
      `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
       ON DUPLICATE KEY UPDATE
         holder = IF(expires_at <= ? OR holder = ?, ?, holder),
         expires_at = IF(holder = ?, ?, expires_at)`,
      [name, holder, expiresAt, now, holder, holder, holder, expiresAt],
    );
  } catch (error) {
    // another taker won the race for the row (a deadlock, or a lost Galera certification): not ours
    if ((error as { code?: string }).code === 'ER_LOCK_DEADLOCK') return false;
    throw error;
  }
  // affectedRows cannot tell "renewed" from "someone else's" (CLIENT_FOUND_ROWS), so read who holds it
  const [rows] = await db.execute<HolderRow[]>('SELECT holder FROM leases WHERE name = ?', [name]);
  return rows[0]?.holder === holder;
}

export async function releaseLease(db: Queryable, name: string, holder: string): Promise<void> {
  await db.execute('DELETE FROM leases WHERE name = ? AND holder = ?', [name, holder]);
}
