import { formatFlightDate } from '../../src/logbook/flight-date';

// expected texts from the system's tz database (TZ=<zone> date -d ...), not from the code under test
describe('formatFlightDate', () => {
  it.each([
    ['Europe/Amsterdam', '2025-04-08T07:40:00Z', 'Tuesday, 8 April 2025 at 09:40 CEST'],
    ['Europe/Amsterdam', '2025-01-08T23:40:00Z', 'Thursday, 9 January 2025 at 00:40 CET'],
    ['America/Denver', '2025-04-08T07:40:00Z', 'Tuesday, 8 April 2025 at 01:40 MDT'],
    ['America/Denver', '2025-01-08T23:40:00Z', 'Wednesday, 8 January 2025 at 16:40 MST'],
    ['Europe/London', '2025-01-08T23:40:00Z', 'Wednesday, 8 January 2025 at 23:40 GMT'],
    ['Europe/London', '2025-04-08T07:40:00Z', 'Tuesday, 8 April 2025 at 08:40 BST'],
    ['Australia/Sydney', '2025-01-08T23:40:00Z', 'Thursday, 9 January 2025 at 10:40 AEDT'],
    ['UTC', '2025-04-08T07:40:00Z', 'Tuesday, 8 April 2025 at 07:40 UTC'],
  ])('shows a flight at a tunnel in %s at %s as "%s"', (timeZone, iso, expected) => {
    expect(formatFlightDate(new Date(iso), timeZone)).toBe(expected);
  });

  it('switches abbreviation at the DST change, to the minute', () => {
    // Europe/Amsterdam moved its clocks at 01:00 UTC on 30 March 2025
    expect(formatFlightDate(new Date('2025-03-30T00:59:00Z'), 'Europe/Amsterdam')).toBe('Sunday, 30 March 2025 at 01:59 CET');
    expect(formatFlightDate(new Date('2025-03-30T01:00:00Z'), 'Europe/Amsterdam')).toBe('Sunday, 30 March 2025 at 03:00 CEST');
  });

  it('writes midnight as 00, never 24', () => {
    expect(formatFlightDate(new Date('2025-04-07T22:05:00Z'), 'Europe/Amsterdam')).toBe('Tuesday, 8 April 2025 at 00:05 CEST');
  });

  it('uses the UTC offset for a zone with no abbreviation English readers know', () => {
    expect(formatFlightDate(new Date('2025-04-08T07:40:00Z'), 'Asia/Tokyo')).toBe('Tuesday, 8 April 2025 at 16:40 GMT+9');
  });

  it('shows UTC, and does not throw, for a zone the runtime does not know', () => {
    for (const zone of ['Mars/Olympus_Mons', 'Europe/Amsterdm', '', 'Not a zone at all']) {
      expect(formatFlightDate(new Date('2025-04-08T07:40:00Z'), zone)).toBe('Tuesday, 8 April 2025 at 07:40 UTC');
    }
  });
});
