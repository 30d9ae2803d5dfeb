import { z } from 'zod';
import { type OpenAPIRegistry, partnerFailureSchema } from '../http/openapi';
import { SIGNATURE_MESSAGES } from './legacy-signature';
import { PARTNER_PATHS } from './partner.routes';
import { createBookingSchema, getMemberSchema, memberViewSchema, partnerSuccessSchema, validatePinSchema } from './partner.schemas';
import { PARTNER_MESSAGES } from './partner.service';

const TAG = 'FuzeMetrix partner';

const SIGNING_RULES =
  'Every request carries two headers: `client-id` (legacy spelling `clientid` also accepted) and the token, in `token` ' +
  'or in `Authorization` (a `Bearer ` prefix is allowed). The token is the hex HMAC-SHA256 of the request body with ' +
  "the connector's secret: `crypto.createHmac('SHA256', clientSecret).update(JSON.stringify(requestBody)).digest('hex')`. " +
  'The server accepts the signature of the body bytes exactly as sent (so a pretty-printed body signed as sent passes) ' +
  'or of its compact JSON.stringify form.';

const GET_SIGNING_RULE =
  'A GET has no body: sign the query parameters as the JSON object the POST form would send, ' +
  '`JSON.stringify({"member_id": 60649})` for `?member_id=60649` (the string form `{"member_id":"60649"}` is accepted too). ' +
  'The token is therefore the same as for the POST with that body.';

const message = (text: string) => ({ value: { valid: false, message: text } });

function failures(extra: Record<string, { value: unknown }>) {
  return {
    400: {
      description: 'Missing client id or token header, or malformed JSON',
      content: {
        'application/json': {
          schema: partnerFailureSchema,
          examples: { missingClientId: message(SIGNATURE_MESSAGES.missingClientId), missingToken: message(SIGNATURE_MESSAGES.missingToken) },
        },
      },
    },
    403: {
      description: 'The token is not the HMAC of this body with the client secret',
      content: { 'application/json': { schema: partnerFailureSchema, examples: { wrongToken: message(SIGNATURE_MESSAGES.wrongToken) } } },
    },
    404: {
      description: 'No connector has this client id',
      content: { 'application/json': { schema: partnerFailureSchema, examples: { unknownClientId: message(SIGNATURE_MESSAGES.unknownClientId) } } },
    },
    415: {
      description: 'The body is not JSON',
      content: { 'application/json': { schema: partnerFailureSchema } },
    },
    422: {
      description: 'Validation failed or the request cannot be carried out',
      content: {
        'application/json': {
          schema: partnerFailureSchema,
          examples: { memberNotFound: message(PARTNER_MESSAGES.memberNotFound), ...extra },
        },
      },
    },
    500: { description: 'Server-side error', content: { 'application/json': { schema: partnerFailureSchema } } },
  };
}

const success = (text: string) => ({
  description: 'Success',
  content: { 'application/json': { schema: partnerSuccessSchema, example: { valid: true, message: text } } },
});

export function describePartnerRoutes(registry: OpenAPIRegistry): void {
  const clientId = registry.registerComponent('securitySchemes', 'PartnerClientId', {
    type: 'apiKey',
    in: 'header',
    name: 'client-id',
    description: 'The connector client id issued by IBA (legacy header name `clientid` is also accepted).',
  });
  const token = registry.registerComponent('securitySchemes', 'PartnerToken', {
    type: 'apiKey',
    in: 'header',
    name: 'token',
    description: `HMAC-SHA256 of the body. ${SIGNING_RULES}`,
  });
  const authorization = registry.registerComponent('securitySchemes', 'PartnerAuthorization', {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description: 'The same token in the Authorization header, as the page\'s examples send it (`Bearer <token>` also accepted).',
  });
  const security = [
    { [clientId.name]: [], [token.name]: [] },
    { [clientId.name]: [], [authorization.name]: [] },
  ];

  registry.registerPath({
    method: 'post',
    path: PARTNER_PATHS.validatePin,
    tags: [TAG],
    summary: "Validate a member's PIN at check-in",
    description:
      `${SIGNING_RULES}\n\nA PIN is 5 or 6 digits (a JSON string or number). After 5 wrong PINs within 15 minutes the ` +
      'member is locked for 15 minutes: every attempt, even with the right PIN, answers 429 until then.',
    security,
    request: { body: { required: true, content: { 'application/json': { schema: validatePinSchema } } } },
    responses: {
      200: success(PARTNER_MESSAGES.memberValidated),
      ...failures({ invalidPin: message(PARTNER_MESSAGES.invalidPin), missingFields: message('Missing required fields: member_id, member_pin'), invalidMemberId: message('Invalid member ID') }),
      429: {
        description: 'Too many wrong PINs for this member; the Retry-After header says for how many seconds',
        content: {
          'application/json': {
            schema: partnerFailureSchema.extend({ retryAfterSeconds: z.number().int() }),
            example: { valid: false, message: 'Too many invalid PIN attempts. Try again in 15 minutes', retryAfterSeconds: 900 },
          },
        },
      },
    },
  });

  const memberResponses = {
    200: { description: 'The member', content: { 'application/json': { schema: memberViewSchema } } },
    ...failures({ invalidMemberId: message('Invalid member ID') }),
  };

  registry.registerPath({
    method: 'post',
    path: PARTNER_PATHS.getMember,
    tags: [TAG],
    summary: "Read a member's data",
    description: `${SIGNING_RULES}\n\nDates are ISO 8601; total_flight_time is hours:minutes of the member's logbook.`,
    security,
    request: { body: { required: true, content: { 'application/json': { schema: getMemberSchema } } } },
    responses: memberResponses,
  });

  registry.registerPath({
    method: 'get',
    path: PARTNER_PATHS.getMember,
    tags: [TAG],
    summary: "Read a member's data (GET form)",
    description: `${SIGNING_RULES}\n\n${GET_SIGNING_RULE}`,
    security,
    request: { query: getMemberSchema },
    responses: memberResponses,
  });

  registry.registerPath({
    method: 'post',
    path: PARTNER_PATHS.createBooking,
    tags: [TAG],
    summary: 'Record a check-in (booking) at a wind tunnel',
    description:
      `${SIGNING_RULES}\n\nAll dates are Unix timestamps in seconds; tunnel_id is the FuzeMetrix tunnel id. ` +
      'One booking per purchase_id and connector: the same purchase again answers 422 "Booking already exits". ' +
      'A member with current flyer currency gets a logbook entry and an e-mail with a one-time link to correct the flight ' +
      'time; a member whose currency lapsed gets no entry and an e-mail saying recurrency is needed.',
    security,
    request: { body: { required: true, content: { 'application/json': { schema: createBookingSchema } } } },
    responses: {
      200: success(PARTNER_MESSAGES.bookingCreated),
      ...failures({
        tunnelNotFound: message(PARTNER_MESSAGES.tunnelNotFound),
        bookingExists: message(PARTNER_MESSAGES.bookingExists),
        millisecondDate: message('flight_date must be a Unix timestamp in seconds, not milliseconds'),
      }),
    },
  });
}
