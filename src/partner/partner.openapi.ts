import { z } from 'zod';
import { type OpenAPIRegistry, partnerFailureSchema } from '../http/openapi';
import { OAUTH_TOKEN_PATH } from '../oauth/oauth.routes';
import { SIGNATURE_MESSAGES } from './legacy-signature';
import { PARTNER_PATHS } from './partner.routes';
import { createBookingSchema, getMemberSchema, memberViewSchema, partnerSuccessSchema, validatePinSchema } from './partner.schemas';
import { PARTNER_MESSAGES } from './partner.service';
import { GET_WITH_BODY } from './signed-body';
import { TIMESTAMPED_MESSAGES } from './timestamped-signature';

const SIGNING_RULES =
  'Sign every request in one of three ways (see docs/partners.md); IBA may enable fewer for a connector.\n\n' +
  '1. **Timestamped signature**: `X-API-KEY` (the client id), `X-TIMESTAMP` (Unix seconds, within 300 s of the server ' +
  'clock) and `X-SIGNATURE`, the hex HMAC-SHA256 with the secret of `JSON.stringify({body, query, url, ts})`: the JSON ' +
  'body (`{}` without one), the query parameters as an object, the path and X-TIMESTAMP as a string. Each signature is ' +
  'accepted once.\n' +
  `2. **OAuth2**: \`Authorization: Bearer <access token>\` from \`POST ${OAUTH_TOKEN_PATH}\` (client credentials), no client-id header.\n` +
  '3. **Legacy body HMAC** (the public page): `client-id` (or `clientid`) and the token in `token` or `Authorization` ' +
  "(a `Bearer ` prefix is allowed): `crypto.createHmac('SHA256', clientSecret).update(JSON.stringify(requestBody)).digest('hex')`. " +
  'The signature of the body bytes exactly as sent passes too.';

const GET_SIGNING_RULE =
  'A GET carries no body (one that does is refused with 400) and is answered from its query alone. With the legacy HMAC, ' +
  'sign the query as the JSON object the POST form would send, `JSON.stringify({"member_id": 60649})` for ' +
  '`?member_id=60649` (the string form `{"member_id":"60649"}` is accepted too): the token is the same as for the POST. ' +
  'With the timestamped signature, `query` is `{"member_id":"60649"}` and `body` is `{}`.';

const message = (text: string) => ({ value: { valid: false, message: text } });
const failure = (description: string, examples?: Record<string, { value: unknown }>, headers?: Record<string, { description: string; schema: { type: 'integer' | 'string' } }>) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema: partnerFailureSchema, ...(examples ? { examples } : {}) } },
});
const retryAfter = { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' as const } } };

function failures(unprocessable: Record<string, { value: unknown }>) {
  return {
    400: failure('Missing client id or token header (legacy), malformed JSON, or a GET that carries a body', {
      missingClientId: message(SIGNATURE_MESSAGES.missingClientId),
      missingToken: message(SIGNATURE_MESSAGES.missingToken),
      getWithBody: message(GET_WITH_BODY),
    }),
    401: failure('Timestamped signature or access token refused; the message says which part failed', {
      missingSignature: message(TIMESTAMPED_MESSAGES.missingSignature),
      outsideWindow: message(TIMESTAMPED_MESSAGES.outsideWindow(300)),
      wrongSignature: message(TIMESTAMPED_MESSAGES.wrongSignature),
      replayed: message(TIMESTAMPED_MESSAGES.replayed),
      expiredToken: message('Access token has expired'),
    }),
    403: failure('The legacy token is not the HMAC of this body, or the connector may not use this method or scope', {
      wrongToken: message(SIGNATURE_MESSAGES.wrongToken),
      methodDisabled: message('This connector may not sign requests with the legacy-hmac method'),
      missingScope: message('This endpoint needs the scope bookings:write, which this access token does not have'),
    }),
    404: failure('No connector has this client id (legacy)', { unknownClientId: message(SIGNATURE_MESSAGES.unknownClientId) }),
    413: failure('The body is over 100 kB'),
    415: failure('The body is not JSON'),
    422: failure('Validation failed or the request cannot be carried out', { memberNotFound: message(PARTNER_MESSAGES.memberNotFound), ...unprocessable }),
    429: tooMany('Too many requests from this connector (PARTNER_RATE_LIMIT_PER_MINUTE), or too many failed signatures from this address; Retry-After says when to come back'),
    500: failure('Server-side error'),
    503: failure('The service is briefly unavailable (database); retry after Retry-After seconds, signed anew', undefined, retryAfter),
  };
}

/** 429: the PIN lockout, the connector's own rate limit or an address failing signatures; all say when to come back. */
const tooManyRequestsSchema = z
  .object({
    valid: z.literal(false),
    message: z.string(),
    retryAfterSeconds: z.number().int().openapi({ description: 'Seconds to wait before retrying (as in Retry-After)' }),
  })
  .openapi('PartnerTooManyRequests', { example: { valid: false, message: 'Too many invalid PIN attempts. Try again in 15 minutes', retryAfterSeconds: 900 } });

const tooManyExample = (text: string, seconds: number) => ({ value: { valid: false, message: text, retryAfterSeconds: seconds } });

function tooMany(description: string, pinLockout = false) {
  return {
    description,
    headers: retryAfter,
    content: {
      'application/json': {
        schema: tooManyRequestsSchema,
        examples: {
          ...(pinLockout ? { pinLockout: tooManyExample('Too many invalid PIN attempts. Try again in 15 minutes', 900) } : {}),
          connectorLimit: tooManyExample('Too many requests from this connector: try again in 12 seconds', 12),
        },
      },
    },
  };
}

const success = (text: string) => ({
  description: 'Success',
  content: { 'application/json': { schema: partnerSuccessSchema, example: { valid: true, message: text } } },
});

function registerSecuritySchemes(registry: OpenAPIRegistry) {
  const apiKeyHeader = (id: string, name: string, description: string) =>
    registry.registerComponent('securitySchemes', id, { type: 'apiKey', in: 'header', name, description }).name;
  const clientId = apiKeyHeader('PartnerClientId', 'client-id', 'Legacy HMAC: the connector client id issued by IBA.');
  const legacyClientId = apiKeyHeader('PartnerLegacyClientId', 'clientid', 'Legacy HMAC: the client id in the old header spelling the public page also uses (`clientid`, no hyphen).');
  const token = apiKeyHeader('PartnerToken', 'token', 'Legacy HMAC: the hex HMAC-SHA256 of the body with the connector secret.');
  const authorization = apiKeyHeader('PartnerAuthorization', 'Authorization', "Legacy HMAC: the same token in the Authorization header, as the page's examples send it.");
  const apiKey = apiKeyHeader('PartnerApiKey', 'X-API-KEY', 'Timestamped signature: the connector client id.');
  const timestamp = apiKeyHeader('PartnerTimestamp', 'X-TIMESTAMP', 'Timestamped signature: Unix time in seconds, within 300 s of the server clock.');
  const signature = apiKeyHeader('PartnerSignature', 'X-SIGNATURE', 'Timestamped signature: hex HMAC-SHA256 of JSON.stringify({body, query, url, ts}).');
  const oauth = registry.registerComponent('securitySchemes', 'PartnerOAuth', {
    type: 'oauth2',
    description: 'OAuth2 client credentials: an access token from the token endpoint, sent as Authorization: Bearer.',
    flows: {
      clientCredentials: {
        tokenUrl: OAUTH_TOKEN_PATH,
        scopes: { 'members:read': 'validate-pin and get-member', 'bookings:write': 'create-booking' },
      },
    },
  }).name;
  return (scope: string) => [
    { [apiKey]: [], [timestamp]: [], [signature]: [] },
    { [oauth]: [scope] },
    { [clientId]: [], [token]: [] },
    { [clientId]: [], [authorization]: [] },
    { [legacyClientId]: [], [token]: [] },
    { [legacyClientId]: [], [authorization]: [] },
  ];
}

export function describePartnerRoutes(registry: OpenAPIRegistry): void {
  const tag = registry.registerTag(
    'FuzeMetrix partner',
    'The endpoints FuzeMetrix calls at check-in: validate a PIN, read a member, record a booking. Every request is signed (see docs/partners.md).',
  );
  const securityFor = registerSecuritySchemes(registry);
  const readMembers = securityFor('members:read');

  registry.registerPath({
    method: 'post',
    path: PARTNER_PATHS.validatePin,
    operationId: 'validatePin',
    tags: [tag],
    summary: "Validate a member's PIN at check-in",
    description:
      `${SIGNING_RULES}\n\nA PIN is 5 or 6 digits (a JSON string or number); anything else is a wrong PIN ("Invalid PIN"). ` +
      'After 5 wrong PINs within 15 minutes the member is locked for 15 minutes: every attempt, even with the right PIN, answers 429 until then.',
    security: readMembers,
    request: { body: { required: true, content: { 'application/json': { schema: validatePinSchema } } } },
    responses: {
      200: success(PARTNER_MESSAGES.memberValidated),
      ...failures({ invalidPin: message(PARTNER_MESSAGES.invalidPin), missingFields: message('Missing required fields: member_id, member_pin'), invalidMemberId: message('Invalid member ID') }),
      429: tooMany(
        'Too many wrong PINs for this member (5 within 15 minutes lock it for 15 minutes), too many requests from this connector, ' +
          'or too many failed signatures from this address; Retry-After says for how many seconds',
        true,
      ),
    },
  });

  const memberResponses = {
    200: { description: 'The member', content: { 'application/json': { schema: memberViewSchema } } },
    ...failures({ invalidMemberId: message('Invalid member ID') }),
  };

  registry.registerPath({
    method: 'post',
    path: PARTNER_PATHS.getMember,
    operationId: 'getMember',
    tags: [tag],
    summary: "Read a member's data",
    description: `${SIGNING_RULES}\n\nDates are ISO 8601; total_flight_time is hours:minutes of the member's logbook.`,
    security: readMembers,
    request: { body: { required: true, content: { 'application/json': { schema: getMemberSchema } } } },
    responses: memberResponses,
  });

  registry.registerPath({
    method: 'get',
    path: PARTNER_PATHS.getMember,
    operationId: 'getMemberByQuery',
    tags: [tag],
    summary: "Read a member's data (GET form)",
    description: `${SIGNING_RULES}\n\n${GET_SIGNING_RULE}`,
    security: readMembers,
    request: { query: getMemberSchema },
    responses: memberResponses,
  });

  registry.registerPath({
    method: 'post',
    path: PARTNER_PATHS.createBooking,
    operationId: 'createBooking',
    tags: [tag],
    summary: 'Record a check-in (booking) at a wind tunnel',
    description:
      `${SIGNING_RULES}\n\nAll dates are Unix timestamps in seconds; tunnel_id is the FuzeMetrix tunnel id. flight_date must lie ` +
      'within 7 days before and 1 day after the server clock, checkin_time within a day of flight_date, purchase_date between ' +
      '366 days before and a day after it. One booking per purchase_id for FuzeMetrix as a whole, whichever connector sends it: ' +
      'the same purchase again answers 422 "Booking already exits". A member with current flyer currency gets a logbook entry ' +
      'and an e-mail with a one-time link to correct the flight time; a member whose currency lapsed gets no entry and an ' +
      'e-mail saying recurrency is needed.',
    security: securityFor('bookings:write'),
    request: { body: { required: true, content: { 'application/json': { schema: createBookingSchema } } } },
    responses: {
      200: success(PARTNER_MESSAGES.bookingCreated),
      ...failures({
        tunnelNotFound: message(PARTNER_MESSAGES.tunnelNotFound),
        bookingExists: message(PARTNER_MESSAGES.bookingExists),
        millisecondDate: message('flight_date must be a Unix timestamp in seconds, not milliseconds'),
        flightOutsideWindow: message('flight_date must be within 7 days before and 1 day after the current time'),
      }),
    },
  });
}
