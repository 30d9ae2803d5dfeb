import { generateSecret, generateURI, verify } from 'otplib';

/**
 * TOTP as Google Authenticator and Authy expect it (otplib 13 defaults: SHA-1, 6 digits, 30 s).
 * One step of clock drift is accepted each way.
 */
const PERIOD_SECONDS = 30;
const DRIFT_SECONDS = PERIOD_SECONDS;

/** A new base32 secret of 20 random bytes. */
export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

/** The otpauth:// URI an authenticator app scans: issuer and account name set so the entry is recognisable. */
export function totpUri(secret: string, issuer: string, accountName: string): string {
  return generateURI({ issuer, label: accountName, secret });
}

/** The time step a 6-digit code matched at (for the replay guard), or null when it does not match. */
export async function matchTotpCode(secret: string, code: string, now: Date): Promise<number | null> {
  if (!/^\d{6}$/.test(code)) return null;
  const result = await verify({
    secret,
    token: code,
    epoch: Math.floor(now.getTime() / 1000),
    epochTolerance: DRIFT_SECONDS,
  });
  // the TOTP strategy's result carries the matched step; the shared type also covers HOTP's, which does not
  return result.valid && 'timeStep' in result ? result.timeStep : null;
}
