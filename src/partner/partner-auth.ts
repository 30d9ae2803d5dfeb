import type { IncomingMessage } from 'node:http';
import type { Clock } from '../clock';
import type { Config } from '../config';
import type { PartnerScope, SigningMethod } from '../connectors/connector-access';
import type { ConnectorCredentials } from '../connectors/connector-lookup.model';
import type { Queryable } from '../db/pool';
import { addressKey, clientAddress } from '../http/client-address';
import { forbidden, HttpError } from '../http/errors';
import { countedSignatureFailure as counted } from '../metrics/metrics';
import type { SecretBox } from '../security/secret-box';
import { checkAccessToken, isAccessTokenRequest } from './access-token-check';
import { ConnectorCredentialsCache } from './connector-cache';
import { checkLegacySignature } from './legacy-signature';
import type { PartnerCaller } from './partner-caller';
import { PartnerLimits } from './partner-limits';
import { recordPartnerSignature } from './partner-signature.model';
import { refuseGetWithBody, refuseUnparsedBody } from './signed-body';
import { checkTimestampedSignature, isTimestampedRequest, TIMESTAMPED_MESSAGES } from './timestamped-signature';

export interface PartnerAuthDeps {
  pool: Queryable;
  secrets: SecretBox;
  config: Pick<
    Config,
    | 'JWT_SECRET'
    | 'APP_BASE_URL'
    | 'OAUTH_ACCESS_TOKEN_TTL_SECONDS'
    | 'JWT_CLOCK_TOLERANCE_SECONDS'
    | 'PARTNER_SIGNATURE_WINDOW_SECONDS'
    | 'PARTNER_RATE_LIMIT_PER_MINUTE'
    | 'PARTNER_AUTH_FAILURES_PER_MINUTE'
    | 'WEB_CONCURRENCY'
    | 'NODE_ENV'
  >;
  clock: Clock;
}

/**
 * The check in front of every partner route, for the three ways a partner may sign: the public
 * page's HMAC of the body (client-id + token), the timestamped signature (X-API-KEY, X-TIMESTAMP,
 * X-SIGNATURE) and an OAuth access token (Authorization: Bearer, no client id). Each leads to one
 * connector, which must allow that method and hold the route's scope, and stay within its rate
 * limit. The route then reads only what was signed: the body of a POST, the query of a GET.
 * `authenticatePartner(req, scope)` answers who called, or throws the HttpError to answer with.
 */
export function partnerAuthGuard(deps: PartnerAuthDeps) {
  const connectors = new ConnectorCredentialsCache(deps.pool, deps.secrets);
  const limits = new PartnerLimits(deps.config);

  const verify: Record<SigningMethod, (req: IncomingMessage, scope: PartnerScope, now: Date) => Promise<ConnectorCredentials>> = {
    'legacy-hmac': async (req, scope, now) => {
      const connector = await checkLegacySignature(req, connectors, now);
      authorise(connector, 'legacy-hmac', connector.scopes, scope);
      return connector;
    },
    'timestamped-signature': async (req, scope, now) => {
      refuseUnparsedBody(req);
      for (let attempt = 0; attempt < 2; attempt++) {
        const verdict = await checkTimestampedSignature(req, connectors, deps.config.PARTNER_SIGNATURE_WINDOW_SECONDS, now);
        authorise(verdict.connector, 'timestamped-signature', verdict.connector.scopes, scope);
        const recorded = await recordPartnerSignature(deps.pool, verdict.signature, verdict.connector, verdict.replayableUntil);
        if (recorded === 'recorded') return verdict.connector;
        if (recorded === 'replayed') throw counted(verdict.connector.id, 'replayed_signature', new HttpError(401, TIMESTAMPED_MESSAGES.replayed));
        // the connector changed since it was cached: judge the request again against a fresh read
        await connectors.refresh(verdict.connector.clientId);
      }
      throw new HttpError(503, 'The connector changed while this request was checked, please retry');
    },
    oauth: async (req, scope, now) => {
      refuseUnparsedBody(req);
      const verdict = await checkAccessToken(req, deps.pool, deps.secrets, deps.config, now);
      authorise(verdict.connector, 'oauth', verdict.scopes, scope);
      return verdict.connector;
    },
  };

  return async function authenticatePartner(req: IncomingMessage, scope: PartnerScope): Promise<PartnerCaller> {
    const address = addressKey(clientAddress(req));
    await limits.refuseFailingAddress(address);
    refuseGetWithBody(req);
    const method = signingMethodOf(req);
    let connector: ConnectorCredentials;
    try {
      connector = await verify[method](req, scope, deps.clock());
    } catch (error) {
      if (error instanceof HttpError && error.status < 500) await limits.recordFailure(address);
      throw error;
    }
    await limits.spend(connector.id);
    return { connectorId: connector.id, method };
  };
}

function signingMethodOf(req: IncomingMessage): SigningMethod {
  if (isTimestampedRequest(req)) return 'timestamped-signature';
  if (isAccessTokenRequest(req)) return 'oauth';
  return 'legacy-hmac';
}

function authorise(connector: ConnectorCredentials, method: SigningMethod, granted: readonly PartnerScope[], scope: PartnerScope): void {
  if (!connector.authMethods.includes(method)) {
    throw counted(connector.id, 'method_not_allowed', forbidden(`This connector may not sign requests with the ${method} method`));
  }
  if (!granted.includes(scope)) {
    const challenge: Record<string, string> = method === 'oauth' ? { 'WWW-Authenticate': `Bearer realm="IBA partner API", error="insufficient_scope", scope="${scope}"` } : {};
    const error = new HttpError(403, `This endpoint needs the scope ${scope}, which this ${method === 'oauth' ? 'access token' : 'connector'} does not have`, {}, challenge);
    throw counted(connector.id, 'missing_scope', error);
  }
}
