import type { Queryable } from '../db/pool';
import type { EncryptedColumn } from './encrypted-columns';
import { replaceStoredSecret } from './encrypted-columns.model';
import type { SecretBox } from './secret-box';

export interface OpenedSecret {
  /** The secret in clear. */
  secret: string;
  /** What the row holds now: the value read, or its re-sealed form when that was written back. */
  stored: string;
}

/**
 * A secret read from one of the encrypted columns, in clear. A plain value (a row from before
 * encryption, or inserted by hand) or one sealed under an old key is sealed under the current key on
 * the way, unless the row changed meanwhile: so every secret is encrypted the first time it is used.
 */
export async function openStoredSecret(db: Queryable, box: SecretBox, column: EncryptedColumn, rowId: number, stored: string): Promise<OpenedSecret> {
  const context = column.context(rowId);
  const { value, needsReseal } = box.reveal(stored, context);
  if (!needsReseal) return { secret: value, stored };
  const resealed = box.seal(value, context);
  const replaced = await replaceStoredSecret(db, column, rowId, stored, resealed);
  return { secret: value, stored: replaced ? resealed : stored };
}
