import type { Queryable, ResultSetHeader, RowDataPacket } from '../db/pool';
import { accessFromColumns, type ConnectorAccess, toSetColumn } from './connector-access';

/** A FuzeMetrix connector credential, as the runbook's `fuse_metrix` table holds it. */
export interface Connector extends ConnectorAccess {
  id: number;
  email: string;
  clientId: string;
  secret: string;
  createdBy: number;
  /** Unix seconds, as the runbook's SQL shortcut writes it. */
  createdAt: number;
  previousSecret: string | null;
  /** Unix seconds. */
  previousSecretExpiresAt: number | null;
}

interface ConnectorRow extends RowDataPacket {
  id: number;
  email: string;
  clientId: string;
  secret: string;
  created_by: number;
  created_at: number | string;
  previous_secret: string | null;
  previous_secret_expires_at: number | string | null;
  auth_methods: string;
  scopes: string;
}

const CONNECTOR_COLUMNS = 'id, email, clientId, secret, created_by, created_at, previous_secret, previous_secret_expires_at, auth_methods, scopes';

function toConnector(row: ConnectorRow): Connector {
  return {
    id: row.id,
    email: row.email,
    clientId: row.clientId,
    secret: row.secret,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    previousSecret: row.previous_secret,
    previousSecretExpiresAt: row.previous_secret_expires_at === null ? null : Number(row.previous_secret_expires_at),
    ...accessFromColumns(row.auth_methods, row.scopes),
  };
}

export interface NewConnector {
  email: string;
  clientId: string;
  secret: string;
  createdBy: number;
  createdAt: number;
}

/** The same INSERT the runbook's direct-SQL shortcut runs (the secret as given: the caller seals it). */
export async function insertConnector(db: Queryable, connector: NewConnector): Promise<number> {
  const [result] = await db.execute<ResultSetHeader>(
    'INSERT INTO fuse_metrix (email, created_by, secret, clientId, created_at) VALUES (?, ?, ?, ?, ?)',
    [connector.email, connector.createdBy, connector.secret, connector.clientId, connector.createdAt],
  );
  return result.insertId;
}

/** Replaces the stored secret, e.g. with its sealed form once the row's id is known. */
export async function setConnectorSecret(db: Queryable, id: number, storedSecret: string): Promise<void> {
  await db.execute('UPDATE fuse_metrix SET secret = ? WHERE id = ?', [storedSecret, id]);
}

export async function listConnectors(db: Queryable): Promise<Connector[]> {
  const [rows] = await db.query<ConnectorRow[]>(`SELECT ${CONNECTOR_COLUMNS} FROM fuse_metrix ORDER BY id`);
  return rows.map(toConnector);
}

export async function findConnectorById(db: Queryable, id: number): Promise<Connector | null> {
  const [rows] = await db.execute<ConnectorRow[]>(`SELECT ${CONNECTOR_COLUMNS} FROM fuse_metrix WHERE id = ?`, [id]);
  return rows[0] ? toConnector(rows[0]) : null;
}

/** Locks the row for a change in the caller's transaction. */
export async function findConnectorByIdForUpdate(db: Queryable, id: number): Promise<Connector | null> {
  const [rows] = await db.execute<ConnectorRow[]>(`SELECT ${CONNECTOR_COLUMNS} FROM fuse_metrix WHERE id = ? FOR UPDATE`, [id]);
  return rows[0] ? toConnector(rows[0]) : null;
}

export async function updateConnectorEmail(db: Queryable, id: number, email: string): Promise<void> {
  await db.execute('UPDATE fuse_metrix SET email = ? WHERE id = ?', [email, id]);
}

export async function deleteConnector(db: Queryable, id: number): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>('DELETE FROM fuse_metrix WHERE id = ?', [id]);
  return result.affectedRows === 1;
}

/**
 * Puts a new secret in place (as stored: sealed by the caller) and keeps the current one, as stored,
 * as previous_secret until previousExpiresAt (Unix seconds). The credentials version moves on: access
 * tokens issued before stop working.
 */
export async function rotateConnectorSecret(db: Queryable, id: number, newStoredSecret: string, previousExpiresAt: number): Promise<void> {
  await db.execute(
    `UPDATE fuse_metrix SET previous_secret = secret, previous_secret_expires_at = ?, secret = ?, credentials_version = credentials_version + 1
      WHERE id = ?`,
    [previousExpiresAt, newStoredSecret, id],
  );
}

/** Sets the signing methods and scopes a connector may use; access tokens issued before stop working. */
export async function updateConnectorAccess(db: Queryable, id: number, access: ConnectorAccess): Promise<void> {
  await db.execute('UPDATE fuse_metrix SET auth_methods = ?, scopes = ?, credentials_version = credentials_version + 1 WHERE id = ?', [
    toSetColumn(access.authMethods),
    toSetColumn(access.scopes),
    id,
  ]);
}
