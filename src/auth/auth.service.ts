import QRCode from 'qrcode';
import type { Config } from '../config';
import { type Pool, withTransaction } from '../db/pool';
import { badRequest, HttpError, tooManyRequests, unauthorized } from '../http/errors';
import { queueEmail } from '../mail/mail.service';
import { AttemptLimiter } from '../security/attempt-limiter';
import { hashPassword, passwordMatches } from '../security/passwords';
import { type AuthMember, claimTotpStep, enableTotp, findMemberById, findMemberByLogin, storePendingTotpSecret } from './auth-member.model';
import { deleteBackupCodes, findUnusedBackupCodes, insertBackupCodes, markBackupCodeUsed } from './backup-code.model';
import { findLiveEmailOtp, insertEmailOtp, markEmailOtpUsed, retireEmailOtps } from './email-otp.model';
import { signAccessToken } from './jwt';
import {
  emailOtpCodeMatches,
  hashEmailOtpCode,
  looksLikeBackupCode,
  newBackupCodes,
  newEmailOtpCode,
  normaliseBackupCode,
} from './one-time-codes';
import { matchTotpCode, newTotpSecret, totpUri } from './totp';

export const ADMIN_ROLE_ID = 1;
export const EMAIL_OTP_TTL_MINUTES = 10;
export const LOGIN_CODE_TEMPLATE = 'auth/login-code';

export const INVALID_LOGIN = 'Invalid username or password';
export const INVALID_CREDENTIALS = 'Invalid username, password or member_id';
export const INVALID_TOTP_CODE = 'Invalid TOTP code';
export const REPLAYED_TOTP_CODE = 'This code has already been used: wait for the next one';
export const INVALID_EMAIL_CODE = 'Invalid or expired code';

export interface AuthDeps {
  pool: Pool;
  config: Pick<Config, 'JWT_SECRET' | 'JWT_EXPIRES_IN_SECONDS' | 'PIN_PEPPER' | 'TOTP_ISSUER' | 'MAIL_FROM'>;
}

export type LoginStep =
  | { requiresTotp: true; memberId: number }
  | { requiresTotpSetup: true; memberId: number }
  | { requiresOtp: true; memberId: number };

export interface SignedIn {
  memberId: number;
  roleId: number;
  token: string;
  backupCodesRemaining?: number;
}

export interface TotpSetup {
  qrCodeUrl: string;
  otpauthUrl: string;
  secret: string;
  backupCodes: string[];
}

interface Credentials {
  username: string;
  password: string;
  member_id?: number;
}

const passwordLimiter = new AttemptLimiter('password');
const totpLimiter = new AttemptLimiter('totp');
const emailOtpLimiter = new AttemptLimiter('email_otp');

/**
 * Step one of every sign-in. No token here: admins go on to TOTP (setup first if they have none),
 * other members to TOTP when they turned it on, or else to a code sent by e-mail.
 */
export async function login(deps: AuthDeps, credentials: Credentials, now: Date): Promise<LoginStep> {
  const member = await authenticate(deps, credentials, now, INVALID_LOGIN);
  if (member.totpEnabled) return { requiresTotp: true, memberId: member.memberId };
  if (member.roleId === ADMIN_ROLE_ID) return { requiresTotpSetup: true, memberId: member.memberId };

  const code = newEmailOtpCode();
  const expiresAt = new Date(now.getTime() + EMAIL_OTP_TTL_MINUTES * 60_000);
  await withTransaction(deps.pool, async (connection) => {
    await retireEmailOtps(connection, member.memberId, now);
    await insertEmailOtp(connection, member.memberId, hashEmailOtpCode(code, member.memberId, deps.config.PIN_PEPPER), expiresAt, now);
    await queueEmail(connection, deps.config, LOGIN_CODE_TEMPLATE, member.email, { firstName: member.firstName, code, validMinutes: EMAIL_OTP_TTL_MINUTES }, now);
  });
  return { requiresOtp: true, memberId: member.memberId };
}

/** A new TOTP secret and backup codes, shown this once; TOTP stays off until a code confirms the setup. */
export async function setupTotp(deps: AuthDeps, credentials: Required<Credentials>, now: Date): Promise<TotpSetup> {
  const member = await authenticate(deps, credentials, now, INVALID_CREDENTIALS);
  if (member.totpEnabled) throw totpAlreadyOn();

  const secret = newTotpSecret();
  const backupCodes = newBackupCodes();
  const backupCodeHashes = await Promise.all(backupCodes.map((code) => hashPassword(code)));
  await withTransaction(deps.pool, async (connection) => {
    if (!(await storePendingTotpSecret(connection, member.memberId, secret))) throw totpAlreadyOn();
    await deleteBackupCodes(connection, member.memberId);
    await insertBackupCodes(connection, member.memberId, backupCodeHashes, now);
  });

  const otpauthUrl = totpUri(secret, deps.config.TOTP_ISSUER, member.username ?? member.email);
  const qrCodeUrl = await QRCode.toDataURL(otpauthUrl, { errorCorrectionLevel: 'M', margin: 2, width: 256 });
  return { qrCodeUrl, otpauthUrl, secret, backupCodes };
}

/** Confirms the setup with a code from the app: TOTP is on from now, and the member is signed in. */
export async function verifyTotpSetup(deps: AuthDeps, input: Required<Credentials> & { code: string }, now: Date): Promise<SignedIn> {
  const member = await authenticate(deps, input, now, INVALID_CREDENTIALS);
  if (member.totpEnabled) throw totpAlreadyOn();
  if (!member.totpSecret) throw badRequest('TOTP setup has not been started: call POST /api/auth/totp/setup first');
  const before = await checkNotLocked(deps, totpLimiter, member.memberId, now, 'Too many wrong codes');

  const timeStep = await matchTotpCode(member.totpSecret, input.code, now);
  if (timeStep === null) {
    await totpLimiter.recordFailure(deps.pool, member.memberId, now);
    throw unauthorized(INVALID_TOTP_CODE);
  }
  if (!(await enableTotp(deps.pool, member.memberId, member.totpSecret, timeStep))) {
    throw new HttpError(409, 'TOTP setup changed meanwhile: start again with POST /api/auth/totp/setup');
  }
  await totpLimiter.recordSuccess(deps.pool, member.memberId, before);
  return signIn(deps, member, now);
}

/** Step two for members with TOTP: the current code (one step of drift each way) or an unused backup code. */
export async function verifyTotp(deps: AuthDeps, input: Required<Credentials> & { code: string }, now: Date): Promise<SignedIn> {
  const member = await authenticate(deps, input, now, INVALID_CREDENTIALS);
  if (!member.totpEnabled || !member.totpSecret) {
    throw badRequest('TOTP is not set up for this account: set it up with POST /api/auth/totp/setup');
  }
  const before = await checkNotLocked(deps, totpLimiter, member.memberId, now, 'Too many wrong codes');

  if (/^\d{6}$/.test(input.code)) {
    const timeStep = await matchTotpCode(member.totpSecret, input.code, now);
    if (timeStep !== null) {
      if (await claimTotpStep(deps.pool, member.memberId, timeStep)) {
        await totpLimiter.recordSuccess(deps.pool, member.memberId, before);
        return signIn(deps, member, now);
      }
      await totpLimiter.recordFailure(deps.pool, member.memberId, now);
      throw unauthorized(REPLAYED_TOTP_CODE);
    }
  } else if (looksLikeBackupCode(input.code)) {
    const remaining = await useBackupCode(deps, member.memberId, normaliseBackupCode(input.code), now);
    if (remaining !== null) {
      await totpLimiter.recordSuccess(deps.pool, member.memberId, before);
      return { ...signIn(deps, member, now), backupCodesRemaining: remaining };
    }
  }
  await totpLimiter.recordFailure(deps.pool, member.memberId, now);
  throw unauthorized(INVALID_TOTP_CODE);
}

/** Step two for members without TOTP: the 6-digit code e-mailed at login, within 10 minutes, once. */
export async function verifyEmailOtp(
  deps: AuthDeps,
  input: { username?: string; member_id: number; code: string },
  now: Date,
): Promise<SignedIn> {
  const member = await findMemberById(deps.pool, input.member_id);
  const belongs = member && (input.username === undefined || input.username === member.username || input.username === member.email);
  // admins have no e-mail fallback: they never get a code, and none is accepted for them
  if (!member || !belongs || member.roleId === ADMIN_ROLE_ID) throw unauthorized(INVALID_EMAIL_CODE);
  const before = await checkNotLocked(deps, emailOtpLimiter, member.memberId, now, 'Too many wrong codes');

  const otp = await findLiveEmailOtp(deps.pool, member.memberId, now);
  const matches = otp !== null && emailOtpCodeMatches(input.code, member.memberId, otp.codeHash, deps.config.PIN_PEPPER);
  if (!otp || !matches || !(await markEmailOtpUsed(deps.pool, otp.emailOtpId, now))) {
    await emailOtpLimiter.recordFailure(deps.pool, member.memberId, now);
    throw unauthorized(INVALID_EMAIL_CODE);
  }
  await emailOtpLimiter.recordSuccess(deps.pool, member.memberId, before);
  return signIn(deps, member, now);
}

/**
 * The member whose username (or e-mail) and password these are, and, when given, whose member_id.
 * Unknown usernames cost one argon2 verification too and get the same answer as a wrong password.
 */
async function authenticate(deps: AuthDeps, credentials: Credentials, now: Date, failureMessage: string): Promise<AuthMember> {
  const member = await findMemberByLogin(deps.pool, credentials.username);
  const before = member ? await checkNotLocked(deps, passwordLimiter, member.memberId, now, 'Too many failed sign-in attempts') : null;
  const matches = await passwordMatches(credentials.password, member?.passwordHash);
  if (!member || !matches) {
    if (member) await passwordLimiter.recordFailure(deps.pool, member.memberId, now);
    throw unauthorized(failureMessage);
  }
  if (credentials.member_id !== undefined && credentials.member_id !== member.memberId) throw unauthorized(failureMessage);
  if (before) await passwordLimiter.recordSuccess(deps.pool, member.memberId, before);
  return member;
}

async function checkNotLocked(deps: AuthDeps, limiter: AttemptLimiter, memberId: number, now: Date, what: string) {
  const status = await limiter.status(deps.pool, memberId, now);
  if (status.lockedForSeconds > 0) {
    const minutes = Math.ceil(status.lockedForSeconds / 60);
    throw tooManyRequests(`${what}: try again in ${minutes} minute${minutes === 1 ? '' : 's'}`, status.lockedForSeconds);
  }
  return status;
}

/** Checks a backup code against the member's unused ones; the number left after using it, or null for no match. */
async function useBackupCode(deps: AuthDeps, memberId: number, code: string, now: Date): Promise<number | null> {
  const unused = await findUnusedBackupCodes(deps.pool, memberId);
  for (const stored of unused) {
    if ((await passwordMatches(code, stored.codeHash)) && (await markBackupCodeUsed(deps.pool, stored.backupCodeId, now))) {
      return unused.length - 1;
    }
  }
  return null;
}

function signIn(deps: AuthDeps, member: AuthMember, now: Date): SignedIn {
  return { memberId: member.memberId, roleId: member.roleId, token: signAccessToken(deps.config, member, now) };
}

function totpAlreadyOn(): HttpError {
  return new HttpError(409, 'TOTP is already set up for this account');
}
