import type { Queryable, RowDataPacket } from '../db/pool';

/** What the partner signature check needs to know about a connector. */
export interface ConnectorCredentials {
  id: number;
  secret: string;
  /** The secret rotated out, still accepted until previousSecretExpiresAt (Unix seconds). */
  previousSecret: string | null;
  previousSecretExpiresAt: number | null;
}

interface ConnectorCredentialsRow extends RowDataPacket {
  id: number;
  clientId: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: number | string | null;
}

/**
 * The connector a partner request names in its client-id header, or null. The column's collation
 * ignores case and trailing spaces, so the exact spelling is checked here: a client id is a credential.
 */
export async function findConnectorByClientId(db: Queryable, clientId: string): Promise<ConnectorCredentials | null> {
  const [rows] = await db.execute<ConnectorCredentialsRow[]>(
    'SELECT id, clientId, secret, previous_secret, previous_secret_expires_at FROM fuse_metrix WHERE clientId = ?',
    [clientId],
  );
  const row = rows.find((candidate) => candidate.clientId === clientId);
  if (!row) return null;
  return {
    id: row.id,
    secret: row.secret,
    previousSecret: row.previous_secret,
    previousSecretExpiresAt: row.previous_secret_expires_at === null ? null : Number(row.previous_secret_expires_at),
  };
}
