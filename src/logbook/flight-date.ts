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
 * elsewhere it writes "GMT-6". So each zone's name is looked up in these English locales in turn, and
 * the offset form is kept for zones none of them abbreviates (Asia/Tokyo reads "GMT+9").
 */
const ABBREVIATION_LOCALES = ['en-GB', 'en-US', 'en-CA', 'en-AU', 'en-NZ', 'en-IN', 'en-IE', 'en-ZA'];
const ABBREVIATION = /^[A-Z]{2,5}$/;

interface ZoneFormats {
  dateTime: Intl.DateTimeFormat;
  zoneNames: Intl.DateTimeFormat[];
}

/** Built once per zone (building a DateTimeFormat costs far more than using one). */
const formatsByZone = new Map<string, ZoneFormats>();

function formatsFor(timeZone: string): ZoneFormats {
  const known = formatsByZone.get(timeZone);
  if (known) return known;
  let formats: ZoneFormats;
  try {
    formats = {
      dateTime: new Intl.DateTimeFormat('en-GB', { ...DATE_TIME, timeZone }),
      zoneNames: ABBREVIATION_LOCALES.map((locale) => new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: 'short' })),
    };
  } catch (error) {
    // a zone this runtime's ICU does not know must never break a booking or a page: show UTC
    if (error instanceof RangeError && timeZone !== 'UTC') return formatsFor('UTC');
    throw error;
  }
  formatsByZone.set(timeZone, formats);
  return formats;
}

function zoneAbbreviation(formats: ZoneFormats, date: Date): string {
  let offsetName: string | undefined;
  for (const format of formats.zoneNames) {
    const name = format.formatToParts(date).find((part) => part.type === 'timeZoneName')?.value;
    if (name && ABBREVIATION.test(name)) return name;
    offsetName ??= name;
  }
  return offsetName ?? 'UTC';
}

/** A date as a person at the tunnel reads it, e.g. "Tuesday, 8 April 2025 at 09:40 CEST". */
export function formatFlightDate(date: Date, timeZone: string): string {
  const formats = formatsFor(timeZone);
  return `${formats.dateTime.format(date)} ${zoneAbbreviation(formats, date)}`;
}
