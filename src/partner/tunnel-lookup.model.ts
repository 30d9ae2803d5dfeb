import type { Queryable, RowDataPacket } from '../db/pool';

export interface BookableTunnel {
  tunnelId: number;
  name: string;
  /** IANA time zone name, e.g. "Europe/Amsterdam" */
  timeZone: string;
}

interface BookableTunnelRow extends RowDataPacket {
  tunnel_id: number;
  name: string;
  time_zone: string;
}

/** The IBA tunnel behind the tunnel id FuzeMetrix sends, or null when no tunnel carries it. */
export async function findTunnelByFuseMetrixId(db: Queryable, fuseMetrixTunnelId: number): Promise<BookableTunnel | null> {
  const [rows] = await db.execute<BookableTunnelRow[]>('SELECT tunnel_id, name, time_zone FROM tunnels WHERE fuse_metrix_tunnel_id = ?', [
    fuseMetrixTunnelId,
  ]);
  const row = rows[0];
  return row ? { tunnelId: row.tunnel_id, name: row.name, timeZone: row.time_zone } : null;
}
