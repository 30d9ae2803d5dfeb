import type { Queryable } from '../db/pool';

/** Admin actions recorded in admin_audit (the table's CHECK lists the same values). */
export type AdminAuditAction = 'outbox-list-failed' | 'outbox-requeue';

export interface AdminAuditEntry {
  actorMemberId: number;
  action: AdminAuditAction;
  /** The row acted on, e.g. an outbox_message_id. */
  targetId: number | null;
  /** What happened, in words; never a secret or an e-mail body. */
  detail?: string | null;
}

/** Writes one line of the trail; pass the transaction's connection so it commits with the change. */
export async function insertAdminAudit(db: Queryable, entry: AdminAuditEntry, now: Date): Promise<void> {
  await db.execute('INSERT INTO admin_audit (actor_member_id, action, target_id, detail, created_at) VALUES (?, ?, ?, ?, ?)', [
    entry.actorMemberId,
    entry.action,
    entry.targetId,
    entry.detail?.slice(0, 500) ?? null,
    now,
  ]);
}
