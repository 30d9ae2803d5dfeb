/**
 * The one owner of the flyer-currency rule. A flyer is current while their renewal date lies after
 * the moment in question; the renewal date is their last flight plus FLYER_CURRENCY_DAYS (180 by
 * default: the public page's example, last flight 2025-04-08T07:40Z, renews 2025-10-05T07:40Z).
 */
export type FlyerCurrencyStatus = 'Active' | 'Inactive';

const DAY_MS = 24 * 60 * 60 * 1000;

export function currencyRenewalDate(lastFlightAt: Date, currencyDays: number): Date {
  return new Date(lastFlightAt.getTime() + currencyDays * DAY_MS);
}

export function flyerCurrencyStatus(renewalAt: Date | null, at: Date): FlyerCurrencyStatus {
  return renewalAt !== null && renewalAt.getTime() > at.getTime() ? 'Active' : 'Inactive';
}
