import type { SigningMethod } from '../connectors/connector-access';

/**
 * Who a verified partner request came from. Every signing method leads to the same connector, so the
 * duplicate rule, the PIN lockout and the logs do not depend on how the partner signed.
 */
export interface PartnerCaller {
  connectorId: number;
  method: SigningMethod;
}
