import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { unixSeconds } from '../clock';
import { activeSecrets } from '../connectors/active-secrets';
import type { ConnectorCredentials } from '../connectors/connector-lookup.model';
import { headerOf, pathOf, queryOf } from '../http/check-in-lane';
import { HttpError } from '../http/errors';
import { countedSignatureFailure as counted, type SignatureFailureReason } from '../metrics/metrics';
import type { ConnectorCredentialsCache } from './connector-cache';
import { headerValue } from './legacy-signature';

/**
 * The timestamped signature partners know from other booking back-ends: X-API-KEY (the client id),
 * X-TIMESTAMP (Unix seconds) and X-SIGNATURE, the hex HMAC-SHA256 with the connector's secret of
 * JSON.stringify({body, query, url, ts}) in that key order: the parsed JSON body ({} without one),
 * the query parameters as an object, the path without host or query, and X-TIMESTAMP as a string.
 * It binds the route, the query and the time, so a captured request cannot be sent elsewhere, and
 * each signature is accepted once (the caller records it).
 */
export const TIMESTAMPED_MESSAGES = {
  missingApiKey: 'Missing X-API-KEY header',
  missingTimestamp: 'Missing X-TIMESTAMP header',
  missingSignature: 'Missing X-SIGNATURE header',
  malformedTimestamp: 'X-TIMESTAMP must be Unix time in seconds',
  unknownApiKey: 'X-API-KEY is not a known client id',
  wrongSignature: 'X-SIGNATURE does not match this request',
  replayed: 'X-SIGNATURE has already been used: sign every request anew',
  outsideWindow: (windowSeconds: number) => `X-TIMESTAMP is more than ${windowSeconds} seconds away from the server time`,
} as const;

export interface SignedRequestParts {
  body: unknown;
  query: unknown;
  url: string;
  ts: string;
}

/** The payload a partner signs, exactly as the seed's Node sample builds it. */
export function timestampedPayload(parts: SignedRequestParts): string {
  return JSON.stringify({ body: parts.body, query: parts.query, url: parts.url, ts: parts.ts });
}

export function signTimestamped(secret: string, parts: SignedRequestParts): string {
  return createHmac('sha256', secret).update(timestampedPayload(parts), 'utf8').digest('hex');
}

export function isTimestampedRequest(req: IncomingMessage): boolean {
  return headerOf(req, 'x-api-key') !== undefined || headerOf(req, 'x-timestamp') !== undefined || headerOf(req, 'x-signature') !== undefined;
}

/** A refusal before the connector is known: counted against no connector (the key is the caller's to choose). */
const refused = (reason: SignatureFailureReason, message: string) => counted(null, reason, new HttpError(401, message));
const TIMESTAMP = /^[0-9]{1,12}$/;
const SIGNATURE = /^[0-9a-fA-F]{64}$/;

export interface TimestampedVerdict {
  connector: ConnectorCredentials;
  /** The signature's bytes, to record as used. */
  signature: Buffer;
  /** Until when the same signature could still be accepted (its timestamp plus the window). */
  replayableUntil: Date;
}

/** Checks headers, time window and signature, in that order; the replay check is the caller's. */
export async function checkTimestampedSignature(
  req: IncomingMessage,
  connectors: ConnectorCredentialsCache,
  windowSeconds: number,
  now: Date,
): Promise<TimestampedVerdict> {
  const apiKey = headerValue(req, 'x-api-key');
  if (!apiKey) throw refused('missing_header', TIMESTAMPED_MESSAGES.missingApiKey);
  const ts = headerValue(req, 'x-timestamp');
  if (!ts) throw refused('missing_header', TIMESTAMPED_MESSAGES.missingTimestamp);
  const signatureHex = headerValue(req, 'x-signature');
  if (!signatureHex) throw refused('missing_header', TIMESTAMPED_MESSAGES.missingSignature);
  if (!TIMESTAMP.test(ts)) throw refused('timestamp_outside_window', TIMESTAMPED_MESSAGES.malformedTimestamp);
  const signedAt = Number(ts);
  if (Math.abs(unixSeconds(now) - signedAt) > windowSeconds) throw refused('timestamp_outside_window', TIMESTAMPED_MESSAGES.outsideWindow(windowSeconds));

  const signature = SIGNATURE.test(signatureHex) ? Buffer.from(signatureHex, 'hex') : null;
  const parts: SignedRequestParts = { body: req.body ?? {}, query: queryOf(req), url: pathOf(req), ts };
  const signs = (connector: ConnectorCredentials) =>
    signature !== null && activeSecrets(connector, now).some((secret) => timingSafeEqual(Buffer.from(signTimestamped(secret, parts), 'hex'), signature));
  const found = await connectors.findSigner(apiKey, signs);
  if (!found) throw refused('unknown_client_id', TIMESTAMPED_MESSAGES.unknownApiKey);
  if (!found.signed || !signature) throw counted(found.connector.id, 'wrong_signature', new HttpError(401, TIMESTAMPED_MESSAGES.wrongSignature));
  return { connector: found.connector, signature, replayableUntil: new Date((signedAt + windowSeconds) * 1000) };
}
