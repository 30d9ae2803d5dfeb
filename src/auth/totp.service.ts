import QRCode from 'qrcode';
import { withTransaction } from '../db/pool';
import { badRequest, HttpError, tooManyRequests, unauthorized } from '../http/errors';
import { AttemptLimiter, type CountedAttempt } from '../security/attempt-limiter';
import { TOTP_SECRET_COLUMN } from '../security/encrypted-columns';
import { type OpenedSecret, openStoredSecret } from '../security/stored-secret';
import { hashPassword, passwordMatches } from '../security/passwords';
import { type AuthMember, claimTotpStep, enableTotp, storePendingTotpSecret } from './auth-member.model';
import { deleteBackupCodes, findUnusedBackupCodes, insertBackupCodes, markBackupCodeUsed } from './backup-code.model';
import { looksLikeBackupCode, newBackupCodes, normaliseBackupCode } from './one-time-codes';
import { audit, authenticate, type AuthDeps, type Caller, type Credentials, duration, INVALID_CREDENTIALS, type SignedIn, signIn } from './sign-in';
import { ADMIN_ROLE_ID } from './roles';
import { matchTotpCode, newTotpSecret, totpUri } from './totp';

export const INVALID_TOTP_CODE = 'Invalid TOTP code';
export const REPLAYED_TOTP_CODE = 'This code has already been used: wait for the next one';
export const TOTP_SETUP_NEEDS_SIGN_IN =
  'Sign in with the code e-mailed to you first, and send that token with this request: turning TOTP on needs both factors';

export interface TotpSetup {
  qrCodeUrl: string;
  otpauthUrl: string;
  secret: string;
  backupCodes: string[];
}

type CodeInput = Required<Credentials> & { code: string };

/**
 * Wrong TOTP codes lock the member's TOTP for 15 minutes after 5. Only callers who sent the right
 * password get this far, so it is not a lock anyone can aim at an account without its password.
 */
const totpLimiter = new AttemptLimiter('totp');

/** The caller of a setup step, and the member its access token names (when it sent one). */
export type SetupCaller = Caller & { signedInAs?: number };

/**
 * An admin sets TOTP up with the password alone, as the runbook says (their sign-in answers
 * requiresTotpSetup and gives no token before it). Every other member already has a second factor,
 * the e-mailed code: with the password alone, whoever had it could put their own authenticator on the
 * account, sign in without the code and shut the owner's e-mails out. So they must be signed in.
 */
function assertMaySetUpTotp(member: AuthMember, caller: SetupCaller): void {
  if (member.roleId !== ADMIN_ROLE_ID && caller.signedInAs !== member.memberId) throw unauthorized(TOTP_SETUP_NEEDS_SIGN_IN);
}

/** A new TOTP secret and backup codes, shown this once; TOTP stays off until a code confirms the setup. */
export async function setupTotp(deps: AuthDeps, credentials: Required<Credentials>, caller: SetupCaller, now: Date): Promise<TotpSetup> {
  const member = await authenticate(deps, credentials, caller, now, INVALID_CREDENTIALS, 'totp setup');
  assertMaySetUpTotp(member, caller);
  if (member.totpEnabled) throw totpAlreadyOn();

  const secret = newTotpSecret();
  const sealed = deps.secrets.seal(secret, TOTP_SECRET_COLUMN.context(member.memberId));
  const backupCodes = newBackupCodes();
  // one at a time: ten at once would need ten places in the argon2 queue
  const backupCodeHashes: string[] = [];
  for (const code of backupCodes) backupCodeHashes.push(await hashPassword(code, deps.argon2));
  await withTransaction(deps.pool, async (connection) => {
    if (!(await storePendingTotpSecret(connection, member.memberId, sealed))) throw totpAlreadyOn();
    await deleteBackupCodes(connection, member.memberId);
    await insertBackupCodes(connection, member.memberId, backupCodeHashes, now);
  });

  const otpauthUrl = totpUri(secret, deps.config.TOTP_ISSUER, member.username ?? member.email);
  const qrCodeUrl = await QRCode.toDataURL(otpauthUrl, { errorCorrectionLevel: 'M', margin: 2, width: 256 });
  return { qrCodeUrl, otpauthUrl, secret, backupCodes };
}

/** Confirms the setup with a code from the app: TOTP is on from now, and the member is signed in. */
export async function verifyTotpSetup(deps: AuthDeps, input: CodeInput, caller: SetupCaller, now: Date): Promise<SignedIn> {
  const member = await authenticate(deps, input, caller, now, INVALID_CREDENTIALS, 'totp verify-setup');
  assertMaySetUpTotp(member, caller);
  if (member.totpEnabled) throw totpAlreadyOn();
  if (!member.totpSecret) throw badRequest('TOTP setup has not been started: call POST /api/auth/totp/setup first');
  const before = await checkTotpNotLocked(deps, member.memberId, now);

  const { secret, stored } = await readTotpSecret(deps, member.memberId, member.totpSecret);
  const timeStep = await matchTotpCode(secret, input.code, now);
  if (timeStep === null) {
    await codeFailed(deps, member, caller, before, now, 'totp verify-setup');
    throw unauthorized(INVALID_TOTP_CODE);
  }
  await withTransaction(deps.pool, async (connection) => {
    if (!(await enableTotp(connection, member.memberId, stored, timeStep))) {
      throw new HttpError(409, 'TOTP setup changed meanwhile: start again with POST /api/auth/totp/setup');
    }
    await audit(connection, 'totp-enrolled', member.memberId, caller, null, now);
  });
  await totpLimiter.recordSuccess(deps.pool, member.memberId, before);
  return signIn(deps, member, caller, now, 'totp verify-setup');
}

/** Step two for members with TOTP: the current code (one step of drift each way) or an unused backup code. */
export async function verifyTotp(deps: AuthDeps, input: CodeInput, caller: Caller, now: Date): Promise<SignedIn> {
  const member = await authenticate(deps, input, caller, now, INVALID_CREDENTIALS, 'verify-totp');
  if (!member.totpEnabled || !member.totpSecret) {
    throw badRequest('TOTP is not set up for this account: set it up with POST /api/auth/totp/setup');
  }
  const before = await checkTotpNotLocked(deps, member.memberId, now);

  if (/^\d{6}$/.test(input.code)) {
    const { secret } = await readTotpSecret(deps, member.memberId, member.totpSecret);
    const timeStep = await matchTotpCode(secret, input.code, now);
    if (timeStep !== null) {
      if (await claimTotpStep(deps.pool, member.memberId, timeStep)) {
        await totpLimiter.recordSuccess(deps.pool, member.memberId, before);
        return signIn(deps, member, caller, now, 'totp');
      }
      await codeFailed(deps, member, caller, before, now, 'replayed totp code');
      throw unauthorized(REPLAYED_TOTP_CODE);
    }
  } else if (looksLikeBackupCode(input.code)) {
    const remaining = await useBackupCode(deps, member.memberId, normaliseBackupCode(input.code), caller, now);
    if (remaining !== null) {
      await totpLimiter.recordSuccess(deps.pool, member.memberId, before);
      return { ...(await signIn(deps, member, caller, now, 'backup code')), backupCodesRemaining: remaining };
    }
  }
  await codeFailed(deps, member, caller, before, now, 'verify-totp');
  throw unauthorized(INVALID_TOTP_CODE);
}

/**
 * The member's TOTP secret in clear. A plain secret (stored before encryption) or one sealed under
 * an old key is sealed under the current key on the way, unless the row changed meanwhile.
 */
function readTotpSecret(deps: AuthDeps, memberId: number, stored: string): Promise<OpenedSecret> {
  return openStoredSecret(deps.pool, deps.secrets, TOTP_SECRET_COLUMN, memberId, stored);
}

/** Starts a code guess: 429 while locked, otherwise counted as a wrong code until it proves right (AttemptLimiter.begin). */
async function checkTotpNotLocked(deps: AuthDeps, memberId: number, now: Date): Promise<CountedAttempt> {
  const status = await totpLimiter.begin(deps.pool, memberId, now);
  if (status.lockedForSeconds > 0) {
    throw tooManyRequests(`Too many wrong codes: try again in ${duration(status.lockedForSeconds)}`, status.lockedForSeconds);
  }
  return status;
}

async function codeFailed(deps: AuthDeps, member: AuthMember, caller: Caller, attempt: CountedAttempt, now: Date, detail: string): Promise<void> {
  totpLimiter.wrong(attempt);
  await audit(deps.pool, 'code-failed', member.memberId, caller, detail, now);
}

/**
 * Checks a backup code against the member's unused ones and uses it up, audited; the number left, or
 * null for no match (or when a concurrent request used it first).
 */
async function useBackupCode(deps: AuthDeps, memberId: number, code: string, caller: Caller, now: Date): Promise<number | null> {
  const unused = await findUnusedBackupCodes(deps.pool, memberId);
  for (const stored of unused) {
    if (!(await passwordMatches(code, stored.codeHash, deps.argon2))) continue;
    const remaining = unused.length - 1;
    const used = await withTransaction(deps.pool, async (connection) => {
      if (!(await markBackupCodeUsed(connection, stored.backupCodeId, now))) return false;
      await audit(connection, 'backup-code-used', memberId, caller, `${remaining} left`, now);
      return true;
    });
    return used ? remaining : null;
  }
  return null;
}

function totpAlreadyOn(): HttpError {
  return new HttpError(409, 'TOTP is already set up for this account');
}
