import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

/**
 * Passwords and TOTP backup codes are stored as argon2id hashes (the library's default algorithm),
 * with OWASP's recommended minimum cost: 19 MiB of memory, 2 passes, 1 lane.
 */
const ARGON2_OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/**
 * At most two argon2 computations at once per process. Each holds 19 MiB while it runs (and the C
 * allocator keeps that memory for the thread that used it), so four threadpool threads hashing at
 * once put ~80 MB on the API's RSS under a burst of sign-ins; two keep both cores busy for half that.
 */
const MAX_CONCURRENT_ARGON2 = 2;
let argon2Running = 0;
const argon2Waiting: Array<() => void> = [];

async function withArgon2Slot<T>(work: () => Promise<T>): Promise<T> {
  if (argon2Running < MAX_CONCURRENT_ARGON2) argon2Running += 1;
  else await new Promise<void>((resolve) => argon2Waiting.push(resolve));
  try {
    return await work();
  } finally {
    // hand the slot straight to the next caller, or give it back
    const next = argon2Waiting.shift();
    if (next) next();
    else argon2Running -= 1;
  }
}

export function hashPassword(plain: string): Promise<string> {
  return withArgon2Slot(() => hash(plain, ARGON2_OPTIONS));
}

let dummyHash: Promise<string> | undefined;

/**
 * True when plain matches the stored hash. With no stored hash (unknown user, member without a
 * password) it still runs one argon2 verification, so the answer takes as long either way and the
 * timing does not tell which usernames exist.
 */
export async function passwordMatches(plain: string, storedHash: string | null | undefined): Promise<boolean> {
  if (!storedHash) {
    dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
    const dummy = await dummyHash;
    await withArgon2Slot(() => verify(dummy, plain)).catch(() => false);
    return false;
  }
  try {
    return await withArgon2Slot(() => verify(storedHash, plain));
  } catch {
    // a malformed stored hash is a mismatch, not a server error
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
