import type { ConnectorCredentials } from '../connectors/connector-lookup.model';
import { findConnectorCredentials } from '../connectors/connector-secrets';
import type { Queryable } from '../db/pool';
import type { SecretBox } from '../security/secret-box';

/**
 * How long a connector's credentials read for one request are reused for the next. The database
 * stays the only source of truth: an entry is at most this old, a signature that does not match a
 * cached entry is checked again against a fresh read (so a rotated secret works at once), and an
 * unknown client id is never cached (so a connector inserted by hand works at once). What the TTL
 * costs: a connector deleted by hand keeps signing legacy requests for up to one second on a process
 * that had just read it (timestamped signatures re-check the row when they are recorded, OAuth
 * tokens read it fresh). What it buys: one database round trip less on every check-in.
 */
export const CONNECTOR_CACHE_TTL_MS = 1000;

export interface CachedLookup {
  credentials: ConnectorCredentials | null;
  /** True when the answer came from the cache rather than from the database just now. */
  cached: boolean;
}

export interface SignerLookup {
  connector: ConnectorCredentials;
  /** Whether the request's signature matches this connector (judged against a fresh read when a cached one failed). */
  signed: boolean;
}

export class ConnectorCredentialsCache {
  private readonly entries = new Map<string, { credentials: ConnectorCredentials; readAt: number }>();

  constructor(
    private readonly db: Queryable,
    private readonly secrets: SecretBox,
    private readonly ttlMs = CONNECTOR_CACHE_TTL_MS,
  ) {}

  async lookup(clientId: string): Promise<CachedLookup> {
    const entry = this.entries.get(clientId);
    if (entry && performance.now() - entry.readAt < this.ttlMs) return { credentials: entry.credentials, cached: true };
    return { credentials: await this.refresh(clientId), cached: false };
  }

  /** Reads the connector from the database now, and remembers it (or forgets it, when it is gone). */
  async refresh(clientId: string): Promise<ConnectorCredentials | null> {
    const credentials = await findConnectorCredentials(this.db, this.secrets, clientId);
    if (credentials) this.entries.set(clientId, { credentials, readAt: performance.now() });
    else this.entries.delete(clientId);
    return credentials;
  }

  /**
   * The connector named by clientId and whether `signs` accepts the request for it; a cached row
   * that does not sign is read again first (the secret may have been rotated since). Null when no
   * connector has this client id.
   */
  async findSigner(clientId: string, signs: (connector: ConnectorCredentials) => boolean): Promise<SignerLookup | null> {
    const lookup = await this.lookup(clientId);
    if (!lookup.credentials) return null;
    if (signs(lookup.credentials)) return { connector: lookup.credentials, signed: true };
    if (!lookup.cached) return { connector: lookup.credentials, signed: false };
    const fresh = await this.refresh(clientId);
    return fresh ? { connector: fresh, signed: signs(fresh) } : null;
  }
}
