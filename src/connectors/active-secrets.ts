import { unixSeconds } from '../clock';
import type { ConnectorCredentials } from './connector-lookup.model';

/** The connector's secret, and the previous one while its rotation overlap lasts: every method accepts both. */
export function activeSecrets(connector: Pick<ConnectorCredentials, 'secret' | 'previousSecret' | 'previousSecretExpiresAt'>, now: Date): string[] {
  const secrets = [connector.secret];
  if (connector.previousSecret && connector.previousSecretExpiresAt !== null && connector.previousSecretExpiresAt > unixSeconds(now)) {
    secrets.push(connector.previousSecret);
  }
  return secrets;
}
