import { unixSeconds } from '../clock';
import type { Connector } from './connector.model';

/** A connector as the console shows it; the rotated-out secret only while it is still accepted. */
export function connectorView(connector: Connector, now: Date) {
  const overlapping =
    connector.previousSecret !== null && connector.previousSecretExpiresAt !== null && connector.previousSecretExpiresAt > unixSeconds(now);
  return {
    id: connector.id,
    email: connector.email,
    clientId: connector.clientId,
    secret: connector.secret,
    created_by: connector.createdBy,
    created_at: connector.createdAt,
    auth_methods: connector.authMethods,
    scopes: connector.scopes,
    ...(overlapping ? { previous_secret: connector.previousSecret!, previous_secret_expires_at: connector.previousSecretExpiresAt! } : {}),
  };
}
