import type { Config } from '../config';
import type { Queryable } from '../db/pool';
import {
  deleteExpiredEmailOtps,
  deleteExpiredFlightTimeLinks,
  deleteExpiredPartnerSignatures,
  deleteFailedOutboxMessages,
  deleteSentOutboxMessages,
  deleteStaleAttemptCounters,
} from './retention.model';

export type RetentionConfig = Pick<
  Config,
  | 'RETENTION_SENT_MAIL_DAYS'
  | 'RETENTION_FAILED_MAIL_DAYS'
  | 'RETENTION_EXPIRED_LINK_DAYS'
  | 'RETENTION_EMAIL_CODE_HOURS'
  | 'RETENTION_ATTEMPT_COUNTER_HOURS'
>;

/** Rows deleted by one pass, by kind. */
export type RetentionReport = {
  sentEmails: number;
  failedEmails: number;
  flightTimeLinks: number;
  emailCodes: number;
  attemptCounters: number;
  partnerSignatures: number;
};

const BATCH_SIZE = 1000;
const HOUR_MS = 60 * 60_000;
const DAY_MS = 24 * HOUR_MS;

/** Deletes what has outlived its use (see retention.model.ts for exactly what), each kind in batches. */
export async function runRetention(db: Queryable, config: RetentionConfig, now: Date): Promise<RetentionReport> {
  const before = (ms: number) => new Date(now.getTime() - ms);
  return {
    sentEmails: await inBatches((limit) => deleteSentOutboxMessages(db, before(config.RETENTION_SENT_MAIL_DAYS * DAY_MS), limit)),
    failedEmails: await inBatches((limit) => deleteFailedOutboxMessages(db, before(config.RETENTION_FAILED_MAIL_DAYS * DAY_MS), limit)),
    flightTimeLinks: await inBatches((limit) => deleteExpiredFlightTimeLinks(db, before(config.RETENTION_EXPIRED_LINK_DAYS * DAY_MS), limit)),
    emailCodes: await inBatches((limit) => deleteExpiredEmailOtps(db, before(config.RETENTION_EMAIL_CODE_HOURS * HOUR_MS), limit)),
    attemptCounters: await inBatches((limit) => deleteStaleAttemptCounters(db, before(config.RETENTION_ATTEMPT_COUNTER_HOURS * HOUR_MS), now, limit)),
    partnerSignatures: await inBatches((limit) => deleteExpiredPartnerSignatures(db, now, limit)),
  };
}

async function inBatches(deleteBatch: (limit: number) => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await deleteBatch(BATCH_SIZE);
    total += deleted;
    if (deleted < BATCH_SIZE) return total;
  }
}
