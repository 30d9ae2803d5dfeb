import type { IncomingMessage } from 'node:http';
import type { Config } from '../config';
import type { PartnerScope } from '../connectors/connector-access';
import type { ConnectorCredentials } from '../connectors/connector-lookup.model';
import { findConnectorCredentials } from '../connectors/connector-secrets';
import type { Queryable } from '../db/pool';
import { headerOf } from '../http/check-in-lane';
import { HttpError } from '../http/errors';
import type { SecretBox } from '../security/secret-box';
import { countedSignatureFailure as counted } from '../metrics/metrics';
import { type AccessTokenProblem, AccessTokenRefused, accessTokenSubject, verifyAccessToken } from '../oauth/access-token';

/** `Authorization: Bearer <three base64url parts>`: an OAuth access token, not the page's hex HMAC. */
const BEARER_JWT = /^\s*Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)\s*$/i;

/** An OAuth call carries a bearer JWT and none of the page's client-id or token headers. */
export function isAccessTokenRequest(req: IncomingMessage): boolean {
  return !headerOf(req, 'client-id') && !headerOf(req, 'clientid') && !headerOf(req, 'token') && BEARER_JWT.test(headerOf(req, 'authorization') ?? '');
}

const MESSAGES: Record<AccessTokenProblem, string> = {
  malformed: 'Invalid access token',
  invalid: 'Invalid access token',
  expired: 'Access token has expired',
  'not-yet-valid': 'Access token is not valid yet',
  'wrong-audience': 'Access token is not meant for this API',
};

/** 401 with the RFC 6750 challenge, so OAuth client libraries know to fetch a new token. */
function invalidToken(message: string): HttpError {
  return new HttpError(401, message, {}, { 'WWW-Authenticate': `Bearer realm="IBA partner API", error="invalid_token", error_description="${message}"` });
}

type AccessTokenConfig = Pick<Config, 'JWT_SECRET' | 'APP_BASE_URL' | 'OAUTH_ACCESS_TOKEN_TTL_SECONDS' | 'JWT_CLOCK_TOLERANCE_SECONDS'>;

export interface AccessTokenVerdict {
  connector: ConnectorCredentials;
  scopes: PartnerScope[];
}

/**
 * Checks the access token against its connector read fresh from the database (not the signature
 * cache), so a rotated, restricted or deleted connector's tokens stop working at once. The scopes it
 * grants are the token's, narrowed to what the connector may still hold.
 */
export async function checkAccessToken(req: IncomingMessage, db: Queryable, secrets: SecretBox, config: AccessTokenConfig, now: Date): Promise<AccessTokenVerdict> {
  const token = BEARER_JWT.exec(headerOf(req, 'authorization') ?? '')![1];
  let connector: ConnectorCredentials | null = null;
  try {
    connector = await findConnectorCredentials(db, secrets, accessTokenSubject(token));
    if (!connector) throw new AccessTokenRefused('invalid');
    const tokenScopes = verifyAccessToken(config, token, connector, now);
    return { connector, scopes: connector.scopes.filter((scope) => tokenScopes.includes(scope)) };
  } catch (error) {
    if (error instanceof AccessTokenRefused) throw counted(connector?.id ?? null, 'invalid_access_token', invalidToken(MESSAGES[error.problem]));
    throw error;
  }
}
