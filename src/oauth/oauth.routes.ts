import { type Request, Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../app';
import { type OpenAPIRegistry } from '../http/openapi';
import { rateLimit } from '../http/rate-limit';
import type { SecretBox } from '../security/secret-box';
import { oauthError } from './oauth-errors';
import { type ClientCredentialsRequest, grantClientCredentials } from './oauth.service';

export const OAUTH_TOKEN_PATH = '/api/oauth/token';
const FORM = 'application/x-www-form-urlencoded';

/** The OAuth2 token endpoint for partners (client credentials grant, RFC 6749 §4.4). */
export function createOAuthRouter(deps: Pick<AppDeps, 'pool' | 'config' | 'clock'> & { secrets: SecretBox }): Router {
  const router = Router();
  // per client address, shared by every process: a partner needs a token every few minutes; guessing secrets needs many
  const limit = rateLimit(deps.pool, { name: 'oauth-token', perMinute: deps.config.RATE_LIMIT_OAUTH_TOKEN_PER_MINUTE });
  router.post(OAUTH_TOKEN_PATH, limit, async (req, res) => {
    const request = readTokenRequest(req);
    const answer = await grantClientCredentials(deps, request, deps.clock());
    res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' }).json(answer);
  });
  return router;
}

/** The grant request as RFC 6749 §4.4.2 and §2.3.1 define it, or the invalid_request/invalid_client it deserves. */
function readTokenRequest(req: Request): ClientCredentialsRequest {
  if (!req.is(FORM)) throw oauthError('invalid_request', `The request body must be ${FORM}`);
  const form = (req.body ?? {}) as Record<string, unknown>;
  const field = (name: string): string | undefined => {
    const value = form[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw oauthError('invalid_request', `${name} must be sent once`);
    return value;
  };
  const grantType = field('grant_type');
  if (!grantType) throw oauthError('invalid_request', 'grant_type is required');
  if (grantType !== 'client_credentials') throw oauthError('unsupported_grant_type', 'Only grant_type=client_credentials is supported');

  const basic = basicCredentials(req.get('authorization'));
  const bodyId = field('client_id');
  const bodySecret = field('client_secret');
  if (basic && bodySecret !== undefined) throw oauthError('invalid_request', 'Authenticate the client one way: HTTP Basic or client_id and client_secret in the body');
  if (basic && bodyId !== undefined && bodyId !== basic.clientId) throw oauthError('invalid_request', 'client_id in the body differs from the one in HTTP Basic');
  const clientId = basic?.clientId ?? bodyId;
  const clientSecret = basic?.clientSecret ?? bodySecret;
  if (!clientId || !clientSecret) throw oauthError('invalid_client', 'Client authentication failed: send client_id and client_secret');
  const unencoded = basic && (basic.raw.clientId !== clientId || basic.raw.clientSecret !== clientSecret) ? basic.raw : undefined;
  return { clientId, clientSecret, unencoded, scope: field('scope') };
}

/**
 * `Authorization: Basic base64(client_id:client_secret)`; null when the header is absent or another
 * scheme. RFC 6749 §2.3.1 has each part form-urlencoded first, but many clients (curl -u among them)
 * send them raw, and a base64 secret holds "+" and "/": both readings are offered to the check.
 */
function basicCredentials(authorization: string | undefined): { clientId: string; clientSecret: string; raw: { clientId: string; clientSecret: string } } | null {
  const match = /^\s*Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (!match) {
    if (/^\s*Basic\b/i.test(authorization ?? '')) throw oauthError('invalid_client', 'Malformed HTTP Basic credentials');
    return null;
  }
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw oauthError('invalid_client', 'Malformed HTTP Basic credentials');
  const raw = { clientId: decoded.slice(0, colon), clientSecret: decoded.slice(colon + 1) };
  const unescape = (part: string) => {
    try {
      return decodeURIComponent(part.replace(/\+/g, ' '));
    } catch {
      return part;
    }
  };
  return { clientId: unescape(raw.clientId), clientSecret: unescape(raw.clientSecret), raw };
}

const oauthFailure = z
  .object({ error: z.string(), error_description: z.string() })
  .openapi('OAuthError', { example: { error: 'invalid_client', error_description: 'Client authentication failed' } });

export const tokenRequestSchema = z
  .object({
    grant_type: z.literal('client_credentials'),
    client_id: z.string().optional().openapi({ description: 'The connector client id (or send it with client_secret as HTTP Basic)' }),
    client_secret: z.string().optional().openapi({ description: "The connector's secret" }),
    scope: z.string().optional().openapi({ description: 'Space-separated: `members:read` and/or `bookings:write`; none asks for every scope the connector may hold', example: 'members:read bookings:write' }),
  })
  .openapi('TokenRequest');

const tokenResponseSchema = z
  .object({ access_token: z.string(), token_type: z.literal('Bearer'), expires_in: z.number().int(), scope: z.string() })
  .openapi('TokenResponse', { example: { access_token: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9…', token_type: 'Bearer', expires_in: 300, scope: 'members:read bookings:write' } });

export function describeOAuthRoutes(registry: OpenAPIRegistry): void {
  registry.registerComponent('securitySchemes', 'PartnerClientBasic', {
    type: 'http',
    scheme: 'basic',
    description: 'client_id and client_secret of the connector as HTTP Basic (each form-urlencoded first, RFC 6749 §2.3.1)',
  });
  const tag = registry.registerTag('OAuth', 'Access tokens for partners (OAuth2 client credentials, RFC 6749 §4.4), an alternative to signing every request.');
  const failure = (description: string) => ({ description, content: { 'application/json': { schema: oauthFailure } } });
  registry.registerPath({
    method: 'post',
    path: OAUTH_TOKEN_PATH,
    operationId: 'getAccessToken',
    tags: [tag],
    summary: 'Get a partner access token (OAuth2 client credentials)',
    description:
      'The connector authenticates with its client id and secret, in the body or as HTTP Basic, and gets an HS256 JWT ' +
      'access token (5 minutes by default) for the scopes it asked for. Send it to the partner routes as ' +
      '`Authorization: Bearer <access_token>` without a client-id header. Rotating the secret, changing the ' +
      "connector's access or deleting it makes its tokens stop working at once.",
    // the client authenticates with HTTP Basic or with client_id and client_secret in the form (no scheme)
    security: [{ PartnerClientBasic: [] }, {}],
    request: { body: { required: true, content: { [FORM]: { schema: tokenRequestSchema } } } },
    responses: {
      200: { description: 'The access token (Cache-Control: no-store)', content: { 'application/json': { schema: tokenResponseSchema } } },
      400: failure('invalid_request, invalid_scope, unauthorized_client or unsupported_grant_type'),
      401: failure('invalid_client: unknown client id or wrong secret'),
      429: {
        ...failure('temporarily_unavailable: too many token requests from this address (RATE_LIMIT_OAUTH_TOKEN_PER_MINUTE)'),
        headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } },
      },
    },
  });
}
