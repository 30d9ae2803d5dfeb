import { withTransaction } from '../db/pool';
import { tooManyRequests, unauthorized } from '../http/errors';
import { retryStatementOnConflict } from '../db/retry';
import { queueEmail } from '../mail/mail.service';
import { AttemptLimiter } from '../security/attempt-limiter';
import { type AuthMember, findMemberById } from './auth-member.model';
import { findLiveEmailOtpByChallenge, insertEmailOtp, markEmailOtpUsed, recordEmailOtpFailure, retireEmailOtps } from './email-otp.model';
import { emailOtpCodeMatches, hashEmailOtpChallenge, hashEmailOtpCode, newEmailOtpChallenge, newEmailOtpCode } from './one-time-codes';
import { ADMIN_ROLE_ID } from './roles';
import { audit, type AuthDeps, type Caller, duration, type SignedIn, signIn } from './sign-in';

export const EMAIL_OTP_TTL_MINUTES = 10;
export const LOGIN_CODE_TEMPLATE = 'auth/login-code';
export const INVALID_EMAIL_CODE = 'Invalid or expired code';

/**
 * A code allows five wrong answers, but every login with the password e-mails a new one: across codes,
 * twenty wrong answers within an hour lock the member's e-mailed codes for an hour. Generous enough
 * that a member who mistypes never meets it (the tests' five wrong, then a fresh code, still work),
 * tight enough that guessing 6-digit codes with a stolen password takes years. Only a caller with
 * the password gets a challenge, so no one else can aim this lock at an account.
 */
const emailCodeGuesses = new AttemptLimiter('email_otp', { maxFailures: 20, windowMs: 3_600_000, lockMs: 3_600_000 });

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
  const belongs = member && (input.username === undefined || sameLogin(input.username, member.username) || sameLogin(input.username, member.email));
  // admins have no e-mail fallback: they never get a code, and none is accepted for them
  if (!otp || !member || !belongs || member.roleId === ADMIN_ROLE_ID) throw unauthorized(INVALID_EMAIL_CODE);
  // counted as a wrong code at once, until it proves right (AttemptLimiter.begin)
  const before = await emailCodeGuesses.begin(deps.pool, member.memberId, now);
  if (before.lockedForSeconds > 0) {
    throw tooManyRequests(`Too many wrong codes: try again in ${duration(before.lockedForSeconds)}`, before.lockedForSeconds);
  }

  if (!emailOtpCodeMatches(input.code, member.memberId, otp.codeHash, deps.config.PIN_PEPPER)) {
    await retryStatementOnConflict(deps.pool, () => recordEmailOtpFailure(deps.pool, otp.emailOtpId, now));
    emailCodeGuesses.wrong(before);
    await audit(deps.pool, 'code-failed', member.memberId, caller, 'e-mailed code', now);
    throw unauthorized(INVALID_EMAIL_CODE);
  }
  if (!(await markEmailOtpUsed(deps.pool, otp.emailOtpId, now))) throw unauthorized(INVALID_EMAIL_CODE);
  await emailCodeGuesses.recordSuccess(deps.pool, member.memberId, before);
  return signIn(deps, member, caller, now, 'e-mailed code');
}

/** Logins match as /login matched them: the column's collation ignores case and accents ("Alice" is alice). */
function sameLogin(typed: string, stored: string | null): boolean {
  return stored !== null && typed.localeCompare(stored, 'en', { sensitivity: 'base' }) === 0;
}
