import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/** Backup codes avoid look-alike characters (0/o, 1/l/i) so they survive being written down. */
const BACKUP_CODE_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
export const BACKUP_CODE_LENGTH = 8;
export const BACKUP_CODE_COUNT = 10;

export function newBackupCodes(count = BACKUP_CODE_COUNT): string[] {
  return Array.from({ length: count }, () =>
    Array.from({ length: BACKUP_CODE_LENGTH }, () => BACKUP_CODE_ALPHABET[randomInt(BACKUP_CODE_ALPHABET.length)]).join(''),
  );
}

/** How a typed backup code is compared: case and spaces or dashes do not matter. */
export function normaliseBackupCode(code: string): string {
  return code.replace(/[\s-]/g, '').toLowerCase();
}

export function looksLikeBackupCode(code: string): boolean {
  return new RegExp(`^[a-z0-9]{${BACKUP_CODE_LENGTH}}$`).test(normaliseBackupCode(code));
}

/** A six-digit sign-in code for e-mail, uniformly random. */
export function newEmailOtpCode(): string {
  return String(randomInt(1_000_000)).padStart(6, '0');
}

/**
 * E-mailed codes have only a million values, so a plain hash would be reversed at once from a stolen
 * table; keyed with the server-side pepper and bound to the member, the stored value is useless alone.
 */
export function hashEmailOtpCode(code: string, memberId: number, pepper: string): string {
  return createHmac('sha256', pepper).update(`email-otp:${memberId}:${code}`, 'utf8').digest('hex');
}

export function emailOtpCodeMatches(code: string, memberId: number, storedHash: string, pepper: string): boolean {
  const expected = Buffer.from(storedHash, 'hex');
  const actual = Buffer.from(hashEmailOtpCode(code, memberId, pepper), 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/**
 * The challenge /login hands out with an e-mailed code: 256 random bits that only a correct password
 * obtains, so verify-otp cannot be reached, guessed at or used to probe member ids without it.
 */
export function newEmailOtpChallenge(): string {
  return randomBytes(32).toString('base64url');
}

/** Only this hash of a challenge is stored; looking it up by hash needs no constant-time compare. */
export function hashEmailOtpChallenge(challenge: string): string {
  return createHash('sha256').update(challenge, 'utf8').digest('hex');
}
