import { type Pool, withTransaction } from '../db/pool';
import { bumpTokenVersion } from './auth-member.model';
import { issueEmailOtp } from './email-otp.service';
import { ADMIN_ROLE_ID } from './roles';
import { audit, authenticate, type AuthDeps, type Caller, type Credentials, INVALID_LOGIN } from './sign-in';

export { REPLAYED_TOTP_CODE } from './totp.service';

export type LoginStep =
  | { requiresTotp: true; memberId: number }
  | { requiresTotpSetup: true; memberId: number }
  | { requiresOtp: true; memberId: number; challenge: string };

/**
 * Step one of every sign-in. No token here: admins go on to TOTP (setup first if they have none),
 * other members to TOTP when they turned it on, or else to a code sent by e-mail, which verify-otp
 * accepts only with the challenge answered here.
 */
export async function login(deps: AuthDeps, credentials: Credentials, caller: Caller, now: Date): Promise<LoginStep> {
  const member = await authenticate(deps, credentials, caller, now, INVALID_LOGIN, 'login');
  if (member.totpEnabled) return { requiresTotp: true, memberId: member.memberId };
  if (member.roleId === ADMIN_ROLE_ID) return { requiresTotpSetup: true, memberId: member.memberId };
  const challenge = await issueEmailOtp(deps, member, now);
  return { requiresOtp: true, memberId: member.memberId, challenge };
}

/** Revokes every token the member holds, this one included. */
export async function signOutEverywhere(deps: { pool: Pool }, memberId: number, caller: Caller, now: Date): Promise<void> {
  await withTransaction(deps.pool, async (connection) => {
    await bumpTokenVersion(connection, memberId);
    await audit(connection, 'tokens-revoked', memberId, caller, 'signed out everywhere', now);
  });
}
