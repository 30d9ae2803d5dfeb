import mysql from 'mysql2/promise';
import { log } from './options';

const FLUSH_TIMEOUT_MS = 300_000;
/** Dirty pages left when the flush counts as done (of 16 kB each: ~1.6 MB). */
const DIRTY_PAGES_SETTLED = 100;

/**
 * Brings the database to the state a running deployment's is in before anything is measured. The
 * data generation leaves the buffer pool full of dirty pages of the tables it filled (outbox e-mails
 * above all), and the members a check-in reads mostly out of it: the first rows then paid 800–1,400
 * µs of database CPU per request (against ~200 later) for evicting and writing those pages while
 * reading members back in, and the idle check before them passed (InnoDB flushes lazily when idle).
 * So: purge the undo history, write every dirty page now (innodb_max_dirty_pages_pct at 0 until none are left, then back),
 * and read the tables check-ins read, so their pages are in memory as on a server that has been
 * answering check-ins all day. Needs the SUPER (or SYSTEM_VARIABLES_ADMIN) privilege: the private
 * server's root has it; elsewhere it says so and goes on.
 */
export async function bringDatabaseToSteadyState(databaseUrl: string): Promise<void> {
  const connection = await mysql.createConnection({ uri: databaseUrl });
  try {
    await purgeHistory(connection).catch((error: Error) => log(`could not wait for the purge first (${error.message}): the first rows may pay for it`));
    await flushDirtyPages(connection).catch((error: Error) => log(`could not flush the buffer pool first (${error.message}): the first rows may pay for it`));
    const started = Date.now();
    for (const table of ['members', 'auth_attempts', 'roles', 'tunnels', 'fuse_metrix']) {
      // counting along the clustered index reads every page of the table's rows into the buffer pool
      await connection.query(`SELECT COUNT(*) FROM ${table} FORCE INDEX (PRIMARY)`);
    }
    log(`read the tables check-ins read into the buffer pool in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await connection.end();
  }
}

/**
 * InnoDB purges the undo history of committed changes in the background, woken by commits: after the
 * generation's million rows it sat idle, and the first rows' commits set it going (800–1,300 µs of
 * database CPU per request in the first two rows, ~200 later, even after the flush below).
 * innodb_max_purge_lag_wait = 0 (MariaDB 10.5.7+) waits until the history is purged.
 */
async function purgeHistory(connection: mysql.Connection): Promise<void> {
  const started = Date.now();
  const [[setting]] = await connection.query<mysql.RowDataPacket[]>('SELECT @@GLOBAL.innodb_max_purge_lag_wait AS wait');
  await connection.query('SET GLOBAL innodb_max_purge_lag_wait = 0');
  await connection.query('SET GLOBAL innodb_max_purge_lag_wait = ?', [Number(setting.wait)]);
  log(`undo history purged in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function flushDirtyPages(connection: mysql.Connection): Promise<void> {
  const [[setting]] = await connection.query<mysql.RowDataPacket[]>('SELECT @@GLOBAL.innodb_max_dirty_pages_pct AS pct');
  const started = Date.now();
  await connection.query('SET GLOBAL innodb_max_dirty_pages_pct = 0');
  try {
    for (;;) {
      const [[status]] = await connection.query<mysql.RowDataPacket[]>("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'");
      const dirty = Number(status.Value);
      if (dirty <= DIRTY_PAGES_SETTLED || Date.now() - started > FLUSH_TIMEOUT_MS) {
        log(`buffer pool flushed in ${((Date.now() - started) / 1000).toFixed(1)} s (${dirty} dirty pages left)`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  } finally {
    await connection.query('SET GLOBAL innodb_max_dirty_pages_pct = ?', [Number(setting.pct)]);
  }
}
