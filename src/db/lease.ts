import { isConflictError, isDuplicateKeyError } from './errors';
import type { Queryable, ResultSetHeader } from './pool';

/**
 * Named leases: "one process at a time" that holds on a Galera cluster, where GET_LOCK is local to
 * the node it runs on. A lease is a row taken by one conditional statement that commits; when two
 * holders race, one wins and the other sees a duplicate key (one server) or a certification
 * conflict (1213, two nodes) and is told no. A lease that is not released ends at expires_at, so a
 * holder that died blocks the others for at most its ttl.
 */

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
    // an existing lease is taken over once it expired, and renewed while this holder has it
    // (mysql2 reports matched rows, so a renewal to the same expiry still counts)
    const [taken] = await db.execute<ResultSetHeader>('UPDATE leases SET holder = ?, expires_at = ? WHERE name = ? AND (expires_at <= ? OR holder = ?)', [
      holder,
      expiresAt,
      name,
      now,
      holder,
    ]);
    if (taken.affectedRows === 1) return true;
    await db.execute('INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)', [name, holder, expiresAt]);
    return true;
  } catch (error) {
    if (isDuplicateKeyError(error) || isConflictError(error)) return false;
    throw error;
  }
}

export async function releaseLease(db: Queryable, name: string, holder: string): Promise<void> {
  await db.execute('DELETE FROM leases WHERE name = ? AND holder = ?', [name, holder]);
}
