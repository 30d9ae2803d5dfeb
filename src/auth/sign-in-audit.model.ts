import type { Queryable } from '../db/pool';

/** What the sign-in audit trail records (the table's CHECK constraint holds the same list). */
export type SignInEvent =
  | 'signed-in'
  | 'password-failed'
  | 'code-failed'
  | 'throttled'
  | 'rate-limited'
  | 'totp-enrolled'
  | 'backup-code-used'
  | 'tokens-revoked';

export interface SignInAuditEntry {
  event: SignInEvent;
  /** The account, when the attempt named one that exists. */
  memberId: number | null;
  clientAddress: string;
  /** Which step, or what happened; never a password, code or token. */
  detail: string | null;
}

export async function insertSignInAudit(db: Queryable, entry: SignInAuditEntry, now: Date): Promise<void> {
  await db.execute('INSERT INTO sign_in_audit (event, member_id, client_address, detail, created_at) VALUES (?, ?, ?, ?, ?)', [
    entry.event,
    entry.memberId,
    entry.clientAddress.slice(0, 45),
    entry.detail?.slice(0, 255) ?? null,
    now,
  ]);
}
