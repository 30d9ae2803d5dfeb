import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config';
import { benchSecretsKey } from './bench-data';
import { freePort, type ServerProcess, startServerProcess } from './processes';

/**
 * The API as it is deployed: built with `npm run build`, started with exactly the command `npm start`
 * runs (read from package.json), NODE_ENV=production, real secrets, the default log level (LOG_LEVEL is
 * not set, and nothing of the bench's own environment reaches it but PATH), stdout and stderr appended
 * to a file as a process manager would.
 */

export const LOG_DIR = path.join(PROJECT_ROOT, 'bench', 'results', 'logs');

/** `npm start`'s command, split into words; it must run node on dist/server.js. */
export function startCommand(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const words = pkg.scripts.start.trim().split(/\s+/);
  if (words[0] !== 'node' || words[words.length - 1] !== 'dist/server.js') throw new Error(`npm start is not "node [flags] dist/server.js": ${pkg.scripts.start}`);
  return words;
}

export function buildApi(): void {
  execFileSync('npm', ['run', '-s', 'build'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
}

export interface DeployedApiSettings {
  databaseUrl: string;
  poolSize: number;
  pinPepper: string;
  smtpUrl: string;
  mailDir: string;
}

export interface DeployedApi extends ServerProcess {
  logFile: string;
  env: Record<string, string>;
}

/** The environment a deployment gives the API: nothing about logging, so it logs at its default level. */
export function deployedEnvironment(settings: DeployedApiSettings, workers: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    DATABASE_URL: settings.databaseUrl,
    DATABASE_POOL_SIZE: String(settings.poolSize),
    JWT_SECRET: randomBytes(32).toString('hex'),
    PIN_PEPPER: settings.pinPepper,
    SMTP_URL: settings.smtpUrl,
    MAIL_OUTBOX_DIR: settings.mailDir,
    APP_BASE_URL: 'https://bench.example.com',
    WEB_CONCURRENCY: String(workers),
    // The key the generated data's secrets are sealed with (derived from the pepper), and
    // the limits one load generator would hit (one address, one connector, thousands of requests a
    // second), lifted. Nothing else differs from a deployment's defaults.
    SECRETS_KEY: benchSecretsKey(settings.pinPepper).toString('hex'),
    RATE_LIMIT_SIGN_IN_PER_MINUTE: '100000000',
    PARTNER_RATE_LIMIT_PER_MINUTE: '100000000',
    ARGON2_MAX_WAITING: '1000',
    ...extra,
  };
}

/** Starts the built API as `npm start` does, with `workers` worker processes; nodeFlags (e.g. --cpu-prof) go before npm start's own. */
export async function startDeployedApi(
  settings: DeployedApiSettings,
  label: string,
  workers: number,
  options: { nodeFlags?: string[]; extraEnv?: Record<string, string> } = {},
): Promise<DeployedApi> {
  fs.mkdirSync(LOG_DIR, { recursive: true });
  const logFile = path.join(LOG_DIR, `${label}.log`);
  fs.rmSync(logFile, { force: true });
  const [, ...args] = startCommand();
  const env = deployedEnvironment(settings, workers, options.extraEnv);
  const server = await startServerProcess([...(options.nodeFlags ?? []), ...args], env, await freePort(), {
    logFile,
    // the primary and its workers (one process when WEB_CONCURRENCY=1)
    processes: workers > 1 ? workers + 1 : 1,
  });
  return { ...server, logFile, env };
}

export interface RequestLogCount {
  /** "request completed" lines at info (level 30) */
  infoLines: number;
  /** all "request completed" lines */
  lines: number;
}

/** Counts the request lines in an API's log file (read after the API stopped, so every buffered line is in). */
export function countRequestLines(logFile: string): RequestLogCount {
  let infoLines = 0;
  let lines = 0;
  for (const line of fs.readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.includes('"msg":"request completed"')) continue;
    lines++;
    if (line.startsWith('{"level":30,')) infoLines++;
  }
  return { infoLines, lines };
}
