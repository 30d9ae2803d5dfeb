import type { Config } from '../config';
import type { PoolConnection } from '../db/pool';
import { queueEmail } from '../mail/mail.service';
import { currencyRenewalDate, flyerCurrencyStatus, type FlyerCurrencyStatus } from '../members/flyer-currency';
import { formatFlightDate } from './flight-date';
import { flightTimeLinkUrl, newFlightTimeToken } from './flight-time-token';
import {
  findMemberForLogbookUpdate,
  type MemberForLogbook,
  insertBookingLogbookEntry,
  insertFlightTimeLink,
  recordFlightOnMember,
} from './logbook.model';

/**
 * Reads and locks the member a booking is for, with what recordExternalBooking needs; a caller that
 * locks the member first anyway passes the result on and saves recordExternalBooking a second read.
 */
export function lockMemberForLogbook(connection: PoolConnection, memberId: number): Promise<MemberForLogbook | null> {
  return findMemberForLogbookUpdate(connection, memberId);
}

export const ACTIVE_TEMPLATE = 'logbook/external-time-entry-active';
export const INACTIVE_TEMPLATE = 'logbook/external-time-entry-inactive';

const DAY_MS = 24 * 60 * 60 * 1000;

/** A booking just written by create-booking, on the same transaction's connection. */
export interface ExternalBooking {
  bookingId: number;
  memberId: number;
  tunnelId: number;
  tunnelName: string;
  /** IANA zone the flight time is shown in (UTC when the runtime does not know it) */
  tunnelTimeZone: string;
  flightAt: Date;
  minutesBooked: number;
}

export interface LogbookOutcome {
  currency: FlyerCurrencyStatus;
  logbookEntryId: number | null;
}

/**
 * What a FuzeMetrix booking does to the member's logbook, inside the booking's transaction:
 * a current flyer gets a logbook entry, its minutes added to their running total, their last flight
 * moved forward (never back, and never past the present) with its renewal date, and the "active" e-mail with a one-time link to correct the flight time; a flyer whose currency
 * lapsed gets no entry, no currency change (no automatic recurrency) and the "inactive" e-mail.
 */
export async function recordExternalBooking(
  connection: PoolConnection,
  booking: ExternalBooking,
  config: Pick<Config, 'FLYER_CURRENCY_DAYS' | 'FLIGHT_TIME_LINK_TTL_DAYS' | 'APP_BASE_URL' | 'MAIL_FROM'>,
  now: Date,
  lockedMember?: MemberForLogbook,
): Promise<LogbookOutcome> {
  const member = lockedMember ?? (await findMemberForLogbookUpdate(connection, booking.memberId));
  if (!member) throw new Error(`Member ${booking.memberId} vanished inside the booking transaction`);

  const emailParams = {
    firstName: member.firstName,
    memberName: `${member.firstName} ${member.lastName}`,
    tunnelName: booking.tunnelName,
    flightDate: formatFlightDate(booking.flightAt, booking.tunnelTimeZone),
    minutesBooked: booking.minutesBooked,
  };

  const currency = flyerCurrencyStatus(member.currencyRenewalAt, booking.flightAt);
  if (currency === 'Inactive') {
    await queueEmail(connection, config, INACTIVE_TEMPLATE, member.email, emailParams, now);
    return { currency, logbookEntryId: null };
  }

  const logbookEntryId = await insertBookingLogbookEntry(connection, {
    memberId: member.memberId,
    tunnelId: booking.tunnelId,
    bookingId: booking.bookingId,
    flightAt: booking.flightAt,
    minutes: booking.minutesBooked,
  });
  // a flight booked for later today counts from now: last_flight_at never moves past the present
  const flownBy = new Date(Math.min(booking.flightAt.getTime(), now.getTime()));
  await recordFlightOnMember(connection, member.memberId, {
    minutes: booking.minutesBooked,
    flownAt: flownBy,
    renewalAt: currencyRenewalDate(flownBy, config.FLYER_CURRENCY_DAYS),
  });

  const { token, tokenHash } = newFlightTimeToken();
  const expiresAt = new Date(now.getTime() + config.FLIGHT_TIME_LINK_TTL_DAYS * DAY_MS);
  await insertFlightTimeLink(connection, booking.bookingId, tokenHash, expiresAt);
  await queueEmail(
    connection,
    config,
    ACTIVE_TEMPLATE,
    member.email,
    { ...emailParams, link: flightTimeLinkUrl(config.APP_BASE_URL, token), linkExpiresOn: formatFlightDate(expiresAt, booking.tunnelTimeZone) },
    now,
  );
  return { currency, logbookEntryId };
}
