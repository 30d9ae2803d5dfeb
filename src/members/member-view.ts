import { flyerCurrencyStatus } from './flyer-currency';
import type { MemberProfile } from './member.model';

/** The get-member answer, field for field and in the order of the public page. */
export interface PartnerMemberView {
  valid: true;
  member_id: number;
  date_of_birth: string | null;
  screen_name: string;
  role_name: string;
  real_name: string;
  tunnel_name: string | null;
  is_coach: boolean;
  paymentStatus: string;
  total_flight_time: string;
  last_flight: string | null;
  currency_renewal_date_flyer: string | null;
  flyerLevels: { level1: string; static: string; dynamic: string; formation: string };
  flyer_currency_status: 'Active' | 'Inactive';
}

export function buildPartnerMemberView(member: MemberProfile, now: Date): PartnerMemberView {
  return {
    valid: true,
    member_id: member.memberId,
    date_of_birth: isoOrNull(member.dateOfBirth),
    screen_name: member.screenName,
    role_name: member.roleName,
    real_name: `${member.firstName} ${member.lastName}`.trim(),
    tunnel_name: member.homeTunnelName,
    is_coach: member.isCoach,
    paymentStatus: member.paymentStatus,
    total_flight_time: hoursAndMinutes(member.totalFlightMinutes),
    last_flight: isoOrNull(member.lastFlightAt),
    currency_renewal_date_flyer: isoOrNull(member.currencyRenewalAt),
    flyerLevels: { ...member.flyerLevels },
    flyer_currency_status: flyerCurrencyStatus(member.currencyRenewalAt, now),
  };
}

/** 53 → "0:53", 605 → "10:05". */
export function hoursAndMinutes(totalMinutes: number): string {
  const hours = Math.floor(totalMinutes / 60);
  const minutes = totalMinutes % 60;
  return `${hours}:${String(minutes).padStart(2, '0')}`;
}

function isoOrNull(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}
