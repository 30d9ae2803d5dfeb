import { createHmac } from 'node:crypto';
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './partner-api';

/**
 * A typed client for the IBA FuzeMetrix partner API: openapi-fetch over the types openapi-typescript
 * generates from IBA's OpenAPI document (partner-api.d.ts), with one signing middleware per method
 * IBA accepts (docs/partners.md). Paths, bodies, query parameters and answers are checked by the
 * TypeScript compiler; the middleware signs each request just before it is sent.
 *
 *   const iba = createPartnerClient({ baseUrl, clientId, clientSecret, method: 'timestamped-signature' });
 *   const { data, error } = await iba.POST('/api/external/fuse-metrix/validate-pin', {
 *     body: { member_id: 60649, member_pin: '67510' },
 *   });
 *   // data: { valid: true, message: 'Member validated successfully' }; error: { valid: false, message: 'Invalid PIN' } on a 422
 */

export interface PartnerCredentials {
  clientId: string;
  clientSecret: string;
}

export type SigningMethod = 'timestamped-signature' | 'oauth' | 'legacy-hmac';

export interface PartnerClientOptions extends PartnerCredentials {
  /** Where the API lives, without a path: https://api.tunnelflight.com (or http://localhost:3000). */
  baseUrl: string;
  method: SigningMethod;
  /** OAuth only: the scopes to ask for (space-separated); none asks for all your connector may hold. */
  scope?: string;
}

export function createPartnerClient(options: PartnerClientOptions) {
  const client = createClient<paths>({ baseUrl: options.baseUrl });
  client.use(signingMiddleware(options));
  return client;
}

export type PartnerClient = ReturnType<typeof createPartnerClient>;

export function signingMiddleware(options: PartnerClientOptions): Middleware {
  switch (options.method) {
    case 'timestamped-signature':
      return timestampedSignature(options);
    case 'oauth':
      return oauthClientCredentials(options);
    case 'legacy-hmac':
      return legacyHmac(options);
  }
}

const hmacHex = (secret: string, text: string) => createHmac('sha256', secret).update(text, 'utf8').digest('hex');

/**
 * Recommended. X-API-KEY (your client id), X-TIMESTAMP (Unix seconds) and X-SIGNATURE, the hex
 * HMAC-SHA256 of JSON.stringify({body, query, url, ts}): the JSON body ({} without one), the query as
 * an object of strings, the path, the timestamp as a string. IBA accepts each signature once and
 * within 300 s of its clock, so every call (a retry too) is signed anew; two identical calls in the
 * same second have the same signature, and the second is refused.
 */
export function timestampedSignature({ clientId, clientSecret }: PartnerCredentials, now: () => number = Date.now): Middleware {
  return {
    async onRequest({ request }) {
      const url = new URL(request.url);
      const text = await request.clone().text();
      const ts = String(Math.floor(now() / 1000));
      const payload = JSON.stringify({ body: text ? JSON.parse(text) : {}, query: Object.fromEntries(url.searchParams), url: url.pathname, ts });
      request.headers.set('X-API-KEY', clientId);
      request.headers.set('X-TIMESTAMP', ts);
      request.headers.set('X-SIGNATURE', hmacHex(clientSecret, payload));
      return request;
    },
  };
}

/**
 * OAuth2 client credentials: an access token from POST /api/oauth/token, sent as
 * `Authorization: Bearer` until shortly before it expires (5 minutes). A 401 drops it, so the next
 * call gets a new one (IBA revokes tokens when it rotates your secret or changes your access).
 */
export function oauthClientCredentials(
  { baseUrl, clientId, clientSecret, scope }: PartnerCredentials & { baseUrl: string; scope?: string },
  now: () => number = Date.now,
): Middleware {
  const tokenEndpoint = createClient<paths>({ baseUrl });
  let cached: { accessToken: string; renewAt: number } | undefined;

  async function accessToken(): Promise<string> {
    if (cached && now() < cached.renewAt) return cached.accessToken;
    const { data, error } = await tokenEndpoint.POST('/api/oauth/token', {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, ...(scope ? { scope } : {}) },
      bodySerializer: (form) => new URLSearchParams(form as Record<string, string>).toString(),
    });
    if (!data) throw new Error(`IBA refused an access token: ${error?.error}: ${error?.error_description}`);
    cached = { accessToken: data.access_token, renewAt: now() + (data.expires_in - 30) * 1000 };
    return data.access_token;
  }

  return {
    async onRequest({ request }) {
      request.headers.set('Authorization', `Bearer ${await accessToken()}`);
      return request;
    },
    onResponse({ response }) {
      if (response.status === 401) cached = undefined;
    },
  };
}

/**
 * The public page's scheme: `client-id` and `Authorization` = hex HMAC-SHA256 of the JSON body. A GET
 * (get-member?member_id=…) signs its query as the JSON object the POST would send. It has no
 * timestamp, so a captured request can be replayed: prefer the timestamped signature.
 */
export function legacyHmac({ clientId, clientSecret }: PartnerCredentials): Middleware {
  return {
    async onRequest({ request, params }) {
      const signed = request.method === 'GET' ? JSON.stringify(params.query ?? {}) : await request.clone().text();
      request.headers.set('client-id', clientId);
      request.headers.set('Authorization', hmacHex(clientSecret, signed));
      return request;
    },
  };
}
