import { insertAdminAudit } from '../audit/admin-audit.model';
import { type Pool, withTransaction } from '../db/pool';
import { HttpError, notFound } from '../http/errors';
import { countFailedOutboxMessages, findOutboxMessageSummary, listFailedOutboxMessages, type OutboxMessageSummary, requeueFailedOutboxMessage } from './dead-letter.model';

export const EMAIL_NOT_FOUND = 'E-mail not found';

/** The admin acting, for the audit trail. */
export interface Actor {
  memberId: number;
}

export interface FailedEmails {
  total: number;
  messages: OutboxMessageSummary[];
}

/** The parked e-mails, newest first. Audited: the list shows recipients. */
export async function listFailedEmails(pool: Pool, actor: Actor, limit: number, now: Date): Promise<FailedEmails> {
  return withTransaction(pool, async (connection) => {
    const messages = await listFailedOutboxMessages(connection, limit);
    const total = await countFailedOutboxMessages(connection);
    await insertAdminAudit(connection, { actorMemberId: actor.memberId, action: 'outbox-list-failed', targetId: null, detail: `${messages.length} of ${total} failed e-mails` }, now);
    return { total, messages };
  });
}

/** Puts a parked e-mail back in the queue for the worker to try again now; audited with the change. */
export async function requeueFailedEmail(pool: Pool, actor: Actor, id: number, now: Date): Promise<OutboxMessageSummary> {
  return withTransaction(pool, async (connection) => {
    const before = await findOutboxMessageSummary(connection, id);
    if (!before) throw notFound(EMAIL_NOT_FOUND);
    if (!(await requeueFailedOutboxMessage(connection, id, now))) {
      throw new HttpError(409, `Only failed e-mails can be re-queued: this one is ${before.sentAt ? 'already sent' : 'queued for sending'}`);
    }
    await insertAdminAudit(
      connection,
      { actorMemberId: actor.memberId, action: 'outbox-requeue', targetId: id, detail: `${before.template} after ${before.attempts} attempts; last error: ${before.lastError ?? 'none'}` },
      now,
    );
    return (await findOutboxMessageSummary(connection, id))!;
  });
}
