import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { freePort } from './api-process';

const ROOT = path.resolve(__dirname, '..', '..');

function findBinary(candidates: string[]): string {
  for (const candidate of candidates) {
    try {
      return execFileSync('sh', ['-c', `command -v ${candidate}`], { encoding: 'utf8' }).trim();
    } catch {
      // try the next name
    }
  }
  throw new Error(`none of ${candidates.join(', ')} is installed (scripts/db.sh start installs MariaDB)`);
}

/**
 * A MariaDB server of a test's own (data in .data/fault-db-<pid>, its own socket and port), for tests
 * that stop and start the database under the API. Started the way scripts/db.sh starts the shared one.
 */
export class MariaDbInstance {
  private process: ChildProcess | null = null;
  private readonly socket: string;

  private constructor(
    readonly dataDir: string,
    readonly port: number,
  ) {
    // a unix socket path must stay under ~100 bytes, so it lives in the temp dir, not beside the data
    this.socket = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'iba-fault-db-')), 'mariadb.sock');
  }

  /** Initialises a fresh data folder and starts the server with an `iba` user and a database named `name`. */
  static async create(name: string): Promise<MariaDbInstance> {
    const dataDir = path.join(ROOT, '.data', `fault-db-${process.pid}-${Date.now().toString(36)}`);
    fs.mkdirSync(dataDir, { recursive: true });
    const installDb = findBinary(['mariadb-install-db', 'mysql_install_db']);
    execFileSync(installDb, ['--no-defaults', `--datadir=${dataDir}`, `--user=${os.userInfo().username}`, '--auth-root-authentication-method=socket', '--skip-test-db'], { stdio: 'ignore' });
    const instance = new MariaDbInstance(dataDir, await freePort());
    await instance.start();
    const client = findBinary(['mariadb', 'mysql']);
    execFileSync(client, ['--no-defaults', '--protocol=socket', `--socket=${instance.socket}`, '-uroot', '-e',
      `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
       CREATE USER 'iba'@'127.0.0.1' IDENTIFIED BY 'iba';
       GRANT ALL PRIVILEGES ON *.* TO 'iba'@'127.0.0.1';`]);
    return instance;
  }

  url(database: string): string {
    return `mysql://iba:iba@127.0.0.1:${this.port}/${database}`;
  }

  get running(): boolean {
    return this.process !== null;
  }

  /** Starts the server on the same data folder and port, and waits until it accepts connections. */
  async start(): Promise<void> {
    if (this.process) return;
    const server = findBinary(['mariadbd', 'mysqld', '/usr/sbin/mariadbd', '/usr/sbin/mysqld']);
    const child = spawn(server, [
      '--no-defaults', `--datadir=${this.dataDir}`, `--socket=${this.socket}`, `--pid-file=${path.join(this.dataDir, 'mariadb.pid')}`,
      `--port=${this.port}`, '--bind-address=127.0.0.1', `--user=${os.userInfo().username}`, `--log-error=${path.join(this.dataDir, 'error.log')}`,
      '--default-time-zone=+00:00', '--character-set-server=utf8mb4', '--collation-server=utf8mb4_unicode_ci', '--skip-name-resolve',
      '--innodb-buffer-pool-size=64M', '--max-connections=200', '--innodb-flush-log-at-trx-commit=1',
    ], { stdio: 'ignore' });
    this.process = child;
    child.once('exit', () => {
      if (this.process === child) this.process = null;
    });
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ok = await fs.promises.access(this.socket).then(() => true, () => false);
      if (ok && (await this.answers())) return;
      if (!this.process) throw new Error(`MariaDB exited during start-up; see ${path.join(this.dataDir, 'error.log')}`);
      if (Date.now() > deadline) throw new Error('MariaDB did not start within 60 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private async answers(): Promise<boolean> {
    const connection = await mysql.createConnection({ socketPath: this.socket, user: 'iba', password: 'iba', connectTimeout: 1000 }).catch(() => null);
    if (connection) {
      await connection.end().catch(() => undefined);
      return true;
    }
    // before the iba user exists, the root socket login is the only way in: ask the CLI
    try {
      execFileSync(findBinary(['mariadb', 'mysql']), ['--no-defaults', '--protocol=socket', `--socket=${this.socket}`, '-uroot', '-e', 'SELECT 1'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  }

  /** Kills the server outright (SIGKILL: no clean shutdown, InnoDB recovers on the next start). */
  async kill(): Promise<void> {
    const child = this.process;
    if (!child) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    this.process = null;
  }

  /** Stops the server (if running) and deletes its data folder. */
  async destroy(): Promise<void> {
    const child = this.process;
    if (child) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
      this.process = null;
    }
    fs.rmSync(this.dataDir, { recursive: true, force: true });
    fs.rmSync(path.dirname(this.socket), { recursive: true, force: true });
  }
}
