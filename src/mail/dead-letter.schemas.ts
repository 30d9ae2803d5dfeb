import { z } from 'zod';
import '../http/openapi';
import type { OutboxMessageSummary } from './dead-letter.model';

export const FAILED_LIST_DEFAULT_LIMIT = 100;
export const FAILED_LIST_MAX_LIMIT = 500;

const ID_MESSAGE = 'id must be a positive integer';
const LIMIT_MESSAGE = `limit must be an integer from 1 to ${FAILED_LIST_MAX_LIMIT}`;

export const outboxMessageIdParamsSchema = z.object({
  id: z
    .string({ error: ID_MESSAGE })
    .regex(/^[1-9]\d{0,18}$/, ID_MESSAGE)
    .transform(Number)
    .pipe(z.number().int().positive().max(Number.MAX_SAFE_INTEGER, ID_MESSAGE))
    .openapi({ type: 'integer', example: 42 }),
});

export const failedListQuerySchema = z.object({
  limit: z
    .string({ error: LIMIT_MESSAGE })
    .regex(/^\d{1,3}$/, LIMIT_MESSAGE)
    .transform(Number)
    .pipe(z.number().int().min(1, LIMIT_MESSAGE).max(FAILED_LIST_MAX_LIMIT, LIMIT_MESSAGE))
    .optional()
    .openapi({ type: 'integer', description: `How many to list (default ${FAILED_LIST_DEFAULT_LIMIT}, at most ${FAILED_LIST_MAX_LIMIT})`, example: 50 }),
});

const timestamp = (description: string) => z.string().openapi({ format: 'date-time', description });

export const outboxMessageViewSchema = z
  .object({
    id: z.number().int(),
    state: z.enum(['queued', 'sent', 'failed']),
    template: z.string().openapi({ example: 'logbook/external-time-entry-active' }),
    to: z.string().openapi({ example: 'flyer@example.com' }),
    attempts: z.number().int().openapi({ description: 'Failed attempts since it was queued (or re-queued)' }),
    last_error: z.string().nullable().openapi({ description: "The mail server's last answer, e.g. 'ECONNREFUSED' or '550 mailbox unavailable'" }),
    created_at: timestamp('When the e-mail was queued first'),
    requeued_at: timestamp('When an admin last re-queued it').nullable(),
    next_attempt_at: timestamp('When the worker tries it next (while queued)'),
    failed_at: timestamp('When it was parked as failed').nullable(),
    sent_at: timestamp('When it was sent').nullable(),
  })
  .openapi('OutboxMessage');

/** A message as the console shows it: no subject or body (they carry links and codes). */
export function outboxMessageView(message: OutboxMessageSummary) {
  return {
    id: message.id,
    state: message.sentAt ? ('sent' as const) : message.failedAt ? ('failed' as const) : ('queued' as const),
    template: message.template,
    to: message.to,
    attempts: message.attempts,
    last_error: message.lastError,
    created_at: message.createdAt.toISOString(),
    requeued_at: message.requeuedAt?.toISOString() ?? null,
    next_attempt_at: message.nextAttemptAt.toISOString(),
    failed_at: message.failedAt?.toISOString() ?? null,
    sent_at: message.sentAt?.toISOString() ?? null,
  };
}

const statusMessage = z.object({ status: z.literal(true), message: z.string() });
export const failedListSchema = statusMessage.extend({ total: z.number().int().openapi({ description: 'All failed e-mails, listed or not' }), data: z.array(outboxMessageViewSchema) });
export const requeuedSchema = statusMessage.extend({ data: outboxMessageViewSchema });
