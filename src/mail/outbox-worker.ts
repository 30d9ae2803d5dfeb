import type { Clock } from '../clock';
import type { Pool } from '../db/pool';
import { retryThroughOutage, withRetriedTransaction } from '../db/retry';
import type { Logger } from '../logger';
import { recordEmailParked, recordEmailSendFailure, recordEmailSent } from '../metrics/metrics';
import { singleMailbox } from './addresses';
import { claimDueOutboxMessages, markOutboxMessageSent, type OutboxMessage, parkOutboxMessage, recordOutboxFailure } from './outbox.model';
import { type MailTransport, SEND_CONCURRENCY } from './transport';

export interface OutboxWorkerOptions {
  pool: Pool;
  transport: MailTransport;
  logger: Logger;
  clock: Clock;
  pollIntervalMs: number;
  batchSize?: number;
  /** How long a claimed message stays reserved for this worker before another may retry it. */
  leaseMs?: number;
  /** A message whose attempt number this is fails for the last time and is parked (MAIL_MAX_ATTEMPTS; default: never). */
  maxAttempts?: number;
  /** A message that fails this long after it was queued is parked (MAIL_MAX_AGE_HOURS; default: never). */
  maxAgeMs?: number;
}

/**
 * A send may start only while this much of the batch's lease is left: one send can take three SMTP
 * timeouts (45 s) and marking it sent up to 30 s through a database outage, and a message whose lease
 * ran out may be claimed and sent again by another worker. What is left unsent is claimed again once
 * the lease ends.
 */
const SEND_MARGIN_MS = 2 * 60_000;
const FIRST_RETRY_MS = 5_000;
const MAX_RETRY_MS = 15 * 60_000;

/** Growing back-off: 5 s, 10 s, 20 s, ... capped at 15 minutes. */
export function retryDelayMs(previousAttempts: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** previousAttempts, MAX_RETRY_MS);
}

/**
 * Delivers the outbox. Any number of workers (in any number of API processes) may run on one
 * database: each claims its batch with FOR UPDATE SKIP LOCKED and a lease, so a message is sent by
 * one worker only, and marked sent once. A message that keeps failing is parked as failed (dead
 * letter) after maxAttempts attempts or maxAgeMs in the queue; an admin can re-queue it from /op.
 */
export class OutboxWorker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private stopped = true;

  constructor(private readonly options: OutboxWorkerOptions) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops polling and waits for the batch in flight to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Claims and sends one batch of due messages; returns how many were sent. */
  async runOnce(): Promise<number> {
    const { pool, clock, batchSize = 20, leaseMs = 5 * 60_000 } = this.options;
    const now = clock();
    // READ COMMITTED: the claim must not gap-lock the due range, or bookings queueing e-mails into it
    // wait for the claim and deadlock with it (seen as 503s on create-booking under load).
    // The claim commits before anything is sent: on Galera, SKIP LOCKED only skips rows locked on this
    // node, and it is the commit (certification) that tells two nodes' workers which one has a row.
    const batch = await withRetriedTransaction(pool, (connection) => claimDueOutboxMessages(connection, now, batchSize, new Date(now.getTime() + leaseMs)), {
      isolationLevel: 'READ COMMITTED',
    });
    // several at a time: a send waits on the SMTP server's replies far longer than it uses the CPU, so
    // one at a time could not keep up with a burst of check-ins
    const sendBy = now.getTime() + leaseMs - Math.min(SEND_MARGIN_MS, leaseMs / 2);
    let sent = 0;
    let next = 0;
    const sender = async () => {
      while (next < batch.length && clock().getTime() <= sendBy) {
        if (await this.deliver(batch[next++])) sent += 1;
      }
    };
    const senders = await Promise.allSettled(Array.from({ length: Math.min(SEND_CONCURRENCY, batch.length) }, sender));
    const failed = senders.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    return sent;
  }

  private async deliver(message: OutboxMessage): Promise<boolean> {
    const { pool, transport, logger, clock } = this.options;
    const to = singleMailbox(message.to);
    if (!to) {
      // "a@x, b@y" in an e-mail column must not reach two mailboxes, and retrying cannot fix it
      logger.warn({ outboxMessageId: message.id, template: message.template }, 'e-mail refused: the recipient is not one e-mail address');
      await parkOutboxMessage(pool, message.id, 'refused: the recipient is not one e-mail address', clock());
      recordEmailParked(message.template);
      return false;
    }
    try {
      await transport.send({ messageId: message.messageId, to, subject: message.subject, html: message.html, text: message.text });
    } catch (error) {
      const reason = describeSendError(error);
      recordEmailSendFailure(message.template);
      const now = clock();
      if (this.givesUpOn(message, now)) {
        logger.error({ outboxMessageId: message.id, template: message.template, attempts: message.attempts + 1, reason }, 'e-mail not sent; parked as failed');
        await parkOutboxMessage(pool, message.id, reason, now);
        recordEmailParked(message.template);
        return false;
      }
      const nextAttemptAt = new Date(now.getTime() + retryDelayMs(message.attempts));
      logger.warn({ outboxMessageId: message.id, template: message.template, attempts: message.attempts + 1, reason, nextAttemptAt }, 'e-mail not sent; will retry');
      await recordOutboxFailure(pool, message.id, reason, nextAttemptAt);
      return false;
    }
    const sentAt = clock();
    await retryThroughOutage(() => markOutboxMessageSent(pool, message.id, sentAt));
    recordEmailSent(message.template);
    logger.info({ outboxMessageId: message.id, template: message.template }, 'e-mail sent');
    return true;
  }

  /** After a failed attempt: was it the last one allowed, or is the message too old to keep trying? */
  private givesUpOn(message: OutboxMessage, now: Date): boolean {
    const { maxAttempts = Infinity, maxAgeMs = Infinity } = this.options;
    return message.attempts + 1 >= maxAttempts || now.getTime() - message.queuedAt.getTime() >= maxAgeMs;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.drain()
        .catch((error: unknown) => this.options.logger.error({ err: error }, 'outbox worker pass failed; will retry'))
        .finally(() => {
          this.running = null;
          this.schedule(this.options.pollIntervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }

  /** Sends batches until nothing is due, so a burst is worked off without waiting a poll interval per batch. */
  private async drain(): Promise<void> {
    const batchSize = this.options.batchSize ?? 20;
    while (!this.stopped && (await this.runOnce()) >= batchSize);
  }
}

/** What went wrong, without the message itself: SMTP errors carry a code and the server's reply. */
function describeSendError(error: unknown): string {
  const { code, responseCode, message } = error as { code?: string; responseCode?: number; message?: string };
  return [code, responseCode, message].filter((part) => part !== undefined && part !== '').join(' ') || 'unknown error';
}
