const FLIGHT_DATE_FORMAT = new Intl.DateTimeFormat('en-GB', {
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'UTC',
  timeZoneName: 'short',
});

/** A date as a person reads it, e.g. "Tuesday, 8 April 2025 at 07:40 UTC". */
export function formatFlightDate(date: Date): string {
  return FLIGHT_DATE_FORMAT.format(date);
}
