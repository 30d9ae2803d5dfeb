import { createHmac } from 'node:crypto';
import type supertest from 'supertest';

/**
 * Partner requests built exactly as the public page tells a partner to build them:
 * token = crypto.createHmac('SHA256', secret).update(JSON.stringify(body)).digest('hex'),
 * sent with a client-id header and the token in `token` or `Authorization`.
 */

export interface PartnerCredentials {
  clientId: string;
  secret: string;
}

export type ClientIdHeader = 'client-id' | 'clientid' | 'none';
export type TokenPlacement = 'token' | 'Authorization' | 'Authorization: Bearer' | 'none';

export interface SignOptions {
  /** Which header carries the client id (default `client-id`); 'none' leaves it out. */
  clientIdHeader?: ClientIdHeader;
  /** Where the token goes (default `Authorization`, as the page's examples send it); 'none' leaves it out. */
  tokenPlacement?: TokenPlacement;
  /** Send this exact text as the body (e.g. pretty-printed JSON) and sign it as sent. */
  rawBody?: string;
  /** Send this token instead of the computed one. */
  token?: string;
  /** Content-Type to send (default application/json). */
  contentType?: string;
}

type Agent = ReturnType<typeof supertest>;
type Test = ReturnType<Agent['post']>;

/** The page's token formula. */
export function partnerToken(secret: string, body: unknown): string {
  return createHmac('SHA256', secret).update(JSON.stringify(body)).digest('hex');
}

/** HMAC of a string signed as is (for bodies sent exactly as written). */
export function tokenForText(secret: string, text: string): string {
  return createHmac('SHA256', secret).update(text).digest('hex');
}

/** A signed POST of `body` (or of options.rawBody, signed as sent). */
export function signedPost(agent: Agent, credentials: PartnerCredentials, path: string, body: unknown, options: SignOptions = {}): Test {
  const token = options.token ?? (options.rawBody !== undefined ? tokenForText(credentials.secret, options.rawBody) : partnerToken(credentials.secret, body));
  const request = withHeaders(agent.post(path), credentials.clientId, token, options);
  request.set('Content-Type', options.contentType ?? 'application/json');
  return request.send(options.rawBody ?? JSON.stringify(body));
}

/**
 * A signed GET: the query travels in the URL and is signed as the JSON object the POST form would
 * send, e.g. ?member_id=60649 signs {"member_id":60649}.
 */
export function signedGet(
  agent: Agent,
  credentials: PartnerCredentials,
  path: string,
  query: Record<string, string | number>,
  options: SignOptions = {},
): Test {
  const token = options.token ?? partnerToken(credentials.secret, query);
  const search = new URLSearchParams(Object.entries(query).map(([key, value]): [string, string] => [key, String(value)])).toString();
  return withHeaders(agent.get(search ? `${path}?${search}` : path), credentials.clientId, token, options);
}

function withHeaders(request: Test, clientId: string, token: string, options: SignOptions): Test {
  const clientIdHeader = options.clientIdHeader ?? 'client-id';
  if (clientIdHeader !== 'none') request.set(clientIdHeader, clientId);
  switch (options.tokenPlacement ?? 'Authorization') {
    case 'token':
      request.set('token', token);
      break;
    case 'Authorization':
      request.set('Authorization', token);
      break;
    case 'Authorization: Bearer':
      request.set('Authorization', `Bearer ${token}`);
      break;
    case 'none':
      break;
  }
  return request;
}

/**
 * Headers for the timestamped signature, built exactly as the seed's Node sample builds them:
 * X-SIGNATURE = hex HMAC-SHA256(secret, JSON.stringify({body, query, url, ts})).
 */
export function timestampedHeaders(
  credentials: PartnerCredentials,
  request: { url: string; body?: unknown; query?: Record<string, string>; ts?: number },
): Record<string, string> {
  const ts = `${request.ts ?? Math.floor(Date.now() / 1000)}`;
  const payload = JSON.stringify({ body: request.body ?? {}, query: request.query ?? {}, url: request.url, ts });
  return { 'X-API-KEY': credentials.clientId, 'X-TIMESTAMP': ts, 'X-SIGNATURE': createHmac('sha256', credentials.secret).update(payload).digest('hex') };
}

/** A POST signed with the timestamped method (the body sent as JSON.stringify makes it). */
export function timestampedPost(agent: Agent, credentials: PartnerCredentials, path: string, body: unknown, ts?: number): Test {
  return agent.post(path).set(timestampedHeaders(credentials, { url: path, body, ts })).set('Content-Type', 'application/json').send(JSON.stringify(body));
}

/** A GET signed with the timestamped method: no body, the query as an object. */
export function timestampedGet(agent: Agent, credentials: PartnerCredentials, path: string, query: Record<string, string>, ts?: number): Test {
  const search = new URLSearchParams(query).toString();
  return agent.get(search ? `${path}?${search}` : path).set(timestampedHeaders(credentials, { url: path, query, ts }));
}
