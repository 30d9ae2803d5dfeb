import type { Config } from '../config';
import type { Pool, Queryable } from '../db/pool';
import { tooManyRequests, unauthorized } from '../http/errors';
import { recordLockout } from '../metrics/metrics';
import type { Argon2Gate } from '../security/argon2-gate';
import { passwordMatches } from '../security/passwords';
import type { SecretBox } from '../security/secret-box';
import type { SignInThrottle } from '../security/sign-in-throttle';
import { type AuthMember, findMemberByLogin } from './auth-member.model';
import { signAccessToken } from './jwt';
import { insertSignInAudit, type SignInEvent } from './sign-in-audit.model';

/** The parts every sign-in step shares: the password check behind the throttle, the audit trail, issuing the token. */

export const INVALID_LOGIN = 'Invalid username or password';
export const INVALID_CREDENTIALS = 'Invalid username, password or member_id';

export interface AuthDeps {
  pool: Pool;
  config: Pick<Config, 'JWT_SECRET' | 'JWT_EXPIRES_IN_SECONDS' | 'ADMIN_JWT_EXPIRES_IN_SECONDS' | 'PIN_PEPPER' | 'TOTP_ISSUER' | 'MAIL_FROM'>;
  secrets: SecretBox;
  argon2: Argon2Gate;
  throttle: SignInThrottle;
}

/** Who is calling, as far as the network says: for the throttle and the audit trail. */
export interface Caller {
  address: string;
}

export interface Credentials {
  username: string;
  password: string;
  member_id?: number;
}

export interface SignedIn {
  memberId: number;
  roleId: number;
  token: string;
  backupCodesRemaining?: number;
}

/** One line of the sign-in audit trail, on the pool or inside the transaction of what it records. */
export function audit(db: Queryable, event: SignInEvent, memberId: number | null, caller: Caller, detail: string | null, now: Date): Promise<void> {
  return insertSignInAudit(db, { event, memberId, clientAddress: caller.address, detail }, now);
}

/**
 * The member whose username (or e-mail) and password these are, and, when given, whose member_id.
 * Behind the sign-in throttle (per address, and per login typed at that address), checked before any
 * argon2 work. A known and an unknown username cost the same queries and one argon2 verification
 * each, and get the same answers: nothing here tells which accounts exist.
 */
export async function authenticate(deps: AuthDeps, credentials: Credentials, caller: Caller, now: Date, failureMessage: string, step: string): Promise<AuthMember> {
  const keys = deps.throttle.keysFor(credentials.username, caller.address);
  const member = await findMemberByLogin(deps.pool, credentials.username);
  const attempt = await deps.throttle.begin(deps.pool, keys, now);
  if (attempt.waitSeconds > 0) {
    recordLockout('password');
    await audit(deps.pool, 'throttled', member?.memberId ?? null, caller, step, now);
    throw tooManyRequests(`Too many failed sign-in attempts: try again in ${duration(attempt.waitSeconds)}`, attempt.waitSeconds);
  }

  // counted against the login already (see SignInThrottle.begin): a right password clears it
  let matches: boolean;
  try {
    matches = await passwordMatches(credentials.password, member?.passwordHash, deps.argon2);
  } catch (error) {
    await deps.throttle.abandoned(deps.pool, attempt).catch(() => undefined);
    throw error;
  }
  const belongs = credentials.member_id === undefined || credentials.member_id === member?.memberId;
  if (!member || !matches || !belongs) {
    await deps.throttle.failed(deps.pool, keys, now);
    await audit(deps.pool, 'password-failed', member?.memberId ?? null, caller, member ? step : `${step}, unknown account`, now);
    throw unauthorized(failureMessage);
  }
  await deps.throttle.succeeded(deps.pool, keys);
  return member;
}

/** Issues the JWT and records the sign-in. */
export async function signIn(deps: AuthDeps, member: AuthMember, caller: Caller, now: Date, how: string): Promise<SignedIn> {
  const token = signAccessToken(deps.config, member, now);
  await audit(deps.pool, 'signed-in', member.memberId, caller, how, now);
  return { memberId: member.memberId, roleId: member.roleId, token };
}

/** "45 seconds", "1 minute", "15 minutes". */
export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}
