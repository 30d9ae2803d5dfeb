import type { Queryable } from '../db/pool';
import { CONNECTOR_PREVIOUS_SECRET_COLUMN, CONNECTOR_SECRET_COLUMN } from '../security/encrypted-columns';
import type { SecretBox } from '../security/secret-box';
import { openStoredSecret } from '../security/stored-secret';
import { type ConnectorCredentials, findConnectorByClientId } from './connector-lookup.model';

/**
 * Connector secrets are stored sealed with the SecretBox (AES-256-GCM under SECRETS_KEY). A row the
 * runbook's SQL shortcut inserted holds its secret in plain text: it works all the same, and is sealed
 * the first time it is read (by a partner request, the token endpoint or the /op console).
 */

interface StoredSecrets {
  id: number;
  secret: string;
  previousSecret: string | null;
}

/** The connector with its secrets in clear; plain ones are sealed in the database on the way. */
export async function openConnectorSecrets<T extends StoredSecrets>(db: Queryable, box: SecretBox, connector: T): Promise<T> {
  const secret = await openStoredSecret(db, box, CONNECTOR_SECRET_COLUMN, connector.id, connector.secret);
  const previous = connector.previousSecret === null ? null : await openStoredSecret(db, box, CONNECTOR_PREVIOUS_SECRET_COLUMN, connector.id, connector.previousSecret);
  return { ...connector, secret: secret.secret, previousSecret: previous?.secret ?? null };
}

/** A connector secret as it is stored: sealed for this connector's row. */
export function sealConnectorSecret(box: SecretBox, connectorId: number, secret: string): string {
  return box.seal(secret, CONNECTOR_SECRET_COLUMN.context(connectorId));
}

/** The connector a partner names by client id (exact spelling), with its secrets in clear; null when none has it. */
export async function findConnectorCredentials(db: Queryable, box: SecretBox, clientId: string): Promise<ConnectorCredentials | null> {
  const stored = await findConnectorByClientId(db, clientId);
  return stored ? openConnectorSecrets(db, box, stored) : null;
}
