import { randomBytes } from 'node:crypto';
import { unixSeconds } from '../clock';
import { type Pool, type PoolConnection, withTransaction } from '../db/pool';
import { notFound } from '../http/errors';
import type { SecretBox } from '../security/secret-box';
import type { ConnectorAccess } from './connector-access';
import { type ConnectorAuditAction, insertConnectorAudit } from './connector-audit.model';
import { findConnectorCredentials, openConnectorSecrets, sealConnectorSecret } from './connector-secrets';
import {
  type Connector,
  deleteConnector,
  findConnectorById,
  findConnectorByIdForUpdate,
  insertConnector,
  listConnectors,
  rotateConnectorSecret,
  setConnectorSecret,
  updateConnectorAccess,
  updateConnectorEmail,
} from './connector.model';
import { signBody } from './hmac';

export const CONNECTOR_NOT_FOUND = 'Connector user not found';
export const CLIENT_ID_NOT_FOUND = 'Client id does not match with data';

/** The admin doing the change, for the audit trail. */
export interface Actor {
  memberId: number;
}

/** The console's database and the box that seals and opens connector secrets. */
export interface ConsoleDeps {
  pool: Pool;
  secrets: SecretBox;
}

/** The credential formats the runbook fixes: clientId is 16 random bytes in hex, the secret 16 in base64. */
export function newClientId(): string {
  return randomBytes(16).toString('hex');
}

export function newConnectorSecret(): string {
  return randomBytes(16).toString('base64');
}

export async function createConnector(deps: ConsoleDeps, actor: Actor, email: string, now: Date): Promise<Connector> {
  return withTransaction(deps.pool, async (connection) => {
    // the sealed secret is bound to the row's id, known only once it is inserted: the row holds a
    // placeholder until then, inside this transaction, so no one ever sees it
    const id = await insertConnector(connection, { email, clientId: newClientId(), secret: SEALING, createdBy: actor.memberId, createdAt: unixSeconds(now) });
    await setConnectorSecret(connection, id, sealConnectorSecret(deps.secrets, id, newConnectorSecret()));
    await audit(connection, actor, 'create', id, `email ${email}`, now);
    return readConnector(deps, connection, id);
  });
}

const SEALING = 'sealing';

/** A connector in clear, for the console; null-safe callers only (the row was just written or locked). */
async function readConnector(deps: ConsoleDeps, connection: PoolConnection, id: number): Promise<Connector> {
  return openConnectorSecrets(connection, deps.secrets, (await findConnectorById(connection, id))!);
}

/** Every connector. Reading secrets is audited too: the trail shows who saw them. */
export async function listConnectorsAudited(deps: ConsoleDeps, actor: Actor, now: Date): Promise<Connector[]> {
  return withTransaction(deps.pool, async (connection) => {
    const connectors = await listConnectors(connection);
    await audit(connection, actor, 'list', null, `${connectors.length} connectors`, now);
    const opened: Connector[] = [];
    for (const connector of connectors) opened.push(await openConnectorSecrets(connection, deps.secrets, connector));
    return opened;
  });
}

export async function getConnector(deps: ConsoleDeps, actor: Actor, id: number, now: Date): Promise<Connector> {
  return withTransaction(deps.pool, async (connection) => {
    const connector = await findConnectorById(connection, id);
    if (!connector) throw notFound(CONNECTOR_NOT_FOUND);
    await audit(connection, actor, 'read', id, null, now);
    return openConnectorSecrets(connection, deps.secrets, connector);
  });
}

export async function changeConnectorEmail(deps: ConsoleDeps, actor: Actor, id: number, email: string, now: Date): Promise<Connector> {
  return withTransaction(deps.pool, async (connection) => {
    const connector = await findConnectorByIdForUpdate(connection, id);
    if (!connector) throw notFound(CONNECTOR_NOT_FOUND);
    await updateConnectorEmail(connection, id, email);
    await audit(connection, actor, 'update', id, `email ${connector.email} -> ${email}`, now);
    return openConnectorSecrets(connection, deps.secrets, { ...connector, email });
  });
}

export async function removeConnector(deps: ConsoleDeps, actor: Actor, id: number, now: Date): Promise<void> {
  await withTransaction(deps.pool, async (connection) => {
    const connector = await findConnectorByIdForUpdate(connection, id);
    if (!connector) throw notFound(CONNECTOR_NOT_FOUND);
    await deleteConnector(connection, id);
    await audit(connection, actor, 'delete', id, `email ${connector.email}, clientId ${connector.clientId}`, now);
  });
}

/**
 * The token the partner check expects for this body from this connector: the hex HMAC-SHA256 of
 * JSON.stringify(body) (compact, in the key order received) keyed with the connector's current secret.
 */
export async function generatePartnerToken(deps: ConsoleDeps, actor: Actor, clientId: string, body: unknown, now: Date): Promise<string> {
  return withTransaction(deps.pool, async (connection) => {
    const connector = await findConnectorCredentials(connection, deps.secrets, clientId);
    if (!connector) throw notFound(CLIENT_ID_NOT_FOUND);
    await audit(connection, actor, 'generate-token', connector.id, null, now);
    return signBody(connector.secret, JSON.stringify(body ?? {}));
  });
}

/**
 * Issues a new secret; the one it replaces keeps working for overlapHours so the partner can switch
 * without a failed check-in. A secret still in its overlap from an earlier rotation stops at once.
 */
export async function rotateSecret(deps: ConsoleDeps, actor: Actor, id: number, overlapHours: number, now: Date): Promise<Connector> {
  return withTransaction(deps.pool, async (connection) => {
    const connector = await findConnectorByIdForUpdate(connection, id);
    if (!connector) throw notFound(CONNECTOR_NOT_FOUND);
    const previousExpiresAt = unixSeconds(now) + overlapHours * 3600;
    await rotateConnectorSecret(connection, id, sealConnectorSecret(deps.secrets, id, newConnectorSecret()), previousExpiresAt);
    await audit(connection, actor, 'rotate-secret', id, `previous secret valid until ${new Date(previousExpiresAt * 1000).toISOString()}`, now);
    return readConnector(deps, connection, id);
  });
}

/**
 * Chooses which signing methods a connector may use and which scopes it may hold, so IBA can retire
 * the legacy check partner by partner. Access tokens issued before the change stop working.
 */
export async function changeConnectorAccess(deps: ConsoleDeps, actor: Actor, id: number, access: ConnectorAccess, now: Date): Promise<Connector> {
  return withTransaction(deps.pool, async (connection) => {
    const connector = await findConnectorByIdForUpdate(connection, id);
    if (!connector) throw notFound(CONNECTOR_NOT_FOUND);
    await updateConnectorAccess(connection, id, access);
    const describe = (a: ConnectorAccess) => `methods ${a.authMethods.join(' ') || '(none)'}; scopes ${a.scopes.join(' ') || '(none)'}`;
    await audit(connection, actor, 'update-access', id, `${describe(connector)} -> ${describe(access)}`, now);
    return readConnector(deps, connection, id);
  });
}

function audit(
  db: Parameters<typeof insertConnectorAudit>[0],
  actor: Actor,
  action: ConnectorAuditAction,
  connectorId: number | null,
  detail: string | null,
  now: Date,
) {
  return insertConnectorAudit(db, { actorMemberId: actor.memberId, action, connectorId, detail }, now);
}
