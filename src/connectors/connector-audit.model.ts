import type { Queryable } from '../db/pool';

export type ConnectorAuditAction = 'create' | 'list' | 'read' | 'update' | 'delete' | 'generate-token' | 'rotate-secret' | 'update-access';

export interface ConnectorAuditEntry {
  actorMemberId: number;
  action: ConnectorAuditAction;
  connectorId: number | null;
  /** What changed, in words; never a secret or a token. */
  detail?: string | null;
}

/** Writes one line of the trail; pass the transaction's connection so it commits with the change. */
export async function insertConnectorAudit(db: Queryable, entry: ConnectorAuditEntry, now: Date): Promise<void> {
  await db.execute(
    'INSERT INTO connector_audit (actor_member_id, action, connector_id, detail, created_at) VALUES (?, ?, ?, ?, ?)',
    [entry.actorMemberId, entry.action, entry.connectorId, entry.detail?.slice(0, 500) ?? null, now],
  );
}
