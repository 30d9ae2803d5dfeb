import type { Clock } from '../clock';
import type { Config } from '../config';
import type { Pool } from '../db/pool';
import { type LaneRoute, queryOf } from '../http/check-in-lane';
import { fixedJsonAnswer, sendJson } from '../http/json-answer';
import { parseInput } from '../http/validate';
import type { Logger } from '../logger';
import type { SecretBox } from '../security/secret-box';
import { partnerAuthGuard } from './partner-auth';
import { PinGuessMonitor } from './pin-guess-monitor';
import { createBookingSchema, getMemberSchema, validatePinSchema } from './partner.schemas';
import { createPartnerBooking, getPartnerMember, PARTNER_MESSAGES, validateMemberPin } from './partner.service';

export const PARTNER_PATHS = {
  validatePin: '/api/external/fuse-metrix/validate-pin',
  getMember: '/api/external/fuse-metrix/get-member',
  createBooking: '/api/external/fuse-metrix/create-booking',
} as const;

export interface PartnerDeps {
  config: Config;
  pool: Pool;
  secrets: SecretBox;
  logger: Logger;
  clock: Clock;
}

/**
 * The FuzeMetrix partner endpoints, each behind the partner check with the scope it needs. They are
 * served by the check-in lane (http/check-in-lane.ts), not by an Express router.
 */
export function createPartnerRoutes({ config, pool, secrets, logger, clock }: PartnerDeps): LaneRoute[] {
  const memberValidated = fixedJsonAnswer({ valid: true, message: PARTNER_MESSAGES.memberValidated });
  const bookingCreated = fixedJsonAnswer({ valid: true, message: PARTNER_MESSAGES.bookingCreated });
  const authenticatePartner = partnerAuthGuard({ pool, secrets, config, clock });
  const pinGuesses = new PinGuessMonitor(logger, config.PARTNER_WRONG_PIN_SPIKE_PER_MINUTE);

  return [
    {
      method: 'POST',
      path: PARTNER_PATHS.validatePin,
      handle: async (req, res) => {
        const caller = await authenticatePartner(req, 'members:read');
        const input = parseInput(validatePinSchema, req.body);
        await validateMemberPin(pool, config.PIN_PEPPER, input, { connectorId: caller.connectorId, monitor: pinGuesses }, clock());
        sendJson(res, memberValidated);
      },
    },
    {
      method: 'POST',
      path: PARTNER_PATHS.getMember,
      handle: async (req, res) => {
        await authenticatePartner(req, 'members:read');
        const input = parseInput(getMemberSchema, req.body);
        sendJson(res, await getPartnerMember(pool, input, clock()));
      },
    },
    // The page also describes get-member as a GET: the member id travels in the (signed) query string.
    {
      method: 'GET',
      path: PARTNER_PATHS.getMember,
      handle: async (req, res) => {
        await authenticatePartner(req, 'members:read');
        const input = parseInput(getMemberSchema, queryOf(req));
        sendJson(res, await getPartnerMember(pool, input, clock()));
      },
    },
    {
      method: 'POST',
      path: PARTNER_PATHS.createBooking,
      handle: async (req, res) => {
        const caller = await authenticatePartner(req, 'bookings:write');
        const input = parseInput(createBookingSchema, req.body);
        await createPartnerBooking(pool, caller.connectorId, input, config, clock());
        sendJson(res, bookingCreated);
      },
    },
  ];
}
