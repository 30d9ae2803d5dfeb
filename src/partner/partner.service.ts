import { fromUnixSeconds, unixSeconds } from '../clock';
import type { Config } from '../config';
import { isDuplicateKeyError } from '../db/errors';
import type { Pool } from '../db/pool';
import { retryOnConflict, withRetriedTransaction } from '../db/retry';
import { tooManyRequests, unprocessable } from '../http/errors';
import { lockMemberForLogbook, recordExternalBooking } from '../logbook/logbook.service';
import { buildPartnerMemberView, type PartnerMemberView } from '../members/member-view';
import { findMemberProfile, lockMember } from '../members/member.model';
import { pinMatches } from '../members/pin';
import { AttemptLimiter } from '../security/attempt-limiter';
import { assertBookingDatesPlausible } from './booking-dates';
import { insertBooking } from './bookings.model';
import type { PinGuessMonitor } from './pin-guess-monitor';
import { readPinCheckState } from './pin-check.model';
import type { CreateBookingInput, GetMemberInput, ValidatePinInput } from './partner.schemas';
import { findTunnelByFuseMetrixId } from './tunnel-lookup.model';

/** The page's messages, spelled exactly (typos included) as partners match on them. */
export const PARTNER_MESSAGES = {
  memberValidated: 'Member validated successfully',
  bookingCreated: 'Booking created successfully',
  memberNotFound: 'Member not found',
  invalidPin: 'Invalid PIN',
  tunnelNotFound: 'Tunnel not found',
  bookingExists: 'Booking already exits',
} as const;

const pinAttempts = new AttemptLimiter('pin');

type PinOutcome = { kind: 'valid' } | { kind: 'unknown-member' } | { kind: 'wrong-pin'; lockedNow: boolean } | { kind: 'locked'; seconds: number };

/**
 * Checks a member's PIN. The member's row is locked while the PIN is judged, so parallel guesses are
 * judged one at a time against the database-held failure count. A right PIN with no earlier failures
 * writes nothing; a wrong one is counted (and the count committed) before the 422 goes out.
 */
export async function validateMemberPin(
  pool: Pool,
  pinPepper: string,
  input: ValidatePinInput,
  caller: { connectorId: number; monitor: PinGuessMonitor },
  now: Date,
): Promise<void> {
  // The common check-in (right PIN, no failures on record) is answered from one read with no
  // transaction: it has nothing to write, and the read waits for any guess being judged.
  const state = await retryOnConflict(() => readPinCheckState(pool, input.member_id));
  if (!state) throw unprocessable(PARTNER_MESSAGES.memberNotFound);
  if (!state.hasFailures && pinMatches(input.member_pin, state.pinHash, pinPepper)) return;

  const outcome = await withRetriedTransaction(pool, async (connection): Promise<PinOutcome> => {
    const member = await lockMember(connection, input.member_id);
    if (!member) return { kind: 'unknown-member' };
    const before = await pinAttempts.status(connection, member.memberId, now);
    if (before.lockedForSeconds > 0) return { kind: 'locked', seconds: before.lockedForSeconds };
    if (!pinMatches(input.member_pin, member.pinHash, pinPepper)) {
      return { kind: 'wrong-pin', lockedNow: await pinAttempts.recordFailure(connection, member.memberId, now) };
    }
    await pinAttempts.recordSuccess(connection, member.memberId, before);
    return { kind: 'valid' };
  });

  switch (outcome.kind) {
    case 'valid':
      return;
    case 'unknown-member':
      throw unprocessable(PARTNER_MESSAGES.memberNotFound);
    case 'wrong-pin':
      caller.monitor.wrongPin({ connectorId: caller.connectorId, memberId: input.member_id, lockedNow: outcome.lockedNow }, now);
      throw unprocessable(PARTNER_MESSAGES.invalidPin);
    case 'locked':
      throw tooManyRequests(`Too many invalid PIN attempts. Try again in ${describeWait(outcome.seconds)}`, outcome.seconds);
  }
}

export async function getPartnerMember(pool: Pool, input: GetMemberInput, now: Date): Promise<PartnerMemberView> {
  const member = await findMemberProfile(pool, input.member_id);
  if (!member) throw unprocessable(PARTNER_MESSAGES.memberNotFound);
  return buildPartnerMemberView(member, now);
}

/**
 * Stores a FuzeMetrix check-in and its logbook consequences (entry, currency, e-mail) in one
 * transaction. The member's row is locked first, so copies of one purchase queue behind each other in
 * one lock order; the unique key on (partner, purchase_id), not a read, turns every copy after the
 * first into a duplicate, whichever connector (or connector since deleted) sent the first.
 * A copy that loses a Galera certification conflict is run again, and then meets the key too.
 */
export async function createPartnerBooking(
  pool: Pool,
  connectorId: number,
  input: CreateBookingInput,
  config: Pick<Config, 'FLYER_CURRENCY_DAYS' | 'FLIGHT_TIME_LINK_TTL_DAYS' | 'APP_BASE_URL' | 'MAIL_FROM' | 'BOOKING_MAX_PAST_DAYS' | 'BOOKING_MAX_FUTURE_DAYS'>,
  now: Date,
): Promise<void> {
  assertBookingDatesPlausible(input, unixSeconds(now), { maxPastDays: config.BOOKING_MAX_PAST_DAYS, maxFutureDays: config.BOOKING_MAX_FUTURE_DAYS });
  await withRetriedTransaction(pool, async (connection) => {
    const member = await lockMemberForLogbook(connection, input.member_id);
    if (!member) throw unprocessable(PARTNER_MESSAGES.memberNotFound);
    const tunnel = await findTunnelByFuseMetrixId(connection, input.tunnel_id);
    if (!tunnel) throw unprocessable(PARTNER_MESSAGES.tunnelNotFound);

    const flightAt = fromUnixSeconds(input.flight_date);
    const bookingId = await insertBooking(connection, {
      connectorId,
      memberId: member.memberId,
      tunnelId: tunnel.tunnelId,
      purchaseId: input.purchase_id,
      productId: input.product_id,
      purchasedAt: fromUnixSeconds(input.purchase_date),
      flightAt,
      checkinAt: fromUnixSeconds(input.checkin_time),
      minutesBooked: input.minutes_booked,
    }).catch((error: unknown) => {
      throw isDuplicateKeyError(error) ? unprocessable(PARTNER_MESSAGES.bookingExists) : error;
    });

    await recordExternalBooking(
      connection,
      {
        bookingId,
        memberId: member.memberId,
        tunnelId: tunnel.tunnelId,
        tunnelName: tunnel.name,
        tunnelTimeZone: tunnel.timeZone,
        flightAt,
        minutesBooked: input.minutes_booked,
      },
      config,
      now,
      member,
    );
  });
}

function describeWait(seconds: number): string {
  const minutes = Math.ceil(seconds / 60);
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}
