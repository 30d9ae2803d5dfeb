import jwt from 'jsonwebtoken';
import type { Config } from '../config';
import { unixSeconds } from '../clock';
import { hmacKey } from '../security/hmac-key';
import { ADMIN_ROLE_ID } from './roles';

/** What a signed-in member's token says. */
export interface AccessClaims {
  member_id: number;
  role_id: number;
  /** The member's token version at issue; a token whose version is no longer the member's is revoked. */
  token_version: number;
  iat: number;
  nbf: number;
  exp: number;
}

export type TokenProblem = 'invalid' | 'expired' | 'not-yet-valid';

export class AccessTokenError extends Error {
  constructor(readonly problem: TokenProblem) {
    super(`token ${problem}`);
  }
}

type SigningConfig = Pick<Config, 'JWT_SECRET' | 'JWT_EXPIRES_IN_SECONDS' | 'ADMIN_JWT_EXPIRES_IN_SECONDS'>;
type VerifyingConfig = Pick<Config, 'JWT_SECRET' | 'JWT_CLOCK_TOLERANCE_SECONDS'>;

export interface TokenSubject {
  memberId: number;
  roleId: number;
  tokenVersion: number;
}

/**
 * An HS256 JWT with member id, role and token version, valid from now (nbf = iat) for
 * ADMIN_JWT_EXPIRES_IN_SECONDS (admins, 1 hour) or JWT_EXPIRES_IN_SECONDS (everyone else, 12 hours).
 */
export function signAccessToken(config: SigningConfig, member: TokenSubject, now: Date): string {
  const iat = unixSeconds(now);
  const lifetime = member.roleId === ADMIN_ROLE_ID ? config.ADMIN_JWT_EXPIRES_IN_SECONDS : config.JWT_EXPIRES_IN_SECONDS;
  return jwt.sign(
    { member_id: member.memberId, role_id: member.roleId, token_version: member.tokenVersion, iat, nbf: iat, exp: iat + lifetime },
    hmacKey(config.JWT_SECRET),
    { algorithm: 'HS256' },
  );
}

/**
 * The claims of a valid token. The algorithm is pinned, so "none" or RS256-with-our-secret tokens are
 * refused; exp and nbf are checked with JWT_CLOCK_TOLERANCE_SECONDS of leeway for clock skew between
 * the machines that issue and check tokens.
 */
export function verifyAccessToken(config: VerifyingConfig, token: string, now: Date): AccessClaims {
  let payload: unknown;
  try {
    payload = jwt.verify(token, hmacKey(config.JWT_SECRET), {
      algorithms: ['HS256'],
      clockTimestamp: unixSeconds(now),
      clockTolerance: config.JWT_CLOCK_TOLERANCE_SECONDS,
    });
  } catch (error) {
    if (error instanceof jwt.TokenExpiredError) throw new AccessTokenError('expired');
    if (error instanceof jwt.NotBeforeError) throw new AccessTokenError('not-yet-valid');
    throw new AccessTokenError('invalid');
  }
  if (!isAccessClaims(payload)) throw new AccessTokenError('invalid');
  return payload;
}

function isAccessClaims(payload: unknown): payload is AccessClaims {
  if (typeof payload !== 'object' || payload === null) return false;
  const claims = payload as Record<string, unknown>;
  return ['member_id', 'role_id', 'token_version', 'iat', 'nbf', 'exp'].every((name) => Number.isSafeInteger(claims[name]));
}
