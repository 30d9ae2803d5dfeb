import type { ParsedMail } from 'mailparser';
import type { CreatedConnector } from './factories';
import { signedPost } from './signed-request';
import type { TestContext } from './test-app';
import { uniqueNumber } from './factories';

export interface BookingFields {
  member_id: number;
  tunnel_id: number;
  flight_date: number;
  minutes_booked?: number;
  purchase_id?: number;
}

/** A create-booking call exactly as FuzeMetrix makes it. */
export function createBooking(t: TestContext, connector: CreatedConnector, fields: BookingFields) {
  const body = {
    member_id: fields.member_id,
    purchase_id: fields.purchase_id ?? uniqueNumber(),
    purchase_date: fields.flight_date - 3600,
    flight_date: fields.flight_date,
    minutes_booked: fields.minutes_booked ?? 9,
    product_id: 12893,
    tunnel_id: fields.tunnel_id,
    checkin_time: fields.flight_date,
  };
  return signedPost(t.request(), connector, '/api/external/fuse-metrix/create-booking', body);
}

/** The flight-time link in a received e-mail's text part. */
export function linkIn(mail: ParsedMail): string {
  const match = /(https?:\/\/\S+\/flight-time\/[A-Za-z0-9_-]+)/.exec(mail.text ?? '');
  if (!match) throw new Error(`no flight-time link in e-mail "${mail.subject}"`);
  return match[1];
}
