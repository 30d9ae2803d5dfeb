import type { Pool } from '../db/pool';
import { withRetriedTransaction } from '../db/retry';
import { formatFlightDate } from './flight-date';
import { hashFlightTimeToken } from './flight-time-token';
import {
  correctLogbookEntryMinutes,
  findFlightTimeLinkByTokenHash,
  type FlightTimeLink,
  setBookingMinutesFlown,
  useFlightTimeLink,
} from './flight-time-link.model';

/** What the form shows about the booking. */
export interface FlightTimeBooking {
  tunnelName: string;
  flightDate: string;
  minutesBooked: number;
  currentMinutes: number;
}

export type ClosedLink = { state: 'unknown' } | { state: 'used' } | { state: 'expired' };
export type LinkView = ClosedLink | { state: 'open'; booking: FlightTimeBooking };
export type SubmitOutcome =
  | ClosedLink
  | { state: 'invalid'; booking: FlightTimeBooking; message: string; submitted: string }
  | { state: 'saved'; booking: FlightTimeBooking; minutes: number };

/** newFlightTimeToken makes 32 random bytes in base64url: 43 characters. Anything else is not ours. */
const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;
const WHOLE_NUMBER = /^\s*\d{1,6}\s*$/;

async function findLink(pool: Pool, token: string): Promise<FlightTimeLink | null> {
  if (!TOKEN_FORMAT.test(token)) return null;
  return findFlightTimeLinkByTokenHash(pool, hashFlightTimeToken(token));
}

function closedState(link: FlightTimeLink | null, now: Date): ClosedLink | null {
  if (!link) return { state: 'unknown' };
  if (link.usedAt) return { state: 'used' };
  if (link.expiresAt.getTime() <= now.getTime()) return { state: 'expired' };
  return null;
}

function bookingOf(link: FlightTimeLink): FlightTimeBooking {
  return {
    tunnelName: link.tunnelName,
    flightDate: formatFlightDate(link.flightAt, link.tunnelTimeZone),
    minutesBooked: link.minutesBooked,
    currentMinutes: link.currentMinutes,
  };
}

export function minutesRangeMessage(minutesBooked: number): string {
  return `Please enter the minutes you flew as a whole number from 1 to ${minutesBooked}.`;
}

/** Whole minutes from 1 to the minutes booked, or null. */
export function parseMinutesFlown(value: unknown, minutesBooked: number): number | null {
  if (typeof value === 'number' && Number.isSafeInteger(value)) value = String(value);
  if (typeof value !== 'string' || !WHOLE_NUMBER.test(value)) return null;
  const minutes = Number(value);
  return minutes >= 1 && minutes <= minutesBooked ? minutes : null;
}

/** Opening the link only reads it: mail scanners open links too, so a GET never uses it up. */
export async function viewFlightTimeLink(pool: Pool, token: string, now: Date): Promise<LinkView> {
  const link = await findLink(pool, token);
  const closed = closedState(link, now);
  if (closed || !link) return closed ?? { state: 'unknown' };
  return { state: 'open', booking: bookingOf(link) };
}

/**
 * Records the minutes actually flown: the link is used up, and the logbook entry (with the member's
 * running total) and the booking take the new minutes, in one transaction. The conditional update on the link decides a race.
 */
export async function submitFlightTime(pool: Pool, token: string, submitted: unknown, now: Date): Promise<SubmitOutcome> {
  const link = await findLink(pool, token);
  const closed = closedState(link, now);
  if (closed || !link) return closed ?? { state: 'unknown' };

  const booking = bookingOf(link);
  const minutes = parseMinutesFlown(submitted, link.minutesBooked);
  if (minutes === null) {
    return { state: 'invalid', booking, message: minutesRangeMessage(link.minutesBooked), submitted: typeof submitted === 'string' ? submitted : '' };
  }

  const won = await withRetriedTransaction(pool, async (connection) => {
    if (!(await useFlightTimeLink(connection, link.linkId, now))) return false;
    await correctLogbookEntryMinutes(connection, link.bookingId, minutes);
    await setBookingMinutesFlown(connection, link.bookingId, minutes);
    return true;
  });
  if (!won) {
    // someone else used it (or it expired) between our read and our update
    const again = closedState(await findLink(pool, token), now);
    return again ?? { state: 'used' };
  }
  return { state: 'saved', booking: { ...booking, currentMinutes: minutes }, minutes };
}
