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
]);

function asMysqlError(error: unknown): MysqlError {
  return typeof error === 'object' && error !== null ? (error as MysqlError) : {};
}

export function isDuplicateKeyError(error: unknown): boolean {
  return asMysqlError(error).code === 'ER_DUP_ENTRY';
}

/** The database is unreachable or went away (or a lock gave up): worth a 503, and a retry by the client. */
export function isDatabaseUnavailableError(error: unknown): boolean {
  const mysqlError = asMysqlError(error);
  if (mysqlError.code && CONNECTION_ERROR_CODES.has(mysqlError.code)) return true;
  if (mysqlError.fatal) return true;
  return error instanceof Error && /connection is in closed state|Pool is closed|Can't add new command when connection is in closed state/i.test(error.message);
}
