/**
 * Flight times as a person at the tunnel reads them: in the tunnel's time zone, with the zone's
 * abbreviation, e.g. "Tuesday, 8 April 2025 at 09:40 CEST" or "... at 01:40 MDT".
 */

const DATE_TIME: Intl.DateTimeFormatOptions = {
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
};

/**
 * CLDR knows a zone's letters (CET, MDT, AEST, IST, ...) only in the locales where people use them;
 * elsewhere it writes "GMT-6". So for each zone the first of these English locales that names both its
 * winter and its summer time with letters is used; zones none of them abbreviates keep the offset form
 * (Asia/Tokyo reads "GMT+9").
 */
const ABBREVIATION_LOCALES = ['en-GB', 'en-US', 'en-CA', 'en-AU', 'en-NZ', 'en-IN', 'en-IE', 'en-ZA'];
const ABBREVIATION = /^[A-Z]{2,5}$/;
const WINTER_AND_SUMMER = [new Date('2025-01-15T12:00:00Z'), new Date('2025-07-15T12:00:00Z')];

/** Built once per zone name found in tunnels: building a DateTimeFormat costs far more than using one. */
const formatByZone = new Map<string, (date: Date) => string>();

const zoneNameIn = (format: Intl.DateTimeFormat, date: Date) => {
  const text = format.format(date); // "15/01/2025, CET": the zone's name is the last word
  return text.slice(text.lastIndexOf(' ') + 1);
};

function formatFor(timeZone: string): (date: Date) => string {
  const known = formatByZone.get(timeZone);
  if (known) return known;
  let format: (date: Date) => string;
  try {
    const zoneNames = ABBREVIATION_LOCALES.map((locale) => new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: 'short' }));
    const zoneName = zoneNames.find((candidate) => WINTER_AND_SUMMER.every((date) => ABBREVIATION.test(zoneNameIn(candidate, date))));
    if (!zoneName || zoneName === zoneNames[0]) {
      // en-GB's own zone names: one formatter does it all
      const dateTimeAndZone = new Intl.DateTimeFormat('en-GB', { ...DATE_TIME, timeZone, timeZoneName: 'short' });
      format = (date) => dateTimeAndZone.format(date);
    } else {
      const dateTime = new Intl.DateTimeFormat('en-GB', { ...DATE_TIME, timeZone });
      format = (date) => `${dateTime.format(date)} ${zoneNameIn(zoneName, date)}`;
    }
  } catch (error) {
    // a zone this runtime's ICU does not know must never break a booking or a page: show UTC
    if (!(error instanceof RangeError) || timeZone === 'UTC') throw error;
    format = formatFor('UTC');
  }
  formatByZone.set(timeZone, format);
  return format;
}

/** A date as a person at the tunnel reads it, e.g. "Tuesday, 8 April 2025 at 09:40 CEST". */
export function formatFlightDate(date: Date, timeZone: string): string {
  return formatFor(timeZone)(date);
}
