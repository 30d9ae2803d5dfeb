import { isDuplicateKeyError } from '../db/errors';
import type { Queryable, ResultSetHeader } from '../db/pool';

export type SignatureRecord = 'recorded' | 'replayed' | 'connector-changed';

/**
 * Records an accepted timestamped signature until expiresAt, in one statement that also checks the
 * connector is still there with the credentials version the signature was judged against (so a
 * connector deleted, rotated or restricted a moment ago is not served from a cached row). The
 * primary key makes a second use of the signature a replay, whichever API process it reaches.
 */
export async function recordPartnerSignature(
  db: Queryable,
  signature: Buffer,
  connector: { id: number; credentialsVersion: number },
  expiresAt: Date,
): Promise<SignatureRecord> {
  try {
    const [result] = await db.execute<ResultSetHeader>(
      `INSERT INTO partner_request_signatures (signature, connector_id, expires_at)
       SELECT ?, id, ? FROM fuse_metrix WHERE id = ? AND credentials_version = ?`,
      [signature, expiresAt, connector.id, connector.credentialsVersion],
    );
    return result.affectedRows === 1 ? 'recorded' : 'connector-changed';
  } catch (error) {
    if (isDuplicateKeyError(error)) return 'replayed';
    throw error;
  }
}
