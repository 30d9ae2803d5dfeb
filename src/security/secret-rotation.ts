import type { Queryable } from '../db/pool';
import { columnName, ENCRYPTED_COLUMNS, type EncryptedColumn } from './encrypted-columns';
import { countSecretsNotSealedWith, findSecretsNotSealedWith } from './encrypted-columns.model';
import { type SecretBox, sealedPrefix } from './secret-box';
import { openStoredSecret } from './stored-secret';

export interface ColumnResealed {
  column: string;
  resealed: number;
  /** Rows that changed between reading and writing (written by the app meanwhile, so already current). */
  changedMeanwhile: number;
  /** Rows still not under the current key after the pass (0 unless something wrote old values meanwhile). */
  remaining: number;
}

const BATCH = 500;

/**
 * Re-seals every secret in the listed columns under the current key: plain values (rows from before
 * encryption, or inserted by hand) and values sealed with an old key. Row by row, each write
 * conditional on the value read, so it is safe while the API runs.
 */
export async function resealAllSecrets(db: Queryable, box: SecretBox, columns: readonly EncryptedColumn[] = ENCRYPTED_COLUMNS): Promise<ColumnResealed[]> {
  const prefix = sealedPrefix(box.currentKeyId);
  const results: ColumnResealed[] = [];
  for (const column of columns) {
    let resealed = 0;
    let changedMeanwhile = 0;
    for (let afterId = 0; ; ) {
      const rows = await findSecretsNotSealedWith(db, column, prefix, afterId, BATCH);
      if (rows.length === 0) break;
      for (const row of rows) {
        // every row here is plain or under an old key, so opening it seals it under the current one
        const opened = await openStoredSecret(db, box, column, row.id, row.stored);
        if (opened.stored !== row.stored) resealed += 1;
        else changedMeanwhile += 1;
      }
      afterId = rows[rows.length - 1].id;
    }
    results.push({ column: columnName(column), resealed, changedMeanwhile, remaining: await countSecretsNotSealedWith(db, column, prefix) });
  }
  return results;
}
