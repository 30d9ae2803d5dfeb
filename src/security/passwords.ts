import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { type Argon2Gate, unboundedArgon2Gate } from './argon2-gate';

/**
 * Passwords and TOTP backup codes are stored as argon2id hashes (the library's default algorithm),
 * with OWASP's recommended minimum cost: 19 MiB of memory, 2 passes, 1 lane.
 */
const ARGON2_OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(plain: string, gate: Argon2Gate = unboundedArgon2Gate): Promise<string> {
  return gate.run(() => hash(plain, ARGON2_OPTIONS));
}

let dummyHash: Promise<string> | undefined;

/**
 * True when plain matches the stored hash. With no stored hash (unknown user, member without a
 * password) it still runs one argon2 verification, so the answer takes as long either way and the
 * timing does not tell which usernames exist.
 */
export async function passwordMatches(plain: string, storedHash: string | null | undefined, gate: Argon2Gate = unboundedArgon2Gate): Promise<boolean> {
  if (!storedHash) {
    dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
    const dummy = await dummyHash;
    await gate.run(() => verifyOrFalse(dummy, plain));
    return false;
  }
  // a full gate is a 503 and propagates
  return gate.run(() => verifyOrFalse(storedHash, plain));
}

/** A malformed stored hash is a mismatch, not a server error. */
async function verifyOrFalse(storedHash: string, plain: string): Promise<boolean> {
  try {
    return await verify(storedHash, plain);
  } catch {
    return false;
  }
}

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

/**
 * The password rule for accounts created here: 12 to 128 characters, at least two kinds of
 * character (lower case, upper case, digits, others), and not containing the username.
 * Returns why a password is refused, or null when it is acceptable.
 */
export function passwordWeakness(password: string, username?: string): string | null {
  if (password.length < PASSWORD_MIN_LENGTH) return `Password is too weak: use at least ${PASSWORD_MIN_LENGTH} characters`;
  if (password.length > PASSWORD_MAX_LENGTH) return `Password is too long: use at most ${PASSWORD_MAX_LENGTH} characters`;
  const kinds = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((kind) => kind.test(password)).length;
  if (kinds < 2) return 'Password is too weak: mix at least two of lower case, upper case, digits and symbols';
  if (username && username.length >= 3 && password.toLowerCase().includes(username.toLowerCase())) {
    return 'Password is too weak: it must not contain the username';
  }
  return null;
}
