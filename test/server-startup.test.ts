import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
/** Starts the real entry point with exactly this environment (plus PATH), as `npm start` would. */
const startServer = (env: Record<string, string>) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });

describe('starting the server with a bad DATABASE_URL', () => {
  it('prints one clear line naming DATABASE_URL and exits non-zero when it is malformed', () => {
    const result = startServer({ NODE_ENV: 'test', DATABASE_URL: 'not a url' });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe('Invalid configuration: DATABASE_URL must look like mysql://user:password@host:port/database');
  });

  it('prints one clear line and exits non-zero when the database cannot be reached', () => {
    const result = startServer({ NODE_ENV: 'test', DATABASE_URL: 'mysql://iba:iba@127.0.0.1:1/iba' });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Invalid configuration: DATABASE_URL cannot be reached \(127\.0\.0\.1:1\/iba\): ECONNREFUSED$/);
  });
});

// Attack (security review): started without NODE_ENV, the server ran with the development secrets
// committed in the repository.
describe('starting the server outside development (no NODE_ENV, or any value but development and test)', () => {
  it('refuses with no environment at all, and says why in one line', () => {
    const result = startServer({});
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim()).toBe('Invalid configuration: JWT_SECRET is required (NODE_ENV is not development or test, so there is no default)');
  });

  it('refuses the development JWT_SECRET even with everything else set', () => {
    const result = startServer({
      NODE_ENV: 'production',
      DATABASE_URL: 'mysql://iba:iba@127.0.0.1:1/iba',
      JWT_SECRET: 'dev-only-jwt-secret-do-not-use-in-production',
      PIN_PEPPER: 'a-real-pepper-value-1234',
      SECRETS_KEY: randomBytes(32).toString('base64'),
      APP_BASE_URL: 'https://api.tunnelflight.com',
      SMTP_URL: 'smtp://mail.tunnelflight.com:587',
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe('Invalid configuration: JWT_SECRET is the development default; set a real secret outside development');
  });

  it('names the first missing setting once the secrets are there', () => {
    const result = startServer({ DATABASE_URL: 'mysql://iba:iba@127.0.0.1:1/iba', JWT_SECRET: 'j'.repeat(40), PIN_PEPPER: 'p'.repeat(20) });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe('Invalid configuration: SECRETS_KEY is required (NODE_ENV is not development or test, so there is no default)');
  });
});
