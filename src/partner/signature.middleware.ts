import type { Request, RequestHandler, Response } from 'express';
import type { Clock } from '../clock';
import { unixSeconds } from '../clock';
import type { ConnectorCredentials } from '../connectors/connector-lookup.model';
import { tokenMatches } from '../connectors/hmac';
import type { Queryable } from '../db/pool';
import { HttpError, badRequest, forbidden, notFound } from '../http/errors';
import { countedSignatureFailure as counted } from '../metrics/metrics';
import { ConnectorCredentialsCache } from './connector-cache';

/** The page's messages, spelled exactly as partners already match on them. */
export const SIGNATURE_MESSAGES = {
  missingClientId: 'Please provide client id for access the data',
  missingToken: 'Please provide token to access the resource',
  unknownClientId: 'Client id does not match with data',
  wrongToken: 'Your token does not match',
} as const;

/**
 * The HMAC check in front of every partner route. The client id comes from `client-id` (or the
 * page's legacy `clientid`), the token from `token` (or `Authorization`, with or without `Bearer `).
 * The token must be the connector's HMAC of the body: either the bytes as received (so a
 * pretty-printed body signed as sent passes) or JSON.stringify of the parsed body (what the runbook
 * says the server signs). A GET carries no body, so it signs its query as the JSON object the POST
 * form would send: `?member_id=60649` signs `{"member_id":60649}` (`{"member_id":"60649"}` passes too).
 * While a rotated-out secret is inside its overlap, tokens made with it still pass.
 */
export function requirePartnerSignature(db: Queryable, clock: Clock): RequestHandler {
  const connectors = new ConnectorCredentialsCache(db);
  return async (req, res, next) => {
    const clientId = headerValue(req, 'client-id') ?? headerValue(req, 'clientid');
    if (!clientId) throw counted(null, 'missing_client_id', badRequest(SIGNATURE_MESSAGES.missingClientId));
    const token = headerValue(req, 'token') ?? bearerToken(headerValue(req, 'authorization'));
    if (!token) throw counted(null, 'missing_token', badRequest(SIGNATURE_MESSAGES.missingToken));

    rejectUnreadableBody(req);
    const lookup = await connectors.lookup(clientId);
    let connector = lookup.credentials;
    if (!connector) throw counted(null, 'unknown_client_id', notFound(SIGNATURE_MESSAGES.unknownClientId));

    const candidates = signedPayloads(req);
    const signs = (credentials: ConnectorCredentials) => activeSecrets(credentials, clock()).map((secret) => tokenMatches(token, secret, candidates)).includes(true);
    if (!signs(connector) && lookup.cached) {
      // the secret may have been rotated since it was cached: judge against the database's row
      connector = await connectors.refresh(clientId);
      if (!connector) throw counted(null, 'unknown_client_id', notFound(SIGNATURE_MESSAGES.unknownClientId));
      if (!signs(connector)) throw counted(connector.id, 'wrong_token', forbidden(SIGNATURE_MESSAGES.wrongToken));
    } else if (!signs(connector)) {
      throw counted(connector.id, 'wrong_token', forbidden(SIGNATURE_MESSAGES.wrongToken));
    }

    setConnectorId(res, connector.id);
    next();
  };
}

/** The connector a verified partner request came from; only valid after requirePartnerSignature. */
export function connectorIdOf(res: Response): number {
  const id: unknown = res.locals.connectorId;
  if (typeof id !== 'number') throw new Error('connectorIdOf used on a route without requirePartnerSignature');
  return id;
}

function setConnectorId(res: Response, id: number): void {
  res.locals.connectorId = id;
}

function headerValue(req: Request, name: string): string | undefined {
  const value = req.get(name)?.trim();
  return value ? value : undefined;
}

function bearerToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const token = authorization.replace(/^bearer(\s+|$)/i, '').trim();
  return token ? token : undefined;
}

/** The secret, and the previous one while its overlap lasts. */
function activeSecrets(connector: ConnectorCredentials, now: Date): string[] {
  const secrets = [connector.secret];
  if (connector.previousSecret && connector.previousSecretExpiresAt !== null && connector.previousSecretExpiresAt > unixSeconds(now)) {
    secrets.push(connector.previousSecret);
  }
  return secrets;
}

/** Every byte string the partner may have signed for this request. */
function signedPayloads(req: Request): Array<Buffer | string> {
  const payloads: Array<Buffer | string> = [];
  if (req.rawBody && req.rawBody.length > 0) {
    payloads.push(req.rawBody);
    const compact = JSON.stringify(req.body);
    // most partners send exactly what they signed, JSON.stringify's output: one HMAC is then enough
    if (compact !== undefined && compact !== req.rawBody.toString('utf8')) payloads.push(compact);
    return payloads;
  }
  if (req.method === 'GET' || req.method === 'HEAD') {
    const query = req.query as Record<string, unknown>;
    payloads.push(JSON.stringify(query), JSON.stringify(withIntegersAsNumbers(query)));
    return payloads;
  }
  payloads.push('');
  return payloads;
}

const DECIMAL_INTEGER = /^(0|[1-9][0-9]{0,14})$/;

function withIntegersAsNumbers(query: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(query).map(([key, value]) => [key, typeof value === 'string' && DECIMAL_INTEGER.test(value) ? Number(value) : value]),
  );
}

/**
 * A body the JSON parser did not read (a form, plain text) cannot be checked against its bytes; say
 * so instead of answering "Your token does not match" to a partner who signed it correctly.
 */
function rejectUnreadableBody(req: Request): void {
  const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
  if (hasBody && req.rawBody === undefined) {
    throw new HttpError(415, 'Request body must be JSON (Content-Type: application/json)');
  }
}
