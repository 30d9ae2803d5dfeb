import type { IncomingMessage } from 'node:http';
import { activeSecrets } from '../connectors/active-secrets';
import type { ConnectorCredentials } from '../connectors/connector-lookup.model';
import { tokenMatches } from '../connectors/hmac';
import { headerOf, queryOf } from '../http/check-in-lane';
import { badRequest, forbidden, notFound } from '../http/errors';
import { countedSignatureFailure as counted } from '../metrics/metrics';
import type { ConnectorCredentialsCache } from './connector-cache';
import { refuseUnparsedBody } from './signed-body';

/** The page's messages, spelled exactly as partners already match on them. */
export const SIGNATURE_MESSAGES = {
  missingClientId: 'Please provide client id for access the data',
  missingToken: 'Please provide token to access the resource',
  unknownClientId: 'Client id does not match with data',
  wrongToken: 'Your token does not match',
} as const;

/**
 * The public page's check: the client id comes from `client-id` (or the legacy `clientid`), the
 * token from `token` (or `Authorization`, with or without `Bearer `). The token must be the
 * connector's HMAC of the body: the bytes as received (so a pretty-printed body signed as sent
 * passes) or JSON.stringify of the parsed body (what the runbook says the server signs). A GET has no
 * body (one that carries a body was refused before), so it signs its query as the JSON object the
 * POST form would send: `?member_id=60649` signs `{"member_id":60649}` (`{"member_id":"60649"}` too).
 * Checks in the page's order: no client id 400, no token 400, unknown client id 404, wrong token 403.
 */
export async function checkLegacySignature(req: IncomingMessage, connectors: ConnectorCredentialsCache, now: Date): Promise<ConnectorCredentials> {
  const clientId = headerValue(req, 'client-id') ?? headerValue(req, 'clientid');
  if (!clientId) throw counted(null, 'missing_client_id', badRequest(SIGNATURE_MESSAGES.missingClientId));
  const token = headerValue(req, 'token') ?? bearerToken(headerValue(req, 'authorization'));
  if (!token) throw counted(null, 'missing_token', badRequest(SIGNATURE_MESSAGES.missingToken));
  refuseUnparsedBody(req);

  const candidates = signedPayloads(req);
  const signs = (connector: ConnectorCredentials) => activeSecrets(connector, now).some((secret) => tokenMatches(token, secret, candidates));
  const found = await connectors.findSigner(clientId, signs);
  if (!found) throw counted(null, 'unknown_client_id', notFound(SIGNATURE_MESSAGES.unknownClientId));
  if (!found.signed) throw counted(found.connector.id, 'wrong_token', forbidden(SIGNATURE_MESSAGES.wrongToken));
  return found.connector;
}

/** A header's value without surrounding blanks; undefined when absent or blank. */
export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = headerOf(req, name)?.trim();
  return value ? value : undefined;
}

function bearerToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const token = authorization.replace(/^bearer(\s+|$)/i, '').trim();
  return token ? token : undefined;
}

/** Every byte string the partner may have signed for this request. */
function signedPayloads(req: IncomingMessage): Array<Buffer | string> {
  if (req.method === 'GET' || req.method === 'HEAD') {
    const query = queryOf(req);
    return [JSON.stringify(query), JSON.stringify(withIntegersAsNumbers(query))];
  }
  if (!req.rawBody || req.rawBody.length === 0) return [''];
  const compact = JSON.stringify(req.body);
  // most partners send exactly what they signed, JSON.stringify's output: one HMAC is then enough
  return compact === undefined || compact === req.rawBody.toString('utf8') ? [req.rawBody] : [req.rawBody, compact];
}

const DECIMAL_INTEGER = /^(0|[1-9][0-9]{0,14})$/;

function withIntegersAsNumbers(query: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(query).map(([key, value]) => [key, typeof value === 'string' && DECIMAL_INTEGER.test(value) ? Number(value) : value]),
  );
}
