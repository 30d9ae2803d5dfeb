import { Router } from 'express';
import type { Clock } from '../clock';
import type { Config } from '../config';
import type { Pool } from '../db/pool';
import { fixedJsonAnswer, sendJson } from '../http/json-answer';
import { parseInput } from '../http/validate';
import type { Logger } from '../logger';
import type { SecretBox } from '../security/secret-box';
import { partnerAuthGuard } from './partner-auth.middleware';
import { partnerCallerOf } from './partner-caller';
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

/** The FuzeMetrix partner endpoints, each behind the partner check with the scope it needs. */
export function createPartnerRouter({ config, pool, secrets, logger, clock }: PartnerDeps): Router {
  const memberValidated = fixedJsonAnswer({ valid: true, message: PARTNER_MESSAGES.memberValidated });
  const bookingCreated = fixedJsonAnswer({ valid: true, message: PARTNER_MESSAGES.bookingCreated });
  const router = Router();
  const requirePartner = partnerAuthGuard({ pool, secrets, config, clock });
  const pinGuesses = new PinGuessMonitor(logger, config.PARTNER_WRONG_PIN_SPIKE_PER_MINUTE);
  const readMembers = requirePartner('members:read');

  router.post(PARTNER_PATHS.validatePin, readMembers, async (req, res) => {
    const input = parseInput(validatePinSchema, req.body);
    await validateMemberPin(pool, config.PIN_PEPPER, input, { connectorId: partnerCallerOf(res).connectorId, monitor: pinGuesses }, clock());
    sendJson(res, memberValidated);
  });

  router.post(PARTNER_PATHS.getMember, readMembers, async (req, res) => {
    const input = parseInput(getMemberSchema, req.body);
    sendJson(res, await getPartnerMember(pool, input, clock()));
  });

  // The page also describes get-member as a GET: the member id travels in the (signed) query string.
  router.get(PARTNER_PATHS.getMember, readMembers, async (req, res) => {
    const input = parseInput(getMemberSchema, req.query);
    sendJson(res, await getPartnerMember(pool, input, clock()));
  });

  router.post(PARTNER_PATHS.createBooking, requirePartner('bookings:write'), async (req, res) => {
    const input = parseInput(createBookingSchema, req.body);
    await createPartnerBooking(pool, partnerCallerOf(res).connectorId, input, config, clock());
    sendJson(res, bookingCreated);
  });

  return router;
}
