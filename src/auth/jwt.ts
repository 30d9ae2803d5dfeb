import jwt from 'jsonwebtoken';
import type { Config } from '../config';
import { unixSeconds } from '../clock';

/** What a signed-in member's token says. */
export interface AccessClaims {
  member_id: number;
  role_id: number;
  iat: number;
  exp: number;
}

export type TokenProblem = 'invalid' | 'expired';

export class AccessTokenError extends Error {
  constructor(readonly problem: TokenProblem) {
    super(problem === 'expired' ? 'token expired' : 'token invalid');
  }
}

type JwtConfig = Pick<Config, 'JWT_SECRET' | 'JWT_EXPIRES_IN_SECONDS'>;

/** An HS256 JWT carrying member id and role, issued at now, valid for JWT_EXPIRES_IN_SECONDS. */
export function signAccessToken(config: JwtConfig, member: { memberId: number; roleId: number }, now: Date): string {
  const iat = unixSeconds(now);
  return jwt.sign(
    { member_id: member.memberId, role_id: member.roleId, iat, exp: iat + config.JWT_EXPIRES_IN_SECONDS },
    config.JWT_SECRET,
    { algorithm: 'HS256' },
  );
}

/** The claims of a valid token; the algorithm is pinned, so "none" or RS256-with-our-secret tokens are refused. */
export function verifyAccessToken(config: JwtConfig, token: string, now: Date): AccessClaims {
  let payload: unknown;
  try {
    payload = jwt.verify(token, config.JWT_SECRET, { algorithms: ['HS256'], clockTimestamp: unixSeconds(now) });
  } catch (error) {
    throw new AccessTokenError(error instanceof jwt.TokenExpiredError ? 'expired' : 'invalid');
  }
  if (!isAccessClaims(payload)) throw new AccessTokenError('invalid');
  return payload;
}

function isAccessClaims(payload: unknown): payload is AccessClaims {
  if (typeof payload !== 'object' || payload === null) return false;
  const claims = payload as Record<string, unknown>;
  return ['member_id', 'role_id', 'iat', 'exp'].every((name) => Number.isSafeInteger(claims[name]));
}
