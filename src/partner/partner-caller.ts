import type { Response } from 'express';
import type { SigningMethod } from '../connectors/connector-access';

/**
 * Who a verified partner request came from. Every signing method leads to the same connector, so the
 * duplicate rule, the PIN lockout and the logs do not depend on how the partner signed.
 */
export interface PartnerCaller {
  connectorId: number;
  method: SigningMethod;
}

export function setPartnerCaller(res: Response, caller: PartnerCaller): void {
  res.locals.partner = caller;
}

/** The caller of a route behind requirePartner; throws on a route without it (a programming error). */
export function partnerCallerOf(res: Response): PartnerCaller {
  const caller = res.locals.partner as PartnerCaller | undefined;
  if (!caller) throw new Error('partnerCallerOf used on a route without requirePartner');
  return caller;
}
