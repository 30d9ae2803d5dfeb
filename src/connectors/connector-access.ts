/**
 * What a connector may do: which signing methods it may use and which scopes it may hold. Stored as
 * SET columns on fuse_metrix (all on by default, so the runbook's hand-written INSERT makes a
 * connector that works with every method); /op changes them per connector.
 */
export const SIGNING_METHODS = ['legacy-hmac', 'timestamped-signature', 'oauth'] as const;
export type SigningMethod = (typeof SIGNING_METHODS)[number];

export const PARTNER_SCOPES = ['members:read', 'bookings:write'] as const;
export type PartnerScope = (typeof PARTNER_SCOPES)[number];

export interface ConnectorAccess {
  authMethods: SigningMethod[];
  scopes: PartnerScope[];
}

/** A MySQL SET value ("a,b") as the known members it holds, in their canonical order. */
export function parseSetColumn<T extends string>(value: string | null | undefined, known: readonly T[]): T[] {
  const members = new Set((value ?? '').split(','));
  return known.filter((member) => members.has(member));
}

/** The SET column value for these members. */
export function toSetColumn(members: readonly string[]): string {
  return [...new Set(members)].join(',');
}

export function accessFromColumns(authMethods: string | null | undefined, scopes: string | null | undefined): ConnectorAccess {
  return { authMethods: parseSetColumn(authMethods, SIGNING_METHODS), scopes: parseSetColumn(scopes, PARTNER_SCOPES) };
}
