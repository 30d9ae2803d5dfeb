import type { Config } from '../config';
import { activeSecrets } from '../connectors/active-secrets';
import { PARTNER_SCOPES, type PartnerScope } from '../connectors/connector-access';
import type { ConnectorCredentials } from '../connectors/connector-lookup.model';
import { findConnectorCredentials } from '../connectors/connector-secrets';
import type { Queryable } from '../db/pool';
import type { SecretBox } from '../security/secret-box';
import { issueAccessToken } from './access-token';
import { clientSecretMatches } from './client-credentials';
import { oauthError } from './oauth-errors';

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

export interface ClientCredentialsRequest extends ClientCredentials {
  /** The HTTP Basic credentials as sent, when they differ from their form-decoded reading. */
  unencoded?: ClientCredentials;
  /** The space-separated scopes asked for; undefined asks for every scope the connector may hold. */
  scope: string | undefined;
}

export interface AccessTokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

type GrantConfig = Pick<Config, 'JWT_SECRET' | 'APP_BASE_URL' | 'OAUTH_ACCESS_TOKEN_TTL_SECONDS' | 'JWT_CLOCK_TOLERANCE_SECONDS'>;

const INVALID_CLIENT = 'Client authentication failed';
/** Compared against when the client id is unknown, so a wrong id takes as long as a wrong secret. */
const NO_SECRETS = ['no-such-connector'];

/**
 * The client credentials grant (RFC 6749 §4.4): a connector authenticates with its client id and
 * secret (the current one, or the previous one during a rotation overlap) and gets a short-lived
 * access token for the scopes it asked for, or all it may hold.
 */
export interface GrantDeps {
  pool: Queryable;
  secrets: SecretBox;
  config: GrantConfig;
}

export async function grantClientCredentials(deps: GrantDeps, request: ClientCredentialsRequest, now: Date): Promise<AccessTokenResponse> {
  const connector = (await authenticateClient(deps, request, now)) ?? (request.unencoded && (await authenticateClient(deps, request.unencoded, now)));
  if (!connector) throw oauthError('invalid_client', INVALID_CLIENT);
  if (!connector.authMethods.includes('oauth')) throw oauthError('unauthorized_client', 'This client may not use OAuth access tokens');

  const scopes = grantedScopes(request.scope, connector.scopes);
  const { accessToken, expiresIn } = issueAccessToken(deps.config, connector, scopes, now);
  return { access_token: accessToken, token_type: 'Bearer', expires_in: expiresIn, scope: scopes.join(' ') };
}

/** The connector these credentials belong to, or null; an unknown client id costs the same comparison as a wrong secret. */
async function authenticateClient(deps: GrantDeps, credentials: ClientCredentials, now: Date): Promise<ConnectorCredentials | null> {
  const connector = await findConnectorCredentials(deps.pool, deps.secrets, credentials.clientId);
  const matches = clientSecretMatches(credentials.clientSecret, connector ? activeSecrets(connector, now) : NO_SECRETS);
  return connector && matches ? connector : null;
}

function grantedScopes(asked: string | undefined, allowed: readonly PartnerScope[]): PartnerScope[] {
  if (asked === undefined || asked.trim() === '') return [...allowed];
  const wanted = asked.split(' ').filter(Boolean);
  for (const scope of wanted) {
    if (!(PARTNER_SCOPES as readonly string[]).includes(scope)) throw oauthError('invalid_scope', `Unknown scope: ${scope.slice(0, 64)}`);
    if (!(allowed as readonly string[]).includes(scope)) throw oauthError('invalid_scope', `This client may not hold the scope ${scope}`);
  }
  return PARTNER_SCOPES.filter((scope) => wanted.includes(scope));
}
