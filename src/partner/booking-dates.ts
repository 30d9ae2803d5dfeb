import { unprocessable } from '../http/errors';

const DAY_SECONDS = 24 * 60 * 60;

/** How far from the server clock a booking's flight may lie (BOOKING_MAX_PAST_DAYS, BOOKING_MAX_FUTURE_DAYS). */
export interface BookingWindow {
  maxPastDays: number;
  maxFutureDays: number;
}

export interface BookingDates {
  purchase_date: number;
  flight_date: number;
  checkin_time: number;
}

/** A check-in is recorded when it happens: the check-in lies within a day of the flight. */
const CHECKIN_SLACK_DAYS = 1;
/** Flight time is bought ahead (up to a year) or at the desk, and recorded by FuzeMetrix up to a day later. */
const PURCHASE_BEFORE_FLIGHT_DAYS = 366;
const PURCHASE_AFTER_FLIGHT_DAYS = 1;

const days = (n: number) => `${n} day${n === 1 ? '' : 's'}`;

/**
 * Bounds a booking's dates so a back-dated or future-dated booking cannot make a lapsed flyer current
 * or push currency out without limit (the page's rule against automatic recurrency): the flight lies
 * within the window around the server clock, the check-in within a day of the flight, the purchase
 * between a year before and a day after it, and nothing beyond the window's future edge. The page's
 * example (purchase 9 hours after a flight checked in at its start) passes. Throws a 422 naming the field.
 */
export function assertBookingDatesPlausible(dates: BookingDates, nowSeconds: number, window: BookingWindow): void {
  const latest = nowSeconds + window.maxFutureDays * DAY_SECONDS;
  const flight = dates.flight_date;
  if (flight < nowSeconds - window.maxPastDays * DAY_SECONDS || flight > latest) {
    throw unprocessable(`flight_date must be within ${days(window.maxPastDays)} before and ${days(window.maxFutureDays)} after the current time`);
  }
  if (Math.abs(dates.checkin_time - flight) > CHECKIN_SLACK_DAYS * DAY_SECONDS || dates.checkin_time > latest) {
    throw unprocessable(`checkin_time must be within ${days(CHECKIN_SLACK_DAYS)} of flight_date`);
  }
  if (
    dates.purchase_date < flight - PURCHASE_BEFORE_FLIGHT_DAYS * DAY_SECONDS ||
    dates.purchase_date > flight + PURCHASE_AFTER_FLIGHT_DAYS * DAY_SECONDS ||
    dates.purchase_date > latest
  ) {
    throw unprocessable(`purchase_date must be between ${days(PURCHASE_BEFORE_FLIGHT_DAYS)} before and ${days(PURCHASE_AFTER_FLIGHT_DAYS)} after flight_date`);
  }
}
