import type { Queryable, RowDataPacket } from '../db/pool';
import { accessFromColumns, type ConnectorAccess } from './connector-access';

/** What the partner checks need to know about a connector. */
export interface ConnectorCredentials extends ConnectorAccess {
  id: number;
  clientId: string;
  secret: string;
  /** The secret rotated out, still accepted until previousSecretExpiresAt (Unix seconds). */
  previousSecret: string | null;
  previousSecretExpiresAt: number | null;
  /** Moves on with every change of the connector's secret or access. */
  credentialsVersion: number;
}

interface ConnectorCredentialsRow extends RowDataPacket {
  id: number;
  clientId: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: number | string | null;
  auth_methods: string;
  scopes: string;
  credentials_version: number;
}

const CREDENTIALS_COLUMNS = 'id, clientId, secret, previous_secret, previous_secret_expires_at, auth_methods, scopes, credentials_version';

function toCredentials(row: ConnectorCredentialsRow): ConnectorCredentials {
  return {
    id: row.id,
    clientId: row.clientId,
    secret: row.secret,
    previousSecret: row.previous_secret,
    previousSecretExpiresAt: row.previous_secret_expires_at === null ? null : Number(row.previous_secret_expires_at),
    credentialsVersion: Number(row.credentials_version),
    ...accessFromColumns(row.auth_methods, row.scopes),
  };
}

/**
 * The connector a partner request names by its client id, or null. The column's collation
 * ignores case and trailing spaces, so the exact spelling is checked here: a client id is a credential.
 */
export async function findConnectorByClientId(db: Queryable, clientId: string): Promise<ConnectorCredentials | null> {
  const [rows] = await db.execute<ConnectorCredentialsRow[]>(`SELECT ${CREDENTIALS_COLUMNS} FROM fuse_metrix WHERE clientId = ?`, [clientId]);
  const row = rows.find((candidate) => candidate.clientId === clientId);
  return row ? toCredentials(row) : null;
}
