import fs from 'node:fs';
import { ensureLeaseTable, releaseLease, tryAcquireLease } from '../../src/db/lease';
import { migrate, MIGRATIONS_DIR } from '../../src/db/migrate';
import type { Pool, RowDataPacket } from '../../src/db/pool';
import { type ClusterDatabase, endPools, freshClusterDatabase, NODES, type NodeNumber, nodePools } from './cluster';

/**
 * GET_LOCK only locks the node it runs on, so on Galera the migrations take a lease (a row in
 * `leases`) instead. Started against two nodes at the same moment, they still run once.
 */

let database: ClusterDatabase;
let pools: Record<NodeNumber, Pool>;

beforeAll(async () => {
  database = await freshClusterDatabase('iba_cluster_migrations', { migrated: false });
  pools = nodePools(database, 4);
});

afterAll(() => endPools(pools));

const migrationFiles = () => fs.readdirSync(MIGRATIONS_DIR).filter((file) => /^\d+\.do\..+\.sql$/.test(file));

describe('migrations started on two nodes at once', () => {
  it('apply every file exactly once, and every node has the same schema', async () => {
    const [first, second] = await Promise.all([migrate(database.node(1)), migrate(database.node(2))]);
    const applied = [...first.applied, ...second.applied].sort();
    expect(applied).toEqual(migrationFiles().sort());
    expect(first.version).toBe(second.version);

    for (const n of NODES) {
      const [versions] = await pools[n].query<RowDataPacket[]>('SELECT version FROM schemaversion WHERE version > 0');
      expect(versions).toHaveLength(migrationFiles().length);
      const [roles] = await pools[n].query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM roles');
      expect(Number(roles[0].n)).toBe(4);
    }
  });

  it('leave every table with a primary key (Galera replicates tables without one badly)', async () => {
    const [tables] = await pools[1].query<RowDataPacket[]>(
      `SELECT t.TABLE_NAME AS name,
              EXISTS (SELECT 1 FROM information_schema.TABLE_CONSTRAINTS c
                       WHERE c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME AND c.CONSTRAINT_TYPE = 'PRIMARY KEY') AS has_primary_key
         FROM information_schema.TABLES t
        WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE'`,
    );
    expect(tables.map((table) => table.name)).toEqual(expect.arrayContaining(['schemaversion', 'leases', 'bookings', 'outbox_messages']));
    expect(tables.filter((table) => Number(table.has_primary_key) !== 1)).toEqual([]);
  });

  it('run on nodes that hand out interleaved auto-increment values, so nothing may count on consecutive ids', async () => {
    const offsets = new Set<number>();
    for (const n of NODES) {
      const [rows] = await pools[n].query<RowDataPacket[]>('SELECT @@auto_increment_increment AS increment, @@auto_increment_offset AS node_offset');
      expect(Number(rows[0].increment)).toBe(3);
      offsets.add(Number(rows[0].node_offset));
    }
    expect(offsets.size).toBe(3);
  });
});

describe('a lease contended from two nodes', () => {
  it('goes to exactly one holder each round, and to another once released or expired', async () => {
    await ensureLeaseTable(pools[1]);
    const contenders = [
      { pool: pools[1], holder: 'node1-a' },
      { pool: pools[1], holder: 'node1-b' },
      { pool: pools[2], holder: 'node2-a' },
      { pool: pools[2], holder: 'node2-b' },
    ];
    for (let round = 0; round < 30; round++) {
      const name = `round-${round}`;
      const now = new Date();
      const won = await Promise.all(contenders.map(({ pool, holder }) => tryAcquireLease(pool, name, holder, 60_000, now)));
      expect(won.filter(Boolean)).toHaveLength(1);
      const winner = contenders[won.indexOf(true)];
      for (const n of NODES) {
        const [rows] = await pools[n].query<RowDataPacket[]>('SELECT holder FROM leases WHERE name = ?', [name]);
        expect(rows.map((row) => row.holder)).toEqual([winner.holder]);
      }
    }

    // released: the next one may take it; expired: taken over; held: refused
    const now = new Date();
    expect(await tryAcquireLease(pools[1], 'handover', 'first', 60_000, now)).toBe(true);
    expect(await tryAcquireLease(pools[2], 'handover', 'second', 60_000, now)).toBe(false);
    await releaseLease(pools[1], 'handover', 'first');
    expect(await tryAcquireLease(pools[2], 'handover', 'second', 1_000, now)).toBe(true);
    expect(await tryAcquireLease(pools[3], 'handover', 'third', 60_000, new Date(now.getTime() + 500))).toBe(false);
    expect(await tryAcquireLease(pools[3], 'handover', 'third', 60_000, new Date(now.getTime() + 1_000))).toBe(true);
  });
});

