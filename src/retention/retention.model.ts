import type { Queryable, ResultSetHeader } from '../db/pool';

/**
 * Every DELETE the retention job runs, in one file so what is thrown away can be read in one place.
 * Each deletes at most `limit` rows (short transactions, small Galera write sets); the job repeats a
 * statement until it deletes fewer than that. None of them touches bookings or logbook entries.
 */

async function deleteRows(db: Queryable, sql: string, params: unknown[]): Promise<number> {
  const [result] = await db.query<ResultSetHeader>(sql, params);
  return result.affectedRows;
}

/** Sent e-mails (their bodies went at delivery) whose sending is older than `sentBefore`. */
export function deleteSentOutboxMessages(db: Queryable, sentBefore: Date, limit: number): Promise<number> {
  return deleteRows(db, 'DELETE FROM outbox_messages WHERE sent_at < ? LIMIT ?', [sentBefore, limit]);
}

/** E-mails parked as failed before `failedBefore` and never re-queued since. */
export function deleteFailedOutboxMessages(db: Queryable, failedBefore: Date, limit: number): Promise<number> {
  return deleteRows(db, 'DELETE FROM outbox_messages WHERE failed_at < ? LIMIT ?', [failedBefore, limit]);
}

/**
 * Flight-time links that expired before `expiredBefore` (used or not: every link expires). Pass a
 * time in the past: a link still open, or recently expired (its page still says "expired"), stays.
 * The booking and its logbook entry are not touched (the key points from the link to the booking).
 */
export function deleteExpiredFlightTimeLinks(db: Queryable, expiredBefore: Date, limit: number): Promise<number> {
  return deleteRows(db, 'DELETE FROM flight_time_links WHERE expires_at < ? LIMIT ?', [expiredBefore, limit]);
}

/** E-mailed sign-in codes that expired before `expiredBefore`; used codes are dead too and expire minutes after being sent. */
export function deleteExpiredEmailOtps(db: Queryable, expiredBefore: Date, limit: number): Promise<number> {
  return deleteRows(db, 'DELETE FROM email_otps WHERE expires_at < ? LIMIT ?', [expiredBefore, limit]);
}

/**
 * Failed-attempt counters whose window started before `windowStartedBefore` and that hold no lock now.
 * A counter inside its window still counts towards a lockout, and a lock must run its course, so the
 * cut-off must be older than any limiter's window (RETENTION_ATTEMPT_COUNTER_HOURS is at least an hour,
 * the windows 15 minutes). Once its window has passed, a counter's next failure would start from 1
 * anyway: deleting it changes no answer.
 */
export function deleteStaleAttemptCounters(db: Queryable, windowStartedBefore: Date, now: Date, limit: number): Promise<number> {
  return deleteRows(
    db,
    'DELETE FROM auth_attempts WHERE window_starts_at < ? AND (locked_until IS NULL OR locked_until <= ?) LIMIT ?',
    [windowStartedBefore, now, limit],
  );
}

/**
 * Timestamped partner signatures whose timestamp has left the accepted window (expires_at is the
 * timestamp plus the window): such a request is refused for its timestamp, so its row guards nothing.
 */
export function deleteExpiredPartnerSignatures(db: Queryable, now: Date, limit: number): Promise<number> {
  return deleteRows(db, 'DELETE FROM partner_request_signatures WHERE expires_at < ? LIMIT ?', [now, limit]);
}
