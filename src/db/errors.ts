/** Recognising the database errors that mean something to the caller, by mysql2's error codes. */

interface MysqlError {
  code?: string;
  errno?: number;
  fatal?: boolean;
}

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_QUERY_INTERRUPTED',
  'ER_CONNECTION_KILLED',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_LOCK_DEADLOCK',
  'ER_CLIENT_INTERACTION_TIMEOUT',
  // Galera: the node is not Synced or not in the primary component ("WSREP has not yet prepared node
  // for application use"), or replication failed at commit
  'ER_UNKNOWN_COM_ERROR',
  'ER_ERROR_DURING_COMMIT',
]);

function asMysqlError(error: unknown): MysqlError {
  return typeof error === 'object' && error !== null ? (error as MysqlError) : {};
}

export function isDuplicateKeyError(error: unknown): boolean {
  return asMysqlError(error).code === 'ER_DUP_ENTRY';
}

/** A table the statement names does not exist (yet): the schema was not migrated that far. */
export function isMissingTableError(error: unknown): boolean {
  return asMysqlError(error).code === 'ER_NO_SUCH_TABLE';
}

/**
 * The transaction was rolled back to resolve a conflict and may simply be run again: an InnoDB
 * deadlock, or (same errno 1213) a Galera certification conflict with a write committed on another node.
 */
export function isConflictError(error: unknown): boolean {
  const mysqlError = asMysqlError(error);
  return mysqlError.code === 'ER_LOCK_DEADLOCK' || mysqlError.errno === 1213;
}

/** The database is unreachable or went away (or a lock gave up): worth a 503, and a retry by the client. */
export function isDatabaseUnavailableError(error: unknown): boolean {
  const mysqlError = asMysqlError(error);
  if (mysqlError.code && CONNECTION_ERROR_CODES.has(mysqlError.code)) return true;
  if (mysqlError.fatal) return true;
  return error instanceof Error && /connection is in closed state|Pool is closed|Can't add new command when connection is in closed state/i.test(error.message);
}
