/**
 * Every column that holds a secret sealed with the SecretBox. `npm run secrets:rotate-key` walks this
 * list, so encrypting another column is one entry here (plus sealing it where the column is written).
 *
 * `context` binds a sealed value to where it lives: a value copied to another row does not open. Use
 * the same context for columns a value may legitimately move between (a rotated-out secret, say).
 */
export interface EncryptedColumn {
  table: string;
  /** The table's integer primary key. */
  idColumn: string;
  column: string;
  context: (id: number) => string;
}

export const TOTP_SECRET_COLUMN: EncryptedColumn = {
  table: 'members',
  idColumn: 'member_id',
  column: 'totp_secret',
  context: (memberId) => `members.totp_secret:${memberId}`,
};

/** A connector's secret and its rotated-out predecessor share a context: rotation moves the sealed value as is. */
const connectorSecretContext = (connectorId: number) => `fuse_metrix.secret:${connectorId}`;

export const CONNECTOR_SECRET_COLUMN: EncryptedColumn = { table: 'fuse_metrix', idColumn: 'id', column: 'secret', context: connectorSecretContext };

export const CONNECTOR_PREVIOUS_SECRET_COLUMN: EncryptedColumn = {
  table: 'fuse_metrix',
  idColumn: 'id',
  column: 'previous_secret',
  context: connectorSecretContext,
};

export const ENCRYPTED_COLUMNS: readonly EncryptedColumn[] = [TOTP_SECRET_COLUMN, CONNECTOR_SECRET_COLUMN, CONNECTOR_PREVIOUS_SECRET_COLUMN];

/** `members.totp_secret`, for messages. */
export const columnName = (column: EncryptedColumn) => `${column.table}.${column.column}`;
