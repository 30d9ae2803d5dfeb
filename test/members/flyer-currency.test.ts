import { currencyRenewalDate, flyerCurrencyStatus } from '../../src/members/flyer-currency';

describe('flyer currency', () => {
  it('renews 180 days after the last flight, as in the public page example', () => {
    expect(currencyRenewalDate(new Date('2025-04-08T07:40:00.000Z'), 180).toISOString()).toBe('2025-10-05T07:40:00.000Z');
  });

  it('is active while the renewal date is after the moment, to the second', () => {
    const renewal = new Date('2025-10-05T07:40:00.000Z');
    expect(flyerCurrencyStatus(renewal, new Date('2025-10-05T07:39:59.000Z'))).toBe('Active');
    expect(flyerCurrencyStatus(renewal, new Date('2025-10-05T07:40:00.000Z'))).toBe('Inactive');
    expect(flyerCurrencyStatus(renewal, new Date('2025-10-05T07:40:01.000Z'))).toBe('Inactive');
  });

  it('is inactive for a member who never flew', () => {
    expect(flyerCurrencyStatus(null, new Date())).toBe('Inactive');
  });
});
