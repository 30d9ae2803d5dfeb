import { z } from 'zod';
import '../http/openapi';

/**
 * The partner bodies, used both to check requests and to describe them in the OpenAPI document.
 * Field order is the page's body order: "Missing required fields" lists them in that order.
 * JSON clients often send numbers as strings ("60649") and PINs as numbers (67510): both are
 * accepted where the meaning is unambiguous.
 */

export const INVALID_MEMBER_ID = 'Invalid member ID';

/** Unix seconds of 3000-01-01: anything larger is a timestamp in milliseconds sent by mistake. */
export const MAX_UNIX_SECONDS = 32_503_680_000;
const MAX_MINUTES_BOOKED = 1440;
const MAX_INT_UNSIGNED = 4_294_967_295;

const INTEGER_TEXT = /^\s*-?\d+\s*$/;

/** "60649" → 60649; anything else is left for the schema to judge. */
function integerFromText(value: unknown): unknown {
  return typeof value === 'string' && INTEGER_TEXT.test(value) ? Number(value) : value;
}

/** 67510 → "67510" (a PIN sent as a JSON number); " 67510 " → "67510". */
function pinText(value: unknown): unknown {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  return typeof value === 'string' ? value.trim() : value;
}

function wholeNumber(field: string, min: number, max: number, message = `${field} must be a whole number from ${min} to ${max}`) {
  const error = { error: message };
  return z.preprocess(integerFromText, z.number(error).int(error).min(min, error).max(max, error));
}

const memberId = () =>
  wholeNumber('member_id', 1, MAX_INT_UNSIGNED, INVALID_MEMBER_ID).openapi({
    type: 'integer',
    minimum: 1,
    maximum: MAX_INT_UNSIGNED,
    example: 60649,
    description: 'IBA member id (a numeric string is accepted too)',
  });

const positiveId = (field: string, example: number, description: string) =>
  wholeNumber(field, 1, Number.MAX_SAFE_INTEGER, `${field} must be a positive whole number`).openapi({ type: 'integer', minimum: 1, example, description });

const unixSeconds = (field: string, example: number, description: string) => {
  const seconds = { error: `${field} must be a Unix timestamp in seconds` };
  return z
    .preprocess(
      integerFromText,
      z
        .number(seconds)
        .int(seconds)
        .min(1, seconds)
        .max(MAX_UNIX_SECONDS, { error: `${field} must be a Unix timestamp in seconds, not milliseconds` }),
    )
    .openapi({ type: 'integer', minimum: 1, maximum: MAX_UNIX_SECONDS, example, description: `${description} (Unix timestamp in seconds)` });
};

/**
 * Any text (or a JSON number) is a PIN guess: one of the wrong length or with letters is simply a
 * wrong PIN, answered with the page's "Invalid PIN" and counted towards the lockout like any other.
 */
export const validatePinSchema = z
  .object({
    member_id: memberId(),
    member_pin: z.preprocess(pinText, z.string({ error: 'Invalid PIN' })).openapi({
      type: 'string',
      example: '67510',
      description: "The member's 5 or 6 digit PIN (a JSON number is accepted too); anything else is a wrong PIN",
    }),
  })
  .openapi('ValidatePinRequest', { example: { member_id: 60649, member_pin: '67510' } });

export const getMemberSchema = z
  .object({ member_id: memberId() })
  .openapi('GetMemberRequest', { example: { member_id: 60649 } });

export const createBookingSchema = z
  .object({
    member_id: memberId(),
    purchase_id: positiveId('purchase_id', 215312, 'FuzeMetrix purchase id; one booking per purchase'),
    purchase_date: unixSeconds('purchase_date', 1744131450, 'When the flight time was purchased'),
    flight_date: unixSeconds('flight_date', 1744098000, 'When the member flies'),
    minutes_booked: wholeNumber('minutes_booked', 1, MAX_MINUTES_BOOKED).openapi({
      type: 'integer',
      minimum: 1,
      maximum: MAX_MINUTES_BOOKED,
      example: 9,
      description: 'Minutes of tunnel time booked',
    }),
    product_id: positiveId('product_id', 12893, 'FuzeMetrix product id'),
    tunnel_id: wholeNumber('tunnel_id', 1, MAX_INT_UNSIGNED, 'tunnel_id must be a positive whole number').openapi({
      type: 'integer',
      minimum: 1,
      example: 25,
      description: 'The FuzeMetrix tunnel id (not the IBA tunnel id)',
    }),
    checkin_time: unixSeconds('checkin_time', 1744098000, 'When the member checked in'),
  })
  .openapi('CreateBookingRequest', {
    example: {
      member_id: 60649,
      purchase_id: 215312,
      purchase_date: 1744131450,
      flight_date: 1744098000,
      minutes_booked: 9,
      product_id: 12893,
      tunnel_id: 25,
      checkin_time: 1744098000,
    },
  });

export type ValidatePinInput = z.output<typeof validatePinSchema>;
export type GetMemberInput = z.output<typeof getMemberSchema>;
export type CreateBookingInput = z.output<typeof createBookingSchema>;

export const partnerSuccessSchema = z.object({ valid: z.literal(true), message: z.string() });

export const memberViewSchema = z
  .object({
    valid: z.literal(true),
    member_id: z.number().int(),
    date_of_birth: z.string().nullable().openapi({ format: 'date-time' }),
    screen_name: z.string(),
    role_name: z.string(),
    real_name: z.string(),
    tunnel_name: z.string().nullable().openapi({ description: "The member's home tunnel" }),
    is_coach: z.boolean(),
    paymentStatus: z.string(),
    total_flight_time: z.string().openapi({ description: 'Sum of the logbook, hours:minutes' }),
    last_flight: z.string().nullable().openapi({ format: 'date-time' }),
    currency_renewal_date_flyer: z.string().nullable().openapi({ format: 'date-time' }),
    flyerLevels: z.object({ level1: z.string(), static: z.string(), dynamic: z.string(), formation: z.string() }),
    flyer_currency_status: z.enum(['Active', 'Inactive']),
  })
  .openapi('PartnerMember', {
    example: {
      valid: true,
      member_id: 40,
      date_of_birth: '1979-06-08T15:28:42.000Z',
      screen_name: 'Rusty Lewis',
      role_name: 'Examiner',
      real_name: 'Rusty Lewis',
      tunnel_name: 'Support Center',
      is_coach: true,
      paymentStatus: 'Not required',
      total_flight_time: '0:53',
      last_flight: '2025-04-08T07:40:00.000Z',
      currency_renewal_date_flyer: '2025-10-05T07:40:00.000Z',
      flyerLevels: { level1: 'Yes', static: 'Pro', dynamic: 'Pro', formation: 'Level 4' },
      flyer_currency_status: 'Active',
    },
  });

export type MemberView = z.infer<typeof memberViewSchema>;
