import mysql from 'mysql2/promise';
import { createPool } from '../../src/db/pool';
import { findFlightTotalMismatches } from '../../src/logbook/flight-totals.model';
import { CEILING_PURCHASE_ID_START } from './setup';

/** What the bench checks in the database besides speed: e-mails delivered, flight totals kept. */

export async function lastOutboxId(databaseUrl: string): Promise<number> {
  const connection = await mysql.createConnection({ uri: databaseUrl });
  try {
    const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT COALESCE(MAX(outbox_message_id), 0) AS id FROM outbox_messages');
    return Number(rows[0]?.id ?? 0);
  } finally {
    await connection.end();
  }
}

export interface EmailDelivery {
  /** e-mails the bookings of the run queued */
  queued: number;
  sent: number;
  failed: number;
  /** seconds from the end of the load until the last one was sent (null when not all were) */
  drainedSecondsAfterLoad: number | null;
}

/**
 * Waits (up to maxWaitSeconds) for every e-mail queued after outbox id `after` to leave the queue, as
 * the API's outbox worker sends them to the bench's SMTP sink.
 */
export async function waitForEmails(databaseUrl: string, after: number, maxWaitSeconds: number): Promise<EmailDelivery> {
  const connection = await mysql.createConnection({ uri: databaseUrl });
  const started = Date.now();
  try {
    for (;;) {
      const [rows] = await connection.query<mysql.RowDataPacket[]>(
        `SELECT COUNT(*) AS queued, COALESCE(SUM(sent_at IS NOT NULL), 0) AS sent, COALESCE(SUM(failed_at IS NOT NULL), 0) AS failed
           FROM outbox_messages WHERE outbox_message_id > ?`,
        [after],
      );
      const queued = Number(rows[0].queued);
      const sent = Number(rows[0].sent);
      const failed = Number(rows[0].failed);
      const waited = (Date.now() - started) / 1000;
      if (sent + failed === queued) return { queued, sent, failed, drainedSecondsAfterLoad: failed === 0 ? Number(waited.toFixed(1)) : null };
      if (waited > maxWaitSeconds) return { queued, sent, failed, drainedSecondsAfterLoad: null };
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    await connection.end();
  }
}

/**
 * The insert ceiling writes bookings and logbook entries the way the lean ceiling does: two INSERTs,
 * no running total. They are deleted after its run, so the bench database stays consistent (and
 * --reuse-data runs do not pile them up).
 */
export async function removeCeilingBookings(databaseUrl: string): Promise<number> {
  const connection = await mysql.createConnection({ uri: databaseUrl });
  try {
    await connection.query(
      'DELETE e FROM logbook_entries e JOIN bookings b ON b.booking_id = e.booking_id WHERE b.connector_id IS NULL AND b.purchase_id >= ?',
      [CEILING_PURCHASE_ID_START],
    );
    const [result] = await connection.query<mysql.ResultSetHeader>('DELETE FROM bookings WHERE connector_id IS NULL AND purchase_id >= ?', [CEILING_PURCHASE_ID_START]);
    return result.affectedRows;
  } finally {
    await connection.end();
  }
}

/** Members whose running flight total differs from their logbook's sum (what npm run db:check-flight-totals reports). */
export async function flightTotalMismatches(databaseUrl: string): Promise<number> {
  const pool = createPool(databaseUrl, { connectionLimit: 1 });
  try {
    return (await findFlightTotalMismatches(pool)).length;
  } finally {
    await pool.end();
  }
}
