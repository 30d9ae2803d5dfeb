import { withTransaction } from '../db/pool';
import { unauthorized } from '../http/errors';
import { queueEmail } from '../mail/mail.service';
import { type AuthMember, findMemberById } from './auth-member.model';
import { findLiveEmailOtpByChallenge, insertEmailOtp, markEmailOtpUsed, recordEmailOtpFailure, retireEmailOtps } from './email-otp.model';
import { emailOtpCodeMatches, hashEmailOtpChallenge, hashEmailOtpCode, newEmailOtpChallenge, newEmailOtpCode } from './one-time-codes';
import { ADMIN_ROLE_ID } from './roles';
import { audit, type AuthDeps, type Caller, type SignedIn, signIn } from './sign-in';

export const EMAIL_OTP_TTL_MINUTES = 10;
export const LOGIN_CODE_TEMPLATE = 'auth/login-code';
export const INVALID_EMAIL_CODE = 'Invalid or expired code';

/**
 * E-mails a fresh 6-digit code (earlier ones stop working) and returns the challenge that must come
 * back with it. Called only after a correct password.
 */
export async function issueEmailOtp(deps: AuthDeps, member: AuthMember, now: Date): Promise<string> {
  const code = newEmailOtpCode();
  const challenge = newEmailOtpChallenge();
  const expiresAt = new Date(now.getTime() + EMAIL_OTP_TTL_MINUTES * 60_000);
  await withTransaction(deps.pool, async (connection) => {
    await retireEmailOtps(connection, member.memberId, now);
    const codeHash = hashEmailOtpCode(code, member.memberId, deps.config.PIN_PEPPER);
    await insertEmailOtp(connection, { memberId: member.memberId, codeHash, challengeHash: hashEmailOtpChallenge(challenge), expiresAt }, now);
    await queueEmail(connection, deps.config, LOGIN_CODE_TEMPLATE, member.email, { firstName: member.firstName, code, validMinutes: EMAIL_OTP_TTL_MINUTES }, now);
  });
  return challenge;
}

/**
 * Step two for members without TOTP: the challenge from /login and the code from the e-mail, within
 * 10 minutes, once. Without a live challenge every answer is the same 401, whatever the member_id:
 * nothing to guess at, no member to lock out, no member id to probe. Five wrong codes use the code up.
 */
export async function verifyEmailOtp(
  deps: AuthDeps,
  input: { username?: string; member_id: number; challenge: string; code: string },
  caller: Caller,
  now: Date,
): Promise<SignedIn> {
  const otp = await findLiveEmailOtpByChallenge(deps.pool, hashEmailOtpChallenge(input.challenge), now);
  const member = otp && otp.memberId === input.member_id ? await findMemberById(deps.pool, otp.memberId) : null;
  const belongs = member && (input.username === undefined || input.username === member.username || input.username === member.email);
  // admins have no e-mail fallback: they never get a code, and none is accepted for them
  if (!otp || !member || !belongs || member.roleId === ADMIN_ROLE_ID) throw unauthorized(INVALID_EMAIL_CODE);

  if (!emailOtpCodeMatches(input.code, member.memberId, otp.codeHash, deps.config.PIN_PEPPER)) {
    await recordEmailOtpFailure(deps.pool, otp.emailOtpId, now);
    await audit(deps.pool, 'code-failed', member.memberId, caller, 'e-mailed code', now);
    throw unauthorized(INVALID_EMAIL_CODE);
  }
  if (!(await markEmailOtpUsed(deps.pool, otp.emailOtpId, now))) throw unauthorized(INVALID_EMAIL_CODE);
  return signIn(deps, member, caller, now, 'e-mailed code');
}
