import { Router } from 'express';
import type { Clock } from '../clock';
import type { Config } from '../config';
import type { Pool } from '../db/pool';
import { parseInput } from '../http/validate';
import { createBookingSchema, getMemberSchema, validatePinSchema } from './partner.schemas';
import { createPartnerBooking, getPartnerMember, PARTNER_MESSAGES, validateMemberPin } from './partner.service';
import { connectorIdOf, requirePartnerSignature } from './signature.middleware';

export const PARTNER_PATHS = {
  validatePin: '/api/external/fuse-metrix/validate-pin',
  getMember: '/api/external/fuse-metrix/get-member',
  createBooking: '/api/external/fuse-metrix/create-booking',
} as const;

export interface PartnerDeps {
  config: Config;
  pool: Pool;
  clock: Clock;
}

/** The FuzeMetrix partner endpoints, each behind the HMAC signature check. */
export function createPartnerRouter({ config, pool, clock }: PartnerDeps): Router {
  const router = Router();
  const signed = requirePartnerSignature(pool, clock);

  router.post(PARTNER_PATHS.validatePin, signed, async (req, res) => {
    const input = parseInput(validatePinSchema, req.body);
    await validateMemberPin(pool, config.PIN_PEPPER, input, clock());
    res.json({ valid: true, message: PARTNER_MESSAGES.memberValidated });
  });

  router.post(PARTNER_PATHS.getMember, signed, async (req, res) => {
    const input = parseInput(getMemberSchema, req.body);
    res.json(await getPartnerMember(pool, input, clock()));
  });

  // The page also describes get-member as a GET; the member id then travels in the query string.
  router.get(PARTNER_PATHS.getMember, signed, async (req, res) => {
    const input = parseInput(getMemberSchema, Object.keys(req.query).length > 0 ? req.query : req.body);
    res.json(await getPartnerMember(pool, input, clock()));
  });

  router.post(PARTNER_PATHS.createBooking, signed, async (req, res) => {
    const input = parseInput(createBookingSchema, req.body);
    await createPartnerBooking(pool, connectorIdOf(res), input, config, clock());
    res.json({ valid: true, message: PARTNER_MESSAGES.bookingCreated });
  });

  return router;
}
