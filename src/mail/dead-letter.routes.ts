import { Router } from 'express';
import { ADMIN_ROLE_ID } from '../auth/roles';
import { roleGuard, signedInMember } from '../auth/require-role';
import type { Clock } from '../clock';
import type { Config } from '../config';
import type { Pool } from '../db/pool';
import { adminSecurity, jsonContent, type OpenAPIRegistry, statusFailureSchema } from '../http/openapi';
import { parseInput } from '../http/validate';
import {
  FAILED_LIST_DEFAULT_LIMIT,
  failedListQuerySchema,
  failedListSchema,
  outboxMessageIdParamsSchema,
  outboxMessageView,
  requeuedSchema,
} from './dead-letter.schemas';
import { listFailedEmails, requeueFailedEmail } from './dead-letter.service';

/**
 * Under the connector console's /op prefix, and mounted before it: the connector router answers every
 * other /op path with its 404. Two segments after /op, so they never meet /op/:id (numeric ids only).
 */
export const DEAD_LETTER_PATHS = {
  failed: '/api/external/fuse-metrix/op/outbox/failed',
  requeue: '/api/external/fuse-metrix/op/outbox/:id/requeue',
} as const;

export interface DeadLetterRouterDeps {
  pool: Pool;
  config: Pick<Config, 'JWT_SECRET' | 'JWT_CLOCK_TOLERANCE_SECONDS'>;
  clock: Clock;
}

/** The e-mails the worker gave up on: list them and re-queue one (admins, role 1; audited). */
export function createDeadLetterRouter(deps: DeadLetterRouterDeps): Router {
  const router = Router();
  const admin = roleGuard(deps)([ADMIN_ROLE_ID]);
  const actor = (req: Parameters<typeof signedInMember>[0]) => ({ memberId: signedInMember(req).member_id });

  router.get(DEAD_LETTER_PATHS.failed, admin, async (req, res) => {
    const { limit = FAILED_LIST_DEFAULT_LIMIT } = parseInput(failedListQuerySchema, req.query);
    const failed = await listFailedEmails(deps.pool, actor(req), limit, deps.clock());
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: true, message: 'Failed e-mails fetched successfully', total: failed.total, data: failed.messages.map(outboxMessageView) });
  });

  router.post(DEAD_LETTER_PATHS.requeue, admin, async (req, res) => {
    const { id } = parseInput(outboxMessageIdParamsSchema, req.params);
    const message = await requeueFailedEmail(deps.pool, actor(req), id, deps.clock());
    res.json({ status: true, message: 'E-mail re-queued successfully', data: outboxMessageView(message) });
  });

  return router;
}

export function describeDeadLetterRoutes(registry: OpenAPIRegistry): void {
  const tag = registry.registerTag(
    'Failed e-mails',
    'E-mails the outbox worker gave up on (parked as failed): list them and re-queue one. Admins only (role 1); audited.',
  );
  const failure = (description: string) => ({ description, ...jsonContent(statusFailureSchema) });
  const guarded = { 401: failure('No, bad or expired token'), 403: failure('Not an admin') };
  const base = { tags: [tag], security: adminSecurity(registry) };
  registry.registerPath({
    ...base,
    method: 'get',
    path: DEAD_LETTER_PATHS.failed,
    operationId: 'listFailedEmails',
    summary: 'E-mails parked as failed (after MAIL_MAX_ATTEMPTS attempts or MAIL_MAX_AGE_HOURS), newest first; no bodies',
    description: 'Template, recipient, attempts, last error and dates; never the subject or body, which carry links and codes. `total` counts every failed e-mail, listed or not.',
    request: { query: failedListQuerySchema },
    responses: { 200: { description: 'The failed e-mails', ...jsonContent(failedListSchema) }, ...guarded, 422: failure('limit is not an integer from 1 to 500') },
  });
  registry.registerPath({
    ...base,
    method: 'post',
    path: '/api/external/fuse-metrix/op/outbox/{id}/requeue',
    operationId: 'requeueFailedEmail',
    summary: 'Re-queue a failed e-mail: the worker tries it again now, attempts and age counted afresh (audited)',
    description: 'Only an e-mail parked as failed can be re-queued; one that is queued or sent answers 409.',
    request: { params: outboxMessageIdParamsSchema },
    responses: {
      200: { description: 'Re-queued', ...jsonContent(requeuedSchema) },
      ...guarded,
      404: failure('No such e-mail (or retention deleted it)'),
      409: failure('The e-mail is not failed: already sent, or queued'),
      422: failure('id is not a positive integer'),
    },
  });
}
