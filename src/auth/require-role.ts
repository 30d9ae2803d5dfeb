import type { RequestHandler } from 'express';
import type { Clock } from '../clock';
import type { Config } from '../config';
import { forbidden, unauthorized } from '../http/errors';
import { type AccessClaims, AccessTokenError, verifyAccessToken } from './jwt';

declare module 'http' {
  interface IncomingMessage {
    /** The signed-in member, set by requireRole. */
    auth?: AccessClaims;
  }
}

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

/**
 * Per-route role check, the runbook's routesValidate([1]): build once with the app's config and clock,
 * then declare `requireRole([1])` on each route. No, bad or expired token: 401; a valid token
 * without one of the roles: 403.
 */
export function roleGuard(deps: { config: Pick<Config, 'JWT_SECRET' | 'JWT_EXPIRES_IN_SECONDS'>; clock: Clock }) {
  return function requireRole(roleIds: readonly number[]): RequestHandler {
    return (req, _res, next) => {
      const token = tokenFromHeaders(req.headers);
      if (!token) throw unauthorized('Authentication token is missing: send it in the token header');
      let claims: AccessClaims;
      try {
        claims = verifyAccessToken(deps.config, token, deps.clock());
      } catch (error) {
        if (error instanceof AccessTokenError && error.problem === 'expired') {
          throw unauthorized('Authentication token has expired: sign in again');
        }
        throw unauthorized('Invalid authentication token');
      }
      if (!roleIds.includes(claims.role_id)) throw forbidden('You do not have permission to access this resource');
      req.auth = claims;
      next();
    };
  };
}

/** The signed-in member on a route guarded by requireRole. */
export function signedInMember(req: { auth?: AccessClaims }): AccessClaims {
  if (!req.auth) throw new Error('signedInMember used on a route without requireRole');
  return req.auth;
}
