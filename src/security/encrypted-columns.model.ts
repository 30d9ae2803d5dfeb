import type { Queryable, ResultSetHeader, RowDataPacket } from '../db/pool';
import type { EncryptedColumn } from './encrypted-columns';

/**
 * SQL over the columns listed in encrypted-columns.ts. Table and column names come from that list
 * (code, never input); they are still checked and quoted, and every value is a parameter.
 */

export interface StoredSecretRow {
  id: number;
  stored: string;
}

interface SecretRow extends RowDataPacket {
  id: number;
  stored: string;
}

function identifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not a plain SQL identifier: ${name}`);
  return `\`${name}\``;
}

function names(column: EncryptedColumn) {
  return { table: identifier(column.table), id: identifier(column.idColumn), value: identifier(column.column) };
}

/** The next rows (by id, after afterId) whose value is not sealed with the key whose prefix is given: plain or under an old key. */
export async function findSecretsNotSealedWith(db: Queryable, column: EncryptedColumn, currentPrefix: string, afterId: number, limit: number): Promise<StoredSecretRow[]> {
  const { table, id, value } = names(column);
  const [rows] = await db.query<SecretRow[]>(
    `SELECT ${id} AS id, ${value} AS stored FROM ${table}
     WHERE ${id} > ? AND ${value} IS NOT NULL AND LEFT(${value}, ?) <> ?
     ORDER BY ${id} LIMIT ?`,
    [afterId, currentPrefix.length, currentPrefix, limit],
  );
  return rows.map((row) => ({ id: Number(row.id), stored: row.stored }));
}

export async function countSecretsNotSealedWith(db: Queryable, column: EncryptedColumn, currentPrefix: string): Promise<number> {
  const { table, value } = names(column);
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT COUNT(*) AS n FROM ${table} WHERE ${value} IS NOT NULL AND LEFT(${value}, ?) <> ?`,
    [currentPrefix.length, currentPrefix],
  );
  return Number(rows[0].n);
}

/**
 * Replaces a stored secret only if it still holds the value it was read with, so re-sealing never
 * overwrites a secret changed meanwhile (a new TOTP setup, a rotated connector secret).
 */
export async function replaceStoredSecret(db: Queryable, column: EncryptedColumn, rowId: number, expected: string, replacement: string): Promise<boolean> {
  const { table, id, value } = names(column);
  const [result] = await db.query<ResultSetHeader>(`UPDATE ${table} SET ${value} = ? WHERE ${id} = ? AND ${value} = ?`, [replacement, rowId, expected]);
  return result.affectedRows === 1;
}
