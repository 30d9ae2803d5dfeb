import { createHmac, type KeyObject, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { unixSeconds } from '../clock';
import type { Config } from '../config';
import type { PartnerScope } from '../connectors/connector-access';
import type { ConnectorCredentials } from '../connectors/connector-lookup.model';
import { hmacKey } from '../security/hmac-key';

/**
 * OAuth access tokens for partners: HS256 JWTs (RFC 7519) with iss, aud, sub (the connector's client
 * id), scope, iat, nbf, exp and jti. Each is signed with a key derived from the server's JWT_SECRET
 * and the connector's id, credentials version and current secret, so rotating the secret, changing
 * the connector's access or deleting (and re-creating) it makes every token issued before useless
 * at once, with no list of revoked tokens to keep.
 */

type TokenConfig = Pick<Config, 'JWT_SECRET' | 'APP_BASE_URL' | 'OAUTH_ACCESS_TOKEN_TTL_SECONDS' | 'JWT_CLOCK_TOLERANCE_SECONDS'>;
type SigningConnector = Pick<ConnectorCredentials, 'id' | 'clientId' | 'secret' | 'credentialsVersion'>;

export const accessTokenIssuer = (config: Pick<Config, 'APP_BASE_URL'>) => config.APP_BASE_URL;
/** The audience: the partner API, so an access token is refused anywhere else (and admin JWTs here). */
export const accessTokenAudience = (config: Pick<Config, 'APP_BASE_URL'>) => `${config.APP_BASE_URL}/api/external/fuse-metrix`;

function signingKey(config: Pick<Config, 'JWT_SECRET'>, connector: SigningConnector): KeyObject {
  return hmacKey(
    createHmac('sha256', config.JWT_SECRET)
      .update(`partner-access-token\0${connector.id}\0${connector.credentialsVersion}\0${connector.secret}`, 'utf8')
      .digest(),
  );
}

export interface IssuedAccessToken {
  accessToken: string;
  expiresIn: number;
}

export function issueAccessToken(config: TokenConfig, connector: SigningConnector, scopes: readonly PartnerScope[], now: Date): IssuedAccessToken {
  const iat = unixSeconds(now);
  const expiresIn = config.OAUTH_ACCESS_TOKEN_TTL_SECONDS;
  const claims = {
    iss: accessTokenIssuer(config),
    aud: accessTokenAudience(config),
    sub: connector.clientId,
    scope: scopes.join(' '),
    iat,
    nbf: iat,
    exp: iat + expiresIn,
    jti: randomUUID(),
  };
  return { accessToken: jwt.sign(claims, signingKey(config, connector), { algorithm: 'HS256' }), expiresIn };
}

export type AccessTokenProblem = 'malformed' | 'expired' | 'not-yet-valid' | 'wrong-audience' | 'invalid';

export class AccessTokenRefused extends Error {
  constructor(readonly problem: AccessTokenProblem) {
    super(`access token refused: ${problem}`);
  }
}

/** The client id an access token names, read before its signature is checked (to find the key). */
export function accessTokenSubject(token: string): string {
  const decoded = jwt.decode(token, { complete: true });
  const subject = decoded && typeof decoded.payload === 'object' ? decoded.payload.sub : undefined;
  if (typeof subject !== 'string' || subject === '') throw new AccessTokenRefused('malformed');
  return subject;
}

/**
 * Checks an access token against the connector it names: HS256 only (so `none` or RS256 tokens are
 * refused), our issuer and audience, iat/nbf/exp within the clock tolerance. Returns the scopes it
 * grants.
 */
export function verifyAccessToken(config: TokenConfig, token: string, connector: SigningConnector, now: Date): string[] {
  let payload: string | jwt.JwtPayload;
  try {
    payload = jwt.verify(token, signingKey(config, connector), {
      algorithms: ['HS256'],
      issuer: accessTokenIssuer(config),
      audience: accessTokenAudience(config),
      subject: connector.clientId,
      clockTimestamp: unixSeconds(now),
      clockTolerance: config.JWT_CLOCK_TOLERANCE_SECONDS,
    });
  } catch (error) {
    if (error instanceof jwt.TokenExpiredError) throw new AccessTokenRefused('expired');
    if (error instanceof jwt.NotBeforeError) throw new AccessTokenRefused('not-yet-valid');
    if (error instanceof jwt.JsonWebTokenError && error.message.startsWith('jwt audience invalid')) throw new AccessTokenRefused('wrong-audience');
    throw new AccessTokenRefused('invalid');
  }
  if (typeof payload !== 'object' || typeof payload.scope !== 'string' || typeof payload.exp !== 'number' || typeof payload.iat !== 'number') {
    throw new AccessTokenRefused('invalid');
  }
  // iat in the future beyond the tolerance: jsonwebtoken checks nbf and exp, not iat
  if (payload.iat > unixSeconds(now) + config.JWT_CLOCK_TOLERANCE_SECONDS) throw new AccessTokenRefused('not-yet-valid');
  return payload.scope.split(' ').filter(Boolean);
}
