import type { RequestHandler } from 'express';
import type { Clock } from '../clock';
import type { Config } from '../config';
import type { Queryable } from '../db/pool';
import { forbidden, unauthorized } from '../http/errors';
import { findTokenHolder } from './auth-member.model';
import { type AccessClaims, AccessTokenError, verifyAccessToken } from './jwt';

declare module 'http' {
  interface IncomingMessage {
    /** The signed-in member, set by requireRole / requireSignedIn, with the member's current role. */
    auth?: AccessClaims;
  }
}

export const TOKEN_MESSAGES = {
  missing: 'Authentication token is missing: send it in the token header',
  invalid: 'Invalid authentication token',
  expired: 'Authentication token has expired: sign in again',
  notYetValid: 'Authentication token is not valid yet: check the clock of the machine that sent it',
  revoked: 'Authentication token has been revoked: sign in again',
  forbidden: 'You do not have permission to access this resource',
} as const;

/** The JWT from the `token` header (as the runbook's curls send it) or `Authorization: Bearer …`. */
export function tokenFromHeaders(headers: Record<string, string | string[] | undefined>): string | null {
  const header = headers.token;
  if (typeof header === 'string' && header.trim()) return header.trim();
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^\s*(?:Bearer\s+)?(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  return null;
}

export interface RoleGuardDeps {
  pool: Queryable;
  config: Pick<Config, 'JWT_SECRET' | 'JWT_CLOCK_TOLERANCE_SECONDS'>;
  clock: Clock;
}

/**
 * Per-route role check, the runbook's routesValidate([1]): build once with the app's pool, config and
 * clock, then declare `requireRole([1])` on each route. The token must be valid (401 otherwise), and
 * the member it names must still exist with the same token version (401 "revoked" once the password,
 * role or TOTP changed or the member signed out everywhere) and must hold one of the roles now (403):
 * the role is read from the database on every request, never trusted from the token.
 */
export function roleGuard(deps: RoleGuardDeps) {
  const guard = (roleIds: readonly number[] | null): RequestHandler =>
    async (req, _res, next) => {
      const token = tokenFromHeaders(req.headers);
      if (!token) throw unauthorized(TOKEN_MESSAGES.missing);
      const claims = verifiedClaims(deps, token);
      const holder = await findTokenHolder(deps.pool, claims.member_id);
      if (!holder || holder.tokenVersion !== claims.token_version) throw unauthorized(TOKEN_MESSAGES.revoked);
      if (roleIds && !roleIds.includes(holder.roleId)) throw forbidden(TOKEN_MESSAGES.forbidden);
      req.auth = { ...claims, role_id: holder.roleId };
      next();
    };
  return Object.assign((roleIds: readonly number[]) => guard(roleIds), {
    /** Any signed-in member, whatever the role. */
    signedIn: () => guard(null),
  });
}

function verifiedClaims(deps: RoleGuardDeps, token: string): AccessClaims {
  try {
    return verifyAccessToken(deps.config, token, deps.clock());
  } catch (error) {
    if (error instanceof AccessTokenError && error.problem === 'expired') throw unauthorized(TOKEN_MESSAGES.expired);
    if (error instanceof AccessTokenError && error.problem === 'not-yet-valid') throw unauthorized(TOKEN_MESSAGES.notYetValid);
    throw unauthorized(TOKEN_MESSAGES.invalid);
  }
}

/** The signed-in member on a route guarded by requireRole. */
export function signedInMember(req: { auth?: AccessClaims }): AccessClaims {
  if (!req.auth) throw new Error('signedInMember used on a route without requireRole');
  return req.auth;
}
